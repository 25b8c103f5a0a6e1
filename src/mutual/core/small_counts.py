"""Keeping a report's small groups from pointing at a person.

A cell of a report (a measure, in one quarter, for one neighbourhood, category or age
band) that fewer than ``people_min`` distinct people make up is withheld: its value is
not published. Withholding a single cell of a breakdown would not be enough, since the
breakdown's total, published beside it, gives that cell back by subtraction; so when a
breakdown withholds exactly one cell, the next smallest cell of it is withheld too (the
statistical offices' "secondary suppression").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Cell:
    key: str
    value: int
    people: int
    withheld: bool = False


def withhold_small(cells: Iterable[Cell], people_min: int) -> list[Cell]:
    """The cells of one breakdown, those under ``people_min`` people withheld, and one
    more when only one would be (0 or 1 withholds nothing)."""
    marked = [replace(c, withheld=c.people < people_min) for c in cells]
    withheld = [c for c in marked if c.withheld]
    shown: Sequence[Cell] = [c for c in marked if not c.withheld]
    if len(withheld) == 1 and shown:
        smallest = min(shown, key=lambda c: (c.value, c.key))
        marked = [replace(c, withheld=True) if c is smallest else c for c in marked]
    return marked


def rows_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A report's rows (each as its JSON document gives it) as CSV with a header: a
    withheld value (null) is an empty cell, a flag is ``true`` or ``false``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
