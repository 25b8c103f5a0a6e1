"""Projects followed after funding: the indicators a group agrees for a project, the
lead's quarterly follow-up (results, obstacles, needs, each indicator's value), the
group's co-evaluation that closes it, and the project's results beside its money.

Who does what: the group following the project (its members and facilitator) or a
coordinator defines its indicators; only the lead files a quarter's follow-up, and may
rewrite it until the group evaluated it; a member of the group or its facilitator other
than the lead evaluates it, once. The project's lead, its group, coordinators, auditors
and the fund's partners read its follow-ups and results. What was granted, spent and
delivered is summed from the ledger's postings on the project's own accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from uuid import UUID

from mutual.core.accounts import Account
from mutual.core.authority import Principal, Role
from mutual.core.errors import LedgerError
from mutual.core.groups import Group
from mutual.core.ids import AccountId
from mutual.core.project_sheets import ASSESSMENTS, quarter_reportable
from mutual.core.quarters import parse_quarter
from mutual.core.transactions import TransactionKind
from mutual.store import accounts as account_store
from mutual.store import fund as fund_store
from mutual.store import project_followups as store
from mutual.store.project_followups import FollowupRecord, IndicatorRecord, values_text
from mutual.store.projects import ProjectRecord
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound
from mutual.usecases.members import is_coordinator, oversees
from mutual.usecases.project_sheets import project_group, project_record, sits_in
from mutual.usecases.runtime import Runtime, new_id


class FollowupClosed(LedgerError):
    """A follow-up the group co-evaluated is neither rewritten nor evaluated again."""

    code = "followup_closed"


async def _readable(rt: Runtime, caller: Principal, project_id: UUID) -> ProjectRecord:
    project = await project_record(rt, project_id)
    group = await project_group(rt, project)
    if not (
        oversees(caller)
        or caller.id == project.lead_id
        or Role.PARTNER in caller.roles
        or (group is not None and sits_in(group, caller.id))
    ):
        raise Forbidden("the project's lead, its group, coordinators and partners read this")
    return project


# --- Indicators -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewIndicator:
    name: str
    unit: str
    target: int


async def define_indicator(
    rt: Runtime, caller: Principal, project_id: UUID, new: NewIndicator
) -> IndicatorRecord:
    """The project's group (a member or its facilitator) or a coordinator."""
    project = await project_record(rt, project_id)
    group = await project_group(rt, project)
    if not (is_coordinator(caller) or (group is not None and sits_in(group, caller.id))):
        raise Forbidden("the project's group and coordinators agree its indicators")
    async with rt.db.writing() as conn:
        if any(i.name == new.name for i in await store.indicators_of(conn, project.id)):
            raise InvalidRequest("the project has an indicator of this name", field="name")
        record = IndicatorRecord(
            new_id(), project.id, new.name, new.unit, new.target, caller.id, rt.clock()
        )
        await store.insert_indicator(conn, asdict(record))
    return record


async def indicators(rt: Runtime, caller: Principal, project_id: UUID) -> list[IndicatorRecord]:
    project = await _readable(rt, caller, project_id)
    async with rt.db.reading() as conn:
        return await store.indicators_of(conn, project.id)


# --- Follow-ups -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewFollowup:
    results: str
    obstacles: str
    needs: str
    values: Mapping[UUID, int]


async def file_followup(
    rt: Runtime, caller: Principal, project_id: UUID, quarter: str, new: NewFollowup
) -> FollowupRecord:
    """The lead's follow-up of ``quarter`` (from its first day on); filed again, it is
    rewritten, until the group evaluated it."""
    project = await project_record(rt, project_id)
    if caller.id != project.lead_id:
        raise Forbidden("the project's lead files its follow-ups")
    q = parse_quarter(quarter)
    if not quarter_reportable(q, rt.clock().date()):
        raise InvalidRequest("a quarter is reported on from its first day", field="quarter")
    async with rt.db.writing() as conn:
        known = {i.id for i in await store.indicators_of(conn, project.id)}
        stranger = next((k for k in new.values if k not in known), None)
        if stranger is not None:
            raise InvalidRequest(
                f"{stranger} is not an indicator of this project", field="indicator_values"
            )
        values = {
            "results": new.results,
            "obstacles": new.obstacles,
            "needs": new.needs,
            "indicator_values": values_text(new.values),
            "filed_by": caller.id,
            "filed_at": rt.clock(),
        }
        existing = await store.get_followup(conn, project.id, str(q))
        if existing is None:
            await store.insert_followup(
                conn, values | {"id": new_id(), "project_id": project.id, "quarter": str(q)}
            )
        elif not await store.rewrite_followup(conn, existing.id, values):
            raise FollowupClosed(
                "the group evaluated this follow-up: it is closed", field="quarter"
            )
        found = await store.get_followup(conn, project.id, str(q))
    assert found is not None
    return found


