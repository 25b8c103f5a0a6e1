"""The age bands a member may give on their profile (optional), the territory's reports
count by: a fixed list, so that a report by band never splits on free text."""

from __future__ import annotations

from typing import Final, Literal, get_args

AgeBand = Literal["under_18", "18_25", "26_40", "41_60", "61_75", "over_75"]
AGE_BANDS: Final[tuple[str, ...]] = get_args(AgeBand)
