"""What each problem type means, in English and French, read once from
``contracts/problems.md`` (its table of codes is the one source): ``GET
/api/v1/problems/{code}`` answers it, so that a problem's ``type`` is a URI the service
itself serves.

A wheel carries the file inside the package as ``mutual/_contracts/problems.md`` (see
pyproject's force-include; the container image is built from the wheel); a source
checkout reads the top-level ``contracts`` folder.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

# A row of the table: | `code` | status | meaning | sens |
_ROW = re.compile(r"^\| `(?P<code>\w+)` \| (?P<status>\d{3}) \| (?P<en>.+?) \| (?P<fr>.+?) \|$")


def problems_document() -> Path:
    packaged = Path(str(resources.files("mutual"))) / "_contracts" / "problems.md"
    if packaged.is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "contracts" / "problems.md"
    if checkout.is_file():
        return checkout
    raise FileNotFoundError("contracts/problems.md is missing from this installation")


def parse_meanings(text: str) -> dict[str, dict[str, str]]:
    """Each code's meaning by language (``en``, ``fr``), from the table's rows."""
    found: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        row = _ROW.match(line)
        if row is not None:
            found[row["code"]] = {"en": row["en"], "fr": row["fr"]}
    return found


PROBLEM_MEANINGS: dict[str, dict[str, str]] = parse_meanings(problems_document().read_text())
