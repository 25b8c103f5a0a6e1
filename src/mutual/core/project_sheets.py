"""A project's sheet and its quarterly follow-up, as the cooperation workshop's project
sheets have them (what it is, the results obtained, the obstacles met, the needs to go
further) with the common evaluation the seeds ask for: indicators the group agreed,
and the group's own assessment of each quarter.

These are words and figures beside the ledger, not log entries: the money and hours a
project received and delivered are the ledger's; what it achieved is what its lead
reports and its group assesses. The rules here are the ones a follow-up's life needs:
a quarter is reported once it has begun, and a co-evaluated follow-up is closed.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from mutual.core.quarters import Quarter

# A project's life: a resident's idea becomes a proposal, the fund or a round funds it,
# it runs, and ends done or abandoned.
PROJECT_STATUSES: Final = ("idea", "proposed", "funded", "in_progress", "done", "abandoned")

# The group's assessment of a quarter: on track, partly, or not on track.
ASSESSMENTS: Final = ("on_track", "partly", "off_track")

# What an idea became.
IDEA_DECISIONS: Final = ("accepted", "declined")


def quarter_reportable(quarter: Quarter, today: date) -> bool:
    """A quarter is reported on from its first day: a follow-up tells what happened."""
    return quarter.starts_on <= today


def dates_in_order(starts_on: date | None, ends_on: date | None) -> bool:
    return starts_on is None or ends_on is None or starts_on <= ends_on
