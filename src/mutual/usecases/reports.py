"""Coordinators' reports: hours exchanged per month and per category, active and
inactive members, members without an open offer, proposals by status; also as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from mutual.core.authority import Principal
from mutual.store import timebank as store
from mutual.store.database import Database
from mutual.store.timebank import ExchangeRow
from mutual.usecases.exchanges import expire_due
from mutual.usecases.members import oversees, require_coordinator
from mutual.usecases.runtime import Runtime

ACTIVE_DAYS = 90


@dataclass(frozen=True, slots=True)
class TimeBankReport:
    minutes_by_month: dict[str, int]
    minutes_by_category: dict[str, int]
    active_members: list[UUID]
    inactive_members: list[UUID]
    members_without_offers: list[UUID]
    proposals: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "minutes_by_month": self.minutes_by_month,
            "minutes_by_category": self.minutes_by_category,
            "active_members": [str(m) for m in self.active_members],
            "inactive_members": [str(m) for m in self.inactive_members],
            "members_without_offers": [str(m) for m in self.members_without_offers],
            "proposals": self.proposals,
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "key", "value"])
        for month, minutes in self.minutes_by_month.items():
            writer.writerow(["minutes_by_month", month, minutes])
        for category, minutes in self.minutes_by_category.items():
            writer.writerow(["minutes_by_category", category, minutes])
        for section in ("active_members", "inactive_members", "members_without_offers"):
            for member in getattr(self, section):
                writer.writerow([section, member, 1])
        for status, count in self.proposals.items():
            writer.writerow(["proposals", status, count])
        return out.getvalue()


async def time_bank_report(rt: Runtime, caller: Principal) -> TimeBankReport:
    if not oversees(caller):
        require_coordinator(caller)
    await expire_due(rt)
    now = rt.clock()

    async def read(db: Database) -> tuple[list[ExchangeRow], dict[str, Any]]:
        async with db.reading() as conn:
            return await store.exchanges_for_report(conn), await store.report_counts(conn, now)

    rows, counts = await rt.db.from_standby(read)
    by_month: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    recent: set[UUID] = set()
    for row in rows:
        by_month[row.recorded_at.strftime("%Y-%m")] += row.minutes
        category = json.loads(row.references).get("category", "uncategorised")
        by_category[category] += row.minutes
        if row.recorded_at >= now - timedelta(days=ACTIVE_DAYS):
            recent.update((row.provider_account, row.receiver_account))
    people: dict[UUID, UUID] = counts["members"]
    active = sorted(m for m, account in people.items() if account in recent)
    return TimeBankReport(
        dict(sorted(by_month.items())),
        dict(sorted(by_category.items())),
        active,
        sorted(m for m in people if m not in set(active)),
        sorted(m for m in people if m not in counts["with_offer"]),
        dict(sorted(counts["proposals"].items())),
    )
