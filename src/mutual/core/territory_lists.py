"""The territory's own lists, and how intake finds the groups it concerns (no I/O).

A territory edits its categories (of offers, exchanges and projects), its neighbourhoods
(of profiles, associations, groups, collection points and intake) and its well-being
criteria (of the self-survey). Each entry has a stable ``code`` that rows store and a
label in French and English that people read; renaming changes the labels only, and a
retired entry stays valid on the rows that name it but is refused for new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from mutual.core.errors import LedgerError
from mutual.core.groups import Group, GroupKind


class ListKind(StrEnum):
    CATEGORY = "category"
    NEIGHBOURHOOD = "neighbourhood"
    WELLBEING_CRITERION = "wellbeing_criterion"


class NotListed(LedgerError):
    """A write named a category, neighbourhood or criterion that is not on the
    territory's list, or one retired since: nothing is written."""

    code = "not_listed"


class AlreadyListed(LedgerError):
    code = "already_listed"


@dataclass(frozen=True, slots=True)
class ListEntry:
    kind: ListKind
    code: str
    label_fr: str
    label_en: str
    position: int
    created_at: datetime
    retired_at: datetime | None

    @property
    def offered(self) -> bool:
        return self.retired_at is None

    def names(self) -> frozenset[str]:
        """What a group's name may be to mean this entry (case aside)."""
        return frozenset(n.casefold() for n in (self.code, self.label_fr, self.label_en))


CODE_MAX: Final = 120
LABEL_MAX: Final = 200


def check_label(value: str, field: str, most: int = LABEL_MAX) -> str:
    if not 1 <= len(value) <= most or value != value.strip():
        raise NotListed(f"1 to {most} characters, without surrounding spaces", field=field)
    return value


def require_listed(
    entries: Mapping[str, ListEntry],
    value: str | None,
    field: str,
    *,
    kept: str | None = None,
    retired_ok: bool = False,
) -> None:
    """``value`` is on the list and not retired; ``kept`` (what the row held before) stays
    valid even if retired since, so an edit that keeps it is not refused; ``retired_ok``
    for what reads old rows (a search filter)."""
    if value is None or value == kept:
        return
    entry = entries.get(value)
    if entry is None or not (entry.offered or retired_ok):
        offered = ", ".join(e.code for e in entries.values() if e.offered)
        what = "retired from" if entry is not None else "not on"
        raise NotListed(f"{value!r} is {what} the territory's list (one of {offered})", field=field)


def concerns(group: Group, *, neighbourhood: str | None, category: ListEntry | str | None) -> bool:
    """Whether a need or an offer recorded for a resident of ``neighbourhood``, in
    ``category``, goes to ``group``: the city group sees all of them; a group with a
    neighbourhood sees its neighbourhood's; a life-slice or resource group sees its
    category's (its name is the category's code or one of its labels). A group that
    names both a neighbourhood and a category sees what falls under both."""
    if group.kind is GroupKind.CITY and group.neighbourhood is None:
        return True
    if group.neighbourhood is not None and group.neighbourhood != neighbourhood:
        return False
    if group.kind in (GroupKind.LIFE_SLICE, GroupKind.RESOURCE):
        names = (
            category.names()
            if isinstance(category, ListEntry)
            else frozenset({category.casefold()} if category else ())
        )
        return group.name.casefold() in names
    return group.neighbourhood is not None


def routed_groups(
    groups: Iterable[Group], *, neighbourhood: str | None, category: ListEntry | str | None
) -> list[Group]:
    return [g for g in groups if concerns(g, neighbourhood=neighbourhood, category=category)]


# Scores a survey gives on a criterion: 0 (ill-being) to 10 (well-being).
SCORE_MIN: Final = 0
SCORE_MAX: Final = 10
