"""Units of account: each unit is a separate ledger that must balance on its own.

``TIME`` and ``PLEDGE`` count minutes, ``EUR`` counts cents, and each kind of shared
good has its own unit ``GOOD.<slug>`` counting items. Amounts are always integers.
"""

from __future__ import annotations

import re
from typing import Final, NewType

from mutual.core.errors import AmountOutOfRange, AmountZero, InvalidUnit

Unit = NewType("Unit", str)

TIME: Final = Unit("TIME")
PLEDGE: Final = Unit("PLEDGE")
EUR: Final = Unit("EUR")

# The largest integer RFC 8785 (I-JSON) represents exactly: amounts and bounds are signed
# in canonical JSON, so nothing beyond it may enter the ledger.
AMOUNT_LIMIT: Final = 2**53 - 1

_UNIT_PATTERN: Final = re.compile(r"(?:TIME|PLEDGE|EUR|GOOD\.[a-z0-9][a-z0-9_-]{0,62})")


def parse_unit(code: str, *, field: str = "unit") -> Unit:
    """Return ``code`` as a Unit, or raise InvalidUnit naming ``field``."""
    if not _UNIT_PATTERN.fullmatch(code):
        raise InvalidUnit(
            f"unknown unit {code[:80]!r}: expected TIME, PLEDGE, EUR or GOOD.<slug>", field=field
        )
    return Unit(code)


def good_unit(slug: str) -> Unit:
    """The unit counting items of the shared good ``slug``."""
    return parse_unit(f"GOOD.{slug}")


def check_amount(amount: int, *, field: str) -> None:
    """Refuse zero and amounts beyond ±2^53."""
    if amount == 0:
        raise AmountZero("a posting moves a non-zero amount", field=field)
    if not -AMOUNT_LIMIT <= amount <= AMOUNT_LIMIT:
        raise AmountOutOfRange(f"amounts must lie within ±{AMOUNT_LIMIT}", field=field)


def check_bound(value: int | None, *, field: str) -> None:
    """Refuse a bound beyond ±2^53 (``None`` means unbounded)."""
    if value is not None and not -AMOUNT_LIMIT <= value <= AMOUNT_LIMIT:
        raise AmountOutOfRange(f"bounds must lie within ±{AMOUNT_LIMIT}", field=field)


def counted_in(unit: str) -> str:
    """What one unit of ``amount`` is, for messages to people."""
    if unit in ("TIME", "PLEDGE"):
        return "minutes"
    return "cents" if unit == "EUR" else "items"
