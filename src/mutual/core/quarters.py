"""Calendar quarters, the rhythm of the territory's collective decisions ("2027-Q1")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from mutual.core.errors import LedgerError

_QUARTER: Final = re.compile(r"(\d{4})-Q([1-4])")


class InvalidQuarter(LedgerError):
    code = "invalid_quarter"


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    @property
    def ends_on(self) -> date:
        """The first day after the quarter."""
        return self.next.starts_on

    @property
    def last_day(self) -> date:
        return self.ends_on - timedelta(days=1)

    def ended(self, today: date) -> bool:
        return today >= self.ends_on


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def parse_quarter(text: str, *, field: str = "quarter") -> Quarter:
    match = _QUARTER.fullmatch(text)
    if match is None:
        raise InvalidQuarter("a quarter is written like 2027-Q1", field=field)
    return Quarter(int(match[1]), int(match[2]))
