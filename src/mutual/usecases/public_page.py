"""The territory's public page: what anyone may read without signing in, each item shown
only when the territory chose it (``Settings.public_page_items``). It holds figures and
decisions, never a person: no member's name, id, e-mail, nor a project's lead; a round's
tally is counted (voters on its roll, ballots cast, approvals per project), not listed."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store import project_followups as followup_store
from mutual.store import projects as project_store
from mutual.store import reports as report_store
from mutual.store.projects import ProjectRecord
from mutual.usecases.errors import NotFound
from mutual.usecases.fund import fund_summary
from mutual.usecases.log import checkpoint
from mutual.usecases.pact import pact as pact_state
from mutual.usecases.rounds import list_rounds
from mutual.usecases.runtime import Runtime

# A territory has tens of projects, not thousands: the page lists them all.
PROJECTS_MAX = 10_000


def _neighbourhood(project: ProjectRecord) -> str | None:
    return project.group_name if project.group_kind == "neighbourhood" else None


async def _follow_up(conn: AsyncConnection, project_id: UUID) -> dict[str, Any] | None:
    """The project's latest follow-up the group co-evaluated: its quarter, the group's
    assessment and the agreed indicators against their targets. Figures only: the lead's
    and the group's words may name people, and the page names nobody."""
    evaluated = [f for f in await followup_store.followups_of(conn, project_id) if f.assessment]
    if not evaluated:
        return None
    latest = max(evaluated, key=lambda f: f.quarter)
    indicators = await followup_store.indicators_of(conn, project_id)
    return {
        "quarter": latest.quarter,
        "assessment": latest.assessment,
        "indicators": [
            {
                "name": i.name,
                "unit": i.unit,
                "target": i.target,
                "value": latest.indicator_values.get(i.id),
            }
            for i in indicators
        ],
    }


async def _fund(rt: Runtime) -> dict[str, Any]:
    fund = await fund_summary(rt)
    return {
        "balance": fund.balance,
        "received": fund.received,
        "granted": fund.granted,
        "repaid": fund.repaid,
        "owed": fund.owed,
        "available": fund.available,
        "as_of": fund.as_of,
    }


async def _rounds(rt: Runtime, names: dict[UUID, str]) -> list[dict[str, Any]]:
    def lines(chosen: Any) -> list[dict[str, Any]]:
        return [
            {
                "project_id": line.project_id,
                "project": names.get(line.project_id, ""),
                "eur": line.eur,
                "hours": line.hours,
            }
            for line in chosen
        ]

    shown = []
    for state in await list_rounds(rt):
        approvals = Counter(p for reveal in state.reveals for p in reveal.approvals)
        manifest, consent = state.manifest, state.consent
        shown.append(
            {
                "label": state.config.label,
                "quarter": str(state.config.quarter),
                "phase": state.phase.value,
                "budget_eur": None if manifest is None else manifest.budget_eur,
                "budget_hours": None if manifest is None else manifest.budget_hours,
                "voters": None if manifest is None else len(manifest.voters),
                "consent": None
                if consent is None
                else {
                    "participants": consent.participants,
                    "quorum_met": consent.quorum_met,
                    "result": consent.result,
                },
                "ballots_cast": len(state.ballots),
                "approvals": [
                    {"project_id": UUID(p), "project": names.get(UUID(p), ""), "count": n}
                    for p, n in sorted(approvals.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
                "decision": lines(state.decision),
                "decision_sha256": state.decision_sha256,
                "tally_sha256": state.tally_sha256,
            }
        )
    return shown


async def _pact(rt: Runtime) -> dict[str, Any]:
    state = await pact_state(rt)
    current = state.current
    return {
        "signatories": len(state.signatories()),
        "signatories_current": 0 if current is None else len(state.signatories(current.id)),
        "version": None if current is None else current.number,
        "title": None if current is None else current.title,
    }


async def public_page(rt: Runtime) -> dict[str, Any]:
    """The items the territory opted in; an item it did not is absent (null)."""
    items = rt.settings.public_page_items
    page: dict[str, Any] = {"shown": sorted(items)}
    projects: list[ProjectRecord] = []
    if items & {"rounds", "projects"}:
        async with rt.db.reading() as conn:
            projects = await project_store.list_projects(
                conn, lead_id=None, after=None, limit=PROJECTS_MAX
            )
            grants = await report_store.grants(conn) if "projects" in items else []
            follow_ups = (
                {p.id: await _follow_up(conn, p.id) for p in projects}
                if "projects" in items
                else {}
            )
    names = {p.id: p.name for p in projects}
    page["fund"] = await _fund(rt) if "fund" in items else None
    page["rounds"] = await _rounds(rt, names) if "rounds" in items else None
    if "projects" in items:
        granted: dict[UUID, int] = defaultdict(int)
        for grant in grants:
            granted[grant.project_id] += grant.amount
        page["projects"] = [
            {
                "id": p.id,
                "name": p.name,
                "category": p.category,
                "neighbourhood": _neighbourhood(p),
                "group": p.group_name,
                "granted_eur": granted[p.id],
                "status": p.status,
                "follow_up": follow_ups[p.id],
            }
            for p in sorted(projects, key=lambda p: p.name)
        ]
    else:
        page["projects"] = None
    page["pact"] = await _pact(rt) if "pact" in items else None
    page["checkpoint"] = None
    if "checkpoint" in items:
        try:
            latest = await checkpoint(rt, None)
        except NotFound:
            latest = None
        if latest is not None:
            page["checkpoint"] = {
                "tree_size": latest.tree_size,
                "root_hash": latest.root_hash.hex(),
                "note": latest.note_with_cosignatures(),
            }
    return page