async def followups(rt: Runtime, caller: Principal, project_id: UUID) -> list[FollowupRecord]:
    project = await _readable(rt, caller, project_id)
    async with rt.db.reading() as conn:
        return await store.followups_of(conn, project.id)


async def evaluate_followup(
    rt: Runtime,
    caller: Principal,
    project_id: UUID,
    quarter: str,
    assessment: str,
    comment: str,
) -> FollowupRecord:
    """The group's co-evaluation of a quarter: a member of the project's group or its
    facilitator, not its lead (a co-evaluation is the others' view). It closes it."""
    project = await project_record(rt, project_id)
    group: Group | None = await project_group(rt, project)
    if group is None or not sits_in(group, caller.id):
        raise Forbidden("a member of the project's group or its facilitator evaluates it")
    if caller.id == project.lead_id:
        raise Forbidden("the lead's own follow-up is evaluated by the rest of the group")
    if assessment not in ASSESSMENTS:
        raise InvalidRequest(f"assessment is one of {', '.join(ASSESSMENTS)}", field="assessment")
    q = str(parse_quarter(quarter))
    values = {
        "assessment": assessment,
        "evaluation_comment": comment,
        "evaluated_by": caller.id,
        "evaluated_at": rt.clock(),
    }
    async with rt.db.writing() as conn:
        existing = await store.get_followup(conn, project.id, q)
        if existing is None:
            raise NotFound("the lead has not filed this quarter's follow-up", field="quarter")
        if not await store.evaluate_followup(conn, existing.id, values):
            raise FollowupClosed("the group evaluated this follow-up before", field="quarter")
        found = await store.get_followup(conn, project.id, q)
    assert found is not None
    return found


# --- Results ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    indicator: IndicatorRecord
    value: int | None  # the latest follow-up's value, None when never reported
    quarter: str | None


@dataclass(frozen=True, slots=True)
class Results:
    project: ProjectRecord
    group: Group | None
    granted: int  # cents the fund granted and rounds allocated to it
    spent: int  # cents it paid out (disbursements)
    balance: int  # cents it holds
    delivered: int  # volunteer minutes its lead confirmed
    indicators: list[IndicatorResult]
    followups: list[FollowupRecord]


def _against(indicator: IndicatorRecord, reached: tuple[int, str] | None) -> IndicatorResult:
    if reached is None:
        return IndicatorResult(indicator, None, None)
    return IndicatorResult(indicator, *reached)


# How many quarters of follow-up a results page shows: a year.
RECENT_QUARTERS = 4
_RECEIVED = (TransactionKind.GRANT, TransactionKind.ALLOCATION)


async def results(rt: Runtime, caller: Principal, project_id: UUID) -> Results:
    """What the project was given, spent and delivered, and what it achieved."""
    project = await _readable(rt, caller, project_id)
    group = await project_group(rt, project)
    eur = AccountId(project.eur_account)
    async with rt.db.reading() as conn:
        money = await fund_store.account_postings(
            conn, [eur], [*_RECEIVED, TransactionKind.DISBURSEMENT]
        )
        hours = await fund_store.account_postings(
            conn, [AccountId(project.pledge_account)], [TransactionKind.DELIVERY]
        )
        found = await store.followups_of(conn, project.id)
        agreed = await store.indicators_of(conn, project.id)
    account: Account | None = await account_store.get_account(rt.db, eur)
    latest: dict[UUID, tuple[int, str]] = {}
    for followup in reversed(found):  # oldest first, so the newest value stays
        for indicator_id, value in followup.indicator_values.items():
            latest[indicator_id] = (value, followup.quarter)
    return Results(
        project,
        group,
        granted=sum(p.amount for p in money if p.kind in _RECEIVED),
        spent=-sum(p.amount for p in money if p.kind is TransactionKind.DISBURSEMENT),
        balance=0 if account is None else account.balance,
        delivered=sum(p.amount for p in hours),
        indicators=[IndicatorResult(i, *latest.get(i.id, (None, None))) for i in agreed],
        followups=found[:RECENT_QUARTERS],
    )
