"""Members: applying, acceptance by a coordinator, profiles with per-field visibility,
the GDPR export and the erasure that leaves the ledger verifiable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.accounts import Account, OwnerKind
from mutual.core.age_bands import AgeBand
from mutual.core.authority import Principal, Role
from mutual.core.bounds import BoundsDefault
from mutual.core.entries import MemberChange
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.mail import DEFAULT_DELIVERY
from mutual.core.permissions import reads_everything
from mutual.core.territory_lists import ListKind, require_listed
from mutual.core.timebank import LimitState, limit_state
from mutual.core.units import TIME
from mutual.store import accounts as account_store
from mutual.store import fund as fund_store
from mutual.store import goods as goods_store
from mutual.store import intake as intake_store
from mutual.store import invitations as invitation_store
from mutual.store import ledger_reads
from mutual.store import mail as mail_store
from mutual.store import offer_messages as offer_messages_store
from mutual.store import project_followups as project_followup_store
from mutual.store import rounds as round_store
from mutual.store import sign_in as sign_in_store
from mutual.store import territory_lists as lists_store
from mutual.store import timebank as store
from mutual.store.key_registry import erase_key_notes
from mutual.store.principals import ensure_principal
from mutual.store.timebank import MemberRecord, OfferFilter
from mutual.usecases import member_notices
from mutual.usecases.access import IssuedToken, issue_token
from mutual.usecases.accounts import open_account_entry, whole_statement
from mutual.usecases.charter import current_charter
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound
from mutual.usecases.invitations import IssuedInvitation, invite
from mutual.usecases.pagination import Page, cut_page, decode_id_cursor
from mutual.usecases.runtime import Runtime, new_id

MEMBER_TIME = BoundsDefault(TIME, OwnerKind.MEMBER)
COORDINATORS = frozenset({Role.OPERATOR, Role.COORDINATION_MEMBER})
VISIBILITIES = ("members", "coordinators")


def is_coordinator(principal: Principal) -> bool:
    return bool(principal.roles & COORDINATORS)


def oversees(principal: Principal) -> bool:
    """Reads what coordinators read: coordinators, auditors, and service clients (within
    their token's scope, which the HTTP edge checked)."""
    return is_coordinator(principal) or reads_everything(principal)


def require_coordinator(principal: Principal) -> None:
    if not is_coordinator(principal):
        raise Forbidden("only a coordinator may do this")


@dataclass(frozen=True, slots=True)
class Profile:
    display_name: str | None
    neighbourhood: str | None
    contact: dict[str, dict[str, str]]
    languages: list[str]
    age_band: AgeBand | None = None


def _check_contact(contact: dict[str, dict[str, str]]) -> None:
    for name, item in contact.items():
        if item.get("visibility") not in VISIBILITIES:
            raise InvalidRequest(
                f"visibility is one of {', '.join(VISIBILITIES)}",
                field=f"contact.{name}.visibility",
            )


def _profile_values(profile: Profile) -> dict[str, Any]:
    _check_contact(profile.contact)
    return {
        "display_name": profile.display_name,
        "neighbourhood": profile.neighbourhood,
        "contact": profile.contact,
        "languages": profile.languages,
        "age_band": profile.age_band,
    }


async def _require_neighbourhood(
    conn: AsyncConnection, neighbourhood: str | None, *, kept: str | None
) -> None:
    """On the territory's list (``not_listed``); the one the profile held stays valid."""
    if neighbourhood is not None and neighbourhood != kept:
        found = await lists_store.list_entries(conn, ListKind.NEIGHBOURHOOD)
        require_listed(found, neighbourhood, "neighbourhood", kept=kept)


async def apply(
    rt: Runtime, profile: Profile, *, charter_version: str | None = None
) -> MemberRecord:
    """An application to join; nothing reaches the ledger until a coordinator accepts.
    ``charter_version``, the version of the charter the applicant accepted, must be the
    one in force: a text changed while they read it was not the text they accepted."""
    if charter_version is not None and charter_version != current_charter(rt.settings).version:
        raise InvalidRequest(
            "the charter changed since it was read: read it again", field="charter_version"
        )
    member_id = PrincipalId(new_id())
    async with rt.db.writing() as conn:
        await _require_neighbourhood(conn, profile.neighbourhood, kept=None)
        await store.insert_member(
            conn,
            {
                "id": member_id,
                "status": "applied",
                "applied_at": rt.clock(),
                "charter_version": charter_version,
            }
            | _profile_values(profile),
        )
        record = await store.get_member(conn, member_id)
    assert record is not None
    return record


async def member_or_404(rt: Runtime, member_id: UUID) -> MemberRecord:
    async with rt.db.reading() as conn:
        record = await store.get_member(conn, member_id)
    if record is None:
        raise NotFound("no such member", field="id")
    return record


async def active_member(rt: Runtime, member_id: UUID, *, field: str) -> MemberRecord:
    async with rt.db.reading() as conn:
        record = await store.get_member(conn, member_id)
    if record is None or record.status != "active" or record.account_id is None:
        raise NotFound("no such active member", field=field)
    return record


@dataclass(frozen=True, slots=True)
class Acceptance:
    member: MemberRecord
    token: IssuedToken  # a bearer token, for a member who uses another client
    invitation: IssuedInvitation  # the page's way in: choose a password


@dataclass(frozen=True, slots=True)
class TerritoryLimits:
    """The bounds a new member's TIME account opens with; ``change_id`` and ``log_index``
    name the ledger record that set them (``None`` while the configured ones hold)."""

    balance_min: int | None
    balance_max: int | None
    change_id: UUID | None
    log_index: int | None


async def territory_limits(rt: Runtime) -> TerritoryLimits:
    async with rt.db.reading() as conn:
        row = await account_store.latest_default(conn, MEMBER_TIME.unit, MEMBER_TIME.owner_kind)
    if row is None:
        settings = rt.settings
        return TerritoryLimits(
            settings.default_balance_min, settings.default_balance_max, None, None
        )
    m = row._mapping
    return TerritoryLimits(m["balance_min"], m["balance_max"], m["id"], m["log_index"])


async def accept(rt: Runtime, caller: Principal, member_id: UUID) -> Acceptance:
    """Accept an application: the member's principal, TIME account (a log entry, with the
    territory's default bounds), a first token and an invitation, shown once."""
    require_coordinator(caller)
    record = await member_or_404(rt, member_id)
    if record.status != "applied":
        raise InvalidRequest(f"the application is {record.status}", field="id")
    pid = PrincipalId(member_id)
    limits = await territory_limits(rt)
    await ensure_principal(rt.db, pid, [Role.MEMBER], now=rt.clock())
    account, _ = await open_account_entry(
        rt,
        # Derived from the member id, so a retried acceptance opens the same account.
        account_id=AccountId(UUID(int=member_id.int ^ 1)),
        unit=TIME,
        owner_kind=OwnerKind.MEMBER,
        owner_id=str(pid),
        balance_min=limits.balance_min,
        balance_max=limits.balance_max,
    )
    invitation = await _activate(rt, member_id, account.id)
    accepted = await member_or_404(rt, member_id)
    token = await issue_token(rt, roles=[Role.MEMBER], principal_id=pid)
    return Acceptance(accepted, token, invitation)


async def invite_again(rt: Runtime, caller: Principal, member_id: UUID) -> IssuedInvitation:
    """A coordinator's new invitation for an accepted member (the first one expired or
    was lost); any earlier one stops working."""
    require_coordinator(caller)
    await active_member(rt, member_id, field="id")
    async with rt.db.writing() as conn:
        return await invite(conn, rt, member_id)


async def refuse(rt: Runtime, caller: Principal, member_id: UUID) -> MemberRecord:
    require_coordinator(caller)
    async with rt.db.writing() as conn:
        if not await store.update_member(
            conn, member_id, {"status": "refused", "decided_at": rt.clock()}, status="applied"
        ):
            raise InvalidRequest("only a pending application can be refused", field="id")
        record = await store.get_member(conn, member_id)
    assert record is not None
    return record


async def _activate(rt: Runtime, member_id: UUID, account_id: AccountId) -> IssuedInvitation:
    """Active, with the next free member number and, in the same transaction, an
    invitation (an accepted member always has a way in). Acceptances racing on PostgreSQL
    can read the same highest number; the unique index refuses all but one, and the others
    try again with the number that is now next (SQLite's single writer never races)."""
    for attempt in range(_NUMBER_ATTEMPTS):
        try:
            async with rt.db.writing() as conn:
                if not await store.activate_member(conn, member_id, account_id, now=rt.clock()):
                    # Another coordinator decided meanwhile.
                    raise InvalidRequest("the application was decided meanwhile", field="id")
                return await invite(conn, rt, member_id)
        except IntegrityError:
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


_NUMBER_ATTEMPTS = 50


def applicant(record: MemberRecord) -> Principal:
    """The applicant, reading back their own application (they hold no token yet)."""
    return Principal(record.id, frozenset())


def visible_profile(record: MemberRecord, reader: Principal) -> dict[str, Any]:
    """What ``reader`` may see: everything of their own, contact fields by visibility,
    the pact date only for coordinators, the age band only for the member."""
    own = reader.id == record.id
    coordinator = is_coordinator(reader)
    contact = {
        name: item
        for name, item in record.contact.items()
        if own or coordinator or item.get("visibility") == "members"
    }
    return {
        "id": record.id,
        "status": record.status,
        "display_name": record.display_name,
        "neighbourhood": record.neighbourhood,
        "languages": record.languages,
        "contact": contact,
        "pact_signed_on": record.pact_signed_on if own or coordinator else None,
        "account_id": record.account_id,
        "charter_version": record.charter_version if own or coordinator else None,
        "number": record.number,
        # Only the member sees their own band; the territory reads it counted, in reports.
        "age_band": record.age_band if own else None,
        "updated_at": record.updated_at,
    }


async def read_profile(rt: Runtime, reader: Principal, member_id: UUID) -> dict[str, Any]:
    record = await member_or_404(rt, member_id)
    if record.status != "active" and not (is_coordinator(reader) or reader.id == record.id):
        raise NotFound("no such member", field="id")
    return visible_profile(record, reader)


async def update_profile(rt: Runtime, member: Principal, profile: Profile) -> dict[str, Any]:
    await active_member(rt, member.id, field="id")
    before = await read_profile(rt, member, member.id)
    async with rt.db.writing() as conn:
        await _require_neighbourhood(conn, profile.neighbourhood, kept=before.get("neighbourhood"))
        await store.update_member(conn, member.id, _profile_values(profile))
    after = await read_profile(rt, member, member.id)
    # A save that changed nothing (the page saves the whole form) is not a change to tell.
    if _without_stamp(after) != _without_stamp(before):
        await member_notices.tell(rt, member.id, MemberChange.PROFILE_CHANGED)
    return after


def _without_stamp(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in profile.items() if k != "updated_at"}


async def list_members(
    rt: Runtime,
    caller: Principal,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
    updated_since: datetime | None = None,
) -> Page[dict[str, Any]]:
    if status != "active" and not oversees(caller):
        require_coordinator(caller)
    async with rt.db.reading() as conn:
        records = await store.list_members(
            conn,
            status=status,
            after=decode_id_cursor("members", cursor),
            limit=limit + 1,
            updated_since=updated_since,
        )
    page = cut_page("members", records, limit, lambda r: str(r.id))
    return Page([visible_profile(r, caller) for r in page.items], page.next_cursor)


@dataclass(frozen=True, slots=True)
class NearLimit:
    member_id: UUID
    account: Account
    state: LimitState


async def near_limits(rt: Runtime, caller: Principal) -> list[NearLimit]:
    """Members near (within the warning margin) or past a bound, for coordinators."""
    if not oversees(caller):
        require_coordinator(caller)
    margin = rt.settings.limit_warning_minutes
    async with rt.db.reading() as conn:
        rows = await store.member_accounts_near(conn, margin=margin)
    return [
        NearLimit(member_id, account, limit_state(account, warning_margin=margin))
        for member_id, account in rows
    ]


async def export_self(rt: Runtime, member: Principal) -> dict[str, Any]:
    """Everything the service holds about the member (GDPR art. 15 and 20)."""
    record = await member_or_404(rt, member.id)
    statement = [
        {
            "transaction_id": str(line.transaction_id),
            "log_index": line.log_index,
            "kind": line.kind,
            "amount": line.amount,
            "balance_after": line.balance_after,
            "recorded_at": line.recorded_at.isoformat(),
        }
        for line in (
            await whole_statement(rt, record.account_id) if record.account_id is not None else []
        )
    ]
    async with rt.db.reading() as conn:
        offers = await store.search_offers(
            conn,
            OfferFilter(member_id=member.id, include_closed=True),
            now=rt.clock(),
            limit=10_000,
        )
        proposals = await store.list_proposals(
            conn, member.id, role=None, status=None, after=None, limit=10_000
        )
        notes = await store.read_notifications(conn, member.id, after=0, limit=10_000)
        sent = await offer_messages_store.messages_sent_by(conn, member.id)
        mail_choice = await mail_store.preference(conn, member.id)
        consents = await intake_store.consents_of(conn, member.id)
        ideas = await project_followup_store.ideas_by(conn, member.id)
    return {
        "profile": visible_profile(record, member),
        "statement": statement,
        "offers": [
            {"id": str(o.id), "direction": o.direction, "title": o.title, "category": o.category}
            for o in offers
        ],
        "offer_messages": [
            {
                "id": str(m.id),
                "offer_id": str(m.offer_id),
                "text": m.text,
                "created_at": m.created_at.isoformat(),
            }
            for m in sent
        ],
        "proposals": [
            {
                "id": str(p.id),
                "provider": str(p.provider),
                "receiver": str(p.receiver),
                "minutes": p.minutes,
                "status": p.status.value,
                "memo": p.memo,
            }
            for p in proposals
        ],
        "notifications": [{"kind": n.kind, "data": n.data} for n in notes],
        "notification_preferences": {
            "notices": (mail_choice or DEFAULT_DELIVERY).value,
        },
        "intake_consents": [
            {
                "client_id": str(c.client_id),
                "granted_at": c.granted_at.isoformat(),
                "withdrawn_at": None if c.withdrawn_at is None else c.withdrawn_at.isoformat(),
            }
            for c in consents
        ],
        "project_ideas": [
            {
                "id": str(i.id),
                "group_id": str(i.group_id),
                "title": i.title,
                "description": i.description,
                "status": i.status,
                "reason": i.reason,
            }
            for i in ideas
        ],
    }


async def erase(rt: Runtime, caller: Principal, member_id: UUID) -> None:
    """GDPR erasure: profile, memos, offers' text, the messages about offers they sent or
    were sent, notifications (theirs, the trace of
    their e-mails with their choice of them, and their words quoted in others', such as a
    rejection's reason), a gift's household
    text, a resident partner's name, the reasons given in rounds, their project ideas' text
    and their comments co-evaluating a project, the notes on their key
    events and their sign-in (login, password hash, open sessions and links) go; the member's
    pseudonymous id, accounts and signed entries stay, so the log still verifies."""
    if caller.id != member_id:
        require_coordinator(caller)
    record = await member_or_404(rt, member_id)
    now = rt.clock()
    async with rt.db.writing() as conn:
        await store.update_member(
            conn,
            member_id,
            {
                "status": "erased",
                "display_name": None,
                "neighbourhood": None,
                "contact": {},
                "languages": [],
                "pact_signed_on": None,
                "age_band": None,
                "erased_at": now,
            },
        )
        await offer_messages_store.erase_messages_of(conn, member_id)
        await store.erase_member_offers(conn, member_id, now)
        await store.erase_member_proposals(conn, member_id)
        await store.delete_notifications(conn, member_id)
        await mail_store.forget_member(conn, member_id)
        await store.erase_quoted_text(conn, member_id)
        await goods_store.erase_member_gifts(conn, member_id)
        await fund_store.erase_resident_partner(conn, member_id)
        await round_store.erase_texts_of(conn, member_id)
        await erase_key_notes(conn, member_id)
        await sign_in_store.forget_principal(conn, member_id, now=now)
        await invitation_store.spend_invitations_of(conn, member_id, now=now)
        await invitation_store.spend_resets_of(conn, member_id, now=now)
        await intake_store.forget_member(conn, member_id)
        await lists_store.forget_member(conn, member_id)
        await project_followup_store.erase_texts_of(conn, member_id)
    if record.account_id is not None:
        await ledger_reads.erase_memos(rt.db, str(member_id))
    await member_notices.tell(rt, member_id, MemberChange.ERASED)
