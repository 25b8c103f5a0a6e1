"""The territorial pact: a coordinator publishes a version of its text; a resident signs it
(or signs for an association they act for); a signatory invites another member. Each is
a pact entry signed by the log key on the caller's authenticated request, checked by the
one fold (``core.pact`` through ``core.fold``); what the pact holds is read back from the
log.

Why the log key and not the member's device key: a signature of the pact is a public
commitment, not an authority over anyone's balance, and the log records who asked (the
``by`` of the entry, the authenticated caller). A member without a device key (many
residents sign on paper, then a coordinator enters it) can then sign as well.

A new version asks whoever signed an older one to sign it (a notice in their feed); an
invitation tells the invitee who invited them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.entries import EntryType
from mutual.core.pact import (
    Pact,
    PactAction,
    PactEntry,
    PactRule,
    QuarterFigures,
    SignatoryKind,
    Version,
    pact_payload,
    quarter_figures,
)
from mutual.core.quarters import Quarter, quarter_of
from mutual.core.signing import Domain
from mutual.store import timebank as member_store
from mutual.store.journal import PactWrite
from mutual.store.outcomes import raise_refusal
from mutual.store.pact import load_pact, note_signed_on
from mutual.usecases.associations import acting_account
from mutual.usecases.errors import Forbidden, NotFound
from mutual.usecases.members import Profile, apply, is_coordinator, oversees
from mutual.usecases.runtime import Runtime, chosen_id


async def pact(rt: Runtime) -> Pact:
    async with rt.db.reading() as conn:
        return await load_pact(conn, rt.log.origin)


async def _write(
    rt: Runtime,
    caller: Principal,
    action: PactAction,
    body: Mapping[str, Any],
    *,
    entry_id: UUID | None,
) -> tuple[PactEntry, int]:
    """Write one pact entry (the fold refuses what the pact's rules do not allow); its
    log index. A retried entry id answers what the log recorded."""
    entry = PactEntry(chosen_id(entry_id), action, caller.id, rt.clock(), dict(body))
    log_entry, digest = rt.log.sign_entry(
        Domain.PACT, EntryType.PACT, pact_payload(rt.log.origin, entry)
    )
    [outcome] = await rt.journal.submit(
        [PactWrite(entry, digest, log_entry)], atomic=True, recorded_at=rt.clock()
    )
    raise_refusal([outcome])
    return entry, int(outcome.body["log_index"])


async def publish_version(
    rt: Runtime,
    caller: Principal,
    title: str,
    text: str,
    languages: Sequence[str],
    *,
    version_id: UUID | None,
) -> Version:
    """A new version of the pact, numbered after the last; whoever signed an older one is
    asked to sign it."""
    if not is_coordinator(caller):
        raise Forbidden("only a coordinator publishes the pact")
    current = await pact(rt)
    if version_id is not None and (found := current.version(version_id)) is not None:
        return found
    body = {
        "number": len(current.versions) + 1,
        "title": title,
        "text": text,
        "languages": sorted(set(languages)),
    }
    entry, _ = await _write(rt, caller, PactAction.VERSION_PUBLISHED, body, entry_id=version_id)
    after = await pact(rt)
    version = after.version(entry.id)
    assert version is not None
    await _ask_to_sign(rt, after, version)
    return version


async def _ask_to_sign(rt: Runtime, state: Pact, version: Version) -> None:
    """The notice to each who signed an older version (for an organisation, the member
    who signed for it): keyed by the version, so it is written once."""
    asked = state.to_sign_again()
    members = sorted(
        {s.by for s in state.signatures if s.signatory in asked and s.version != version.id}
    )
    data = {"version_id": str(version.id), "number": version.number, "title": version.title}
    async with rt.db.writing() as conn:
        await member_store.notify_many(
            conn,
            [(m, "pact_new_version", data, str(version.id)) for m in members],
            now=rt.clock(),
        )


async def sign(
    rt: Runtime,
    caller: Principal,
    version_id: UUID | None,
    *,
    on_behalf_of: UUID | None,
) -> tuple[PactEntry, int]:
    """The caller signs a version (the current one when none is named), for themselves or
    for an association they act for. Whoever first invited the signatory is named in the
    entry (the fold checks that invitation is in the log)."""
    state = await pact(rt)
    if version_id is None:
        if state.current is None:
            raise PactRule("no version of the pact is published yet", field="version_id")
        version_id = state.current.id
    if on_behalf_of is not None:
        await acting_account(rt, caller, on_behalf_of)
    signatory = caller.id if on_behalf_of is None else on_behalf_of
    invitations = state.invitations_of(signatory)
    body = {
        "version": str(version_id),
        "signatory": str(signatory),
        "signatory_kind": (
            SignatoryKind.RESIDENT if on_behalf_of is None else SignatoryKind.ORGANISATION
        ).value,
        "invited_by": str(invitations[0].inviter) if invitations else None,
    }
    entry, index = await _write(rt, caller, PactAction.SIGNED, body, entry_id=None)
    if on_behalf_of is None:
        async with rt.db.writing() as conn:
            await note_signed_on(conn, caller.id, entry.at.date())
    return entry, index


async def invite(rt: Runtime, caller: Principal, invitee: UUID) -> tuple[PactEntry, int]:
    """A signatory invites another member to sign; the invitee is told who invited them."""
    async with rt.db.reading() as conn:
        if await member_store.get_member(conn, invitee) is None:
            raise NotFound("no such member", field="member_id")
    entry, index = await _write(
        rt, caller, PactAction.INVITED, {"invitee": str(invitee)}, entry_id=None
    )
    async with rt.db.writing() as conn:
        await member_store.notify_many(
            conn,
            [(invitee, "pact_invited", {"inviter": str(caller.id)}, str(entry.id))],
            now=rt.clock(),
        )
    return entry, index


async def invite_newcomer(
    rt: Runtime, caller: Principal, display_name: str, email: str
) -> tuple[PactEntry, int]:
    """A signatory invites someone who is not a member yet: their application is made
    in their name (a coordinator accepts it as any other, and the acceptance's e-mail
    brings them in), and the invitation names it. The caller's standing is checked
    first, so a refused invitation leaves no application behind."""
    if not (await pact(rt)).has_signed(caller.id):
        raise PactRule("an invitation names a signatory as its inviter", field="by")
    contact = {"email": {"value": email, "visibility": "coordinators"}}
    record = await apply(rt, Profile(display_name, None, contact, []))
    return await invite(rt, caller, record.id)


@dataclass(frozen=True, slots=True)
class MyPact:
    """What the pact's page shows a member: the current version, whether they signed it
    (or an older one), who invited them, and whom they invited this quarter."""

    current: Version | None
    signed_current: bool
    signed_before: bool
    invited_by: tuple[UUID, ...]
    invited_this_quarter: tuple[UUID, ...]
    quarter: Quarter


async def mine(rt: Runtime, caller: Principal) -> tuple[Pact, MyPact]:
    state = await pact(rt)
    current = state.current
    quarter = quarter_of(rt.clock().date())
    return state, MyPact(
        current,
        current is not None and state.signature(current.id, caller.id) is not None,
        state.has_signed(caller.id),
        tuple(i.inviter for i in state.invitations_of(caller.id)),
        tuple(
            i.invitee for i in state.invitations if i.inviter == caller.id and i.quarter == quarter
        ),
        quarter,
    )


async def signatories(rt: Runtime, caller: Principal, quarter: Quarter | None) -> QuarterFigures:
    """The quarter's signatories and the invitations each made (coordinators and those
    who read everything, as the quarterly pack)."""
    if not oversees(caller):
        raise Forbidden("the signatories per quarter are read by coordinators")
    return quarter_figures(await pact(rt), quarter or quarter_of(rt.clock().date()))
