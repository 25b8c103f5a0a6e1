"""Members' keys in their own custody (``core.key_custody``), on both databases: the
operator (the log key) alone can neither register, replace nor revoke a member's key; a
lost device is a recovery a coordinator signs with their own key, which takes effect only
after its wait and which any valid key of the member cancels; the member is told of each;
and an export holding a member key the operator registered is a finding of the verifier.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mutual.cli.main import cli
from mutual.core import key_custody
from mutual.core.authority import Principal, Role
from mutual.core.errors import InvalidKeyEvent
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.notes import format_verifier_key
from mutual.core.registry import Capacity, KeyAction, KeyEvent, KeyRecord, RecoveryStatus
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.core.verify import Finding, Verifier
from mutual.store import journal_io, ledger_reads, log_reads
from mutual.store.key_registry import erase_key_notes, key_notes
from mutual.store.outcomes import Outcome
from mutual.store.timebank import read_notifications
from mutual.usecases import log as log_usecase
from mutual.usecases.errors import Forbidden, InvalidRequest
from mutual.usecases.export import export_lines
from mutual.usecases.keys import read_keys, submit_key_event, vouched_write
from mutual.usecases.runtime import Runtime
from mutual.usecases.transactions import SignedTransaction, record_transactions
from tests.conftest import OPERATOR, member, open_member_account
from tests.wallet import ensure_key, salted

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def keypair(name: str) -> Keypair:
    return Keypair(hashlib.sha256(f"custody test/{name}".encode()).digest())


async def send(rt: Runtime, caller: Principal, event: KeyEvent, *keys: Keypair) -> Outcome:
    return await submit_key_event(
        rt, caller, event, [k.sign_key_event(rt.log.origin, event) for k in keys]
    )


def registration(who: Principal, key: Keypair) -> KeyEvent:
    return KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        who.id,
        by=who.id,
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )


async def coordinator(rt: Runtime) -> tuple[Principal, Keypair]:
    """A coordinator with an operator key of their own (not the log key)."""
    who = Principal(PrincipalId(uuid.uuid4()), frozenset({Role.OPERATOR}))
    return who, await ensure_key(rt, who.id, Capacity.OPERATOR)


def request_of(rt: Runtime, who: Principal, by: Principal, new: Keypair) -> KeyEvent:
    return KeyEvent(
        uuid.uuid4(),
        KeyAction.REQUEST_RECOVERY,
        who.id,
        by=by.id,
        public_key=new.public_key,
        at=rt.clock(),
        wait=rt.settings.key_recovery_wait_seconds,
    )


def completion_of(rt: Runtime, who: Principal, request: KeyEvent) -> KeyEvent:
    return KeyEvent(
        uuid.uuid4(), KeyAction.COMPLETE_RECOVERY, who.id, request=request.id, at=rt.clock()
    )


async def notices(rt: Runtime, who: Principal) -> list[str]:
    async with rt.db.reading() as conn:
        return [n.kind for n in await read_notifications(conn, who.id, after=0, limit=100)]


async def findings_of(rt: Runtime) -> tuple[list[Finding], Verifier]:
    await log_usecase.sign_checkpoint(rt)
    lines = [line async for line in export_lines(rt)]
    verifier = Verifier(rt.log.verifier_key)
    for n, line in enumerate(lines, start=1):
        verifier.feed(n, line)
    return verifier.finish(len(lines) + 1), verifier


async def spend(rt: Runtime, who: Principal, key: Keypair, payer: object, payee: object) -> str:
    """An exchange signed by ``key``; its result code (``accepted`` when written)."""
    tx = salted(
        Transaction(
            uuid.uuid4(),  # type: ignore[arg-type]
            TransactionKind.EXCHANGE,
            (Posting(payer, TIME, -5), Posting(payee, TIME, 5)),  # type: ignore[arg-type]
            who.id,
            "",
        )
    )
    signed = SignedTransaction(tx, (key.sign_transaction(rt.log.origin, tx),))
    [outcome] = await record_transactions(rt, who, [signed], atomic=False)
    return "accepted" if outcome.accepted else str(outcome.body["code"])


async def test_a_member_registers_their_first_key_and_is_told(runtime: Runtime) -> None:
    """A first key, signed by itself and registered by the member from their own session,
    is accepted with no log key signature in its leaf (the member, who just did it, gets
    no notice of it); it verifies."""
    rt, alice, key = runtime, member(), keypair("alice")
    outcome = await send(rt, alice, registration(alice, key), key)
    assert outcome.accepted, outcome.body
    entry = await log_reads.entry_by_entity(rt.db, uuid.UUID(str(outcome.body["id"])))
    assert entry is not None
    leaf = json.loads(entry.leaf_input)
    assert [s["key_id"] for s in leaf["signatures"]] == [key.key_id]
    assert (leaf["payload"]["version"], leaf["payload"]["by"]) == (2, str(alice.id))
    assert await notices(rt, alice) == []
    findings, _ = await findings_of(rt)
    assert findings == []


async def test_the_operator_cannot_register_a_member_key(runtime: Runtime) -> None:
    """The operator's attempt is refused at the service's edge (``Forbidden``), and the
    same registration vouched by the log key and sent to the writer directly is refused
    by the fold (``key_custody``): nothing is written."""
    rt, alice, key = runtime, member(), keypair("alice-by-operator")
    event = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        alice.id,
        by=OPERATOR.id,
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )
    with pytest.raises(Forbidden):
        await send(rt, OPERATOR, event, key)
    size = await ledger_reads.tree_size(rt.db)
    write = vouched_write(rt, event, (key.sign_key_event(rt.log.origin, event),))
    [refused] = await rt.journal.submit([write], atomic=False, recorded_at=rt.clock())
    assert (refused.accepted, refused.body["code"]) == (False, "key_custody")
    assert await ledger_reads.tree_size(rt.db) == size


async def test_while_a_member_has_a_key_a_new_one_needs_it(runtime: Runtime) -> None:
    """A second key signed only by itself is refused; signed by the member's valid key
    too, it is added. The log key cannot revoke a member's key; once the member has revoked
    every key of theirs (only their keys can), a new key alone is a first key again."""
    rt, alice = runtime, member()
    first, second, third = keypair("a1"), keypair("a2"), keypair("a3")
    assert (await send(rt, alice, registration(alice, first), first)).accepted
    alone = await send(rt, alice, registration(alice, second), second)
    assert alone.body["code"] == "key_custody"
    added = await send(rt, alice, registration(alice, second), second, first)
    assert added.accepted, added.body
    by_log = KeyEvent(uuid.uuid4(), KeyAction.REVOKE, alice.id, key_id=first.key_id, by=alice.id)
    assert (await send(rt, alice, by_log)).body["code"] == "key_custody"
    for key in (first, second):
        revoke = KeyEvent(
            uuid.uuid4(), KeyAction.REVOKE, alice.id, key_id=key.key_id, reason="retired"
        )
        assert (await send(rt, alice, revoke, key)).accepted
    again = await send(rt, alice, registration(alice, third), third)
    assert again.accepted, again.body
    told = ["key_registered", "key_revoked", "key_revoked"]
    assert await notices(rt, alice) == told
    findings, _ = await findings_of(rt)
    assert findings == []


async def test_a_custodian_for_a_member_with_a_key_needs_that_key(runtime: Runtime) -> None:
    """The operator cannot appoint itself, or anyone, custodian of a member who holds a key
    (a custodian signs for them as if with it): refused at the fold, also when vouched by
    the log key and sent to the writer directly; with the member's key it is appointed. A
    member who never had a key is appointed one by the service alone."""
    rt, alice, bob = runtime, member(), member()
    key = keypair("alice-custodian")
    assert (await send(rt, alice, registration(alice, key), key)).accepted

    def appointment(who: Principal) -> KeyEvent:
        return KeyEvent(
            uuid.uuid4(),
            KeyAction.APPOINT_CUSTODIAN,
            who.id,
            by=OPERATOR.id,
            custodian=OPERATOR.id,
        )

    size = await ledger_reads.tree_size(rt.db)
    event = appointment(alice)
    [refused] = await rt.journal.submit(
        [vouched_write(rt, event)], atomic=False, recorded_at=rt.clock()
    )
    assert (refused.accepted, refused.body["code"]) == (False, "key_custody")
    assert await ledger_reads.tree_size(rt.db) == size
    consented = await rt.journal.submit(
        [vouched_write(rt, event, (key.sign_key_event(rt.log.origin, event),))],
        atomic=False,
        recorded_at=rt.clock(),
    )
    assert consented[0].accepted, consented[0].body
    [deviceless] = await rt.journal.submit(
        [vouched_write(rt, appointment(bob))], atomic=False, recorded_at=rt.clock()
    )
    assert deviceless.accepted, deviceless.body
    findings, _ = await findings_of(rt)
    assert findings == []


async def test_a_recovery_takes_effect_only_after_the_wait(runtime: Runtime) -> None:
    """A coordinator's signed request, completed before its wait ends, is
    ``recovery_not_due``; at the end of the wait it registers the new key and revokes the
    lost one. The member is told at each step and the verifier counts the recovery."""
    rt = runtime
    rt.clock = lambda: NOW
    alice, bob = member(), member()
    a = await open_member_account(rt, alice)
    b = await open_member_account(rt, bob)
    lost, new = keypair("lost"), keypair("new")
    assert (await send(rt, alice, registration(alice, lost), lost)).accepted
    coord, coord_key = await coordinator(rt)
    request = request_of(rt, alice, coord, new)
    asked = await send(rt, coord, request, coord_key)
    assert asked.accepted, asked.body
    early = await send(rt, alice, completion_of(rt, alice, request), new)
    assert (early.accepted, early.body["code"]) == (False, "recovery_not_due")
    rt.clock = lambda: NOW + timedelta(seconds=rt.settings.key_recovery_wait_seconds - 1)
    late = await send(rt, alice, completion_of(rt, alice, request), new)
    assert late.body["code"] == "recovery_not_due"
    rt.clock = lambda: NOW + timedelta(hours=72)
    unsigned = await send(rt, alice, completion_of(rt, alice, request))
    assert unsigned.body["code"] == "signature_required"
    with pytest.raises(Forbidden):
        await send(rt, coord, completion_of(rt, alice, request), new)
    done = await send(rt, alice, completion_of(rt, alice, request), new)
    assert done.accepted, done.body
    assert (done.body["key_id"], done.body["revoked_key_ids"]) == (new.key_id, [lost.key_id])
    assert await spend(rt, alice, lost, a, b) == "key_not_valid"
    assert await spend(rt, alice, new, a, b) == "accepted"
    assert await notices(rt, alice) == ["recovery_requested", "recovery_completed"]
    findings, verifier = await findings_of(rt)
    assert findings == []
    [recovery] = verifier.recoveries
    assert (recovery.status, recovery.wait) == (RecoveryStatus.COMPLETED, 72 * 3600)


async def test_a_valid_member_key_cancels_a_recovery(runtime: Runtime) -> None:
    """The member who still holds a device cancels the request with its key: the
    completion after the wait is then ``recovery_not_pending`` and the key stays valid."""
    rt = runtime
    rt.clock = lambda: NOW
    alice = member()
    kept, stranger = keypair("kept"), keypair("stranger")
    assert (await send(rt, alice, registration(alice, kept), kept)).accepted
    coord, coord_key = await coordinator(rt)
    request = request_of(rt, alice, coord, stranger)
    assert (await send(rt, coord, request, coord_key)).accepted
    cancel = KeyEvent(uuid.uuid4(), KeyAction.CANCEL_RECOVERY, alice.id, request=request.id)
    unsigned = await send(rt, alice, cancel)
    assert unsigned.body["code"] == "key_custody"
    assert (await send(rt, alice, cancel, kept)).accepted
    rt.clock = lambda: NOW + timedelta(hours=73)
    after = await send(rt, alice, completion_of(rt, alice, request), stranger)
    assert (after.accepted, after.body["code"]) == (False, "recovery_not_pending")
    [record] = await _keys(rt, alice)
    assert (record.key_id, record.revoked_at) == (kept.key_id, None)
    assert "recovery_cancelled" in await notices(rt, alice)
    findings, verifier = await findings_of(rt)
    assert findings == []
    assert [r.status for r in verifier.recoveries] == [RecoveryStatus.CANCELLED]


async def _keys(rt: Runtime, who: Principal) -> list[KeyRecord]:
    return await read_keys(rt, principal_id=who.id)


async def test_a_recovery_needs_a_coordinator_s_own_key(runtime: Runtime) -> None:
    """A request vouched only by the log key is ``key_custody``; a coordinator may not ask
    for less than the territory's wait, nor date the request away from now; a member
    does not ask for their own recovery."""
    rt = runtime
    rt.clock = lambda: NOW
    alice = member()
    old, new = keypair("old-c"), keypair("new-c")
    assert (await send(rt, alice, registration(alice, old), old)).accepted
    coord, coord_key = await coordinator(rt)
    request = request_of(rt, alice, coord, new)
    write = vouched_write(rt, request)
    [refused] = await rt.journal.submit([write], atomic=False, recorded_at=rt.clock())
    assert refused.body["code"] == "key_custody"
    short = KeyEvent(
        uuid.uuid4(),
        KeyAction.REQUEST_RECOVERY,
        alice.id,
        by=coord.id,
        public_key=new.public_key,
        at=NOW,
        wait=3600,
    )
    with pytest.raises(InvalidRequest):
        await send(rt, coord, short, coord_key)
    backdated = KeyEvent(
        uuid.uuid4(),
        KeyAction.REQUEST_RECOVERY,
        alice.id,
        by=coord.id,
        public_key=new.public_key,
        at=NOW - timedelta(hours=72),
        wait=72 * 3600,
    )
    with pytest.raises(InvalidRequest):
        await send(rt, coord, backdated, coord_key)
    with pytest.raises(Forbidden):
        await send(rt, alice, request_of(rt, alice, alice, new), new)


async def test_a_signed_revocation_reason_is_a_code_and_free_text_is_erasable(
    runtime: Runtime,
) -> None:
    """A revocation whose signed ``reason`` is free text is ``invalid_key_event`` (and
    nothing is written); the member's words go as a ``note`` to an erasable table, not
    into the leaf."""
    rt, alice, key = runtime, member(), keypair("reason")
    assert (await send(rt, alice, registration(alice, key), key)).accepted
    words = "I left my phone on the 14 bus near the station"
    free = KeyEvent(uuid.uuid4(), KeyAction.REVOKE, alice.id, key_id=key.key_id, reason=words)
    with pytest.raises(InvalidKeyEvent) as refused:
        await send(rt, alice, free, key)
    assert refused.value.field == "reason"
    coded = KeyEvent(uuid.uuid4(), KeyAction.REVOKE, alice.id, key_id=key.key_id, reason="lost")
    outcome = await submit_key_event(
        rt, alice, coded, [key.sign_key_event(rt.log.origin, coded)], note=words
    )
    assert outcome.accepted, outcome.body
    entry = await log_reads.entry_by_entity(rt.db, coded.id)
    assert entry is not None
    assert words not in entry.leaf_input.decode()
    async with rt.db.writing() as conn:
        assert await key_notes(conn, alice.id) == {coded.id: words}
        await erase_key_notes(conn, alice.id)
        assert await key_notes(conn, alice.id) == {}


async def test_an_operator_registered_member_key_in_the_database_is_a_finding(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A writer without the custody rule (patched out, as a tampered server would run)
    writes a second member key the operator registered; ``mutual verify`` reports it at
    its log index as ``key_custody``, and nothing before it."""
    rt, alice = runtime, member()
    own, forged = keypair("own"), keypair("forged")
    assert (await send(rt, alice, registration(alice, own), own)).accepted
    event = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        alice.id,
        by=OPERATOR.id,
        public_key=forged.public_key,
        capacity=Capacity.MEMBER,
    )
    write = vouched_write(rt, event, (forged.sign_key_event(rt.log.origin, event),))
    with monkeypatch.context() as patched:
        patched.setattr(key_custody, "check_member_registration", lambda *args: None)
        [written] = await rt.journal.submit([write], atomic=False, recorded_at=rt.clock())
    assert written.accepted, written.body
    index = int(str(written.body["log_index"]))
    findings, _ = await findings_of(rt)
    assert [(f.log_index, f.kind) for f in findings] == [(index, "key_custody")], findings
    lines = [line async for line in export_lines(rt)]
    export = tmp_path / "export.ndjson"
    export.write_text("".join(lines))
    run = CliRunner().invoke(
        cli, ["verify", str(export), "--log-key", format_verifier_key(rt.log.verifier_key)]
    )
    assert run.exit_code == 1
    assert run.output.startswith(f"log index {index} "), run.output


async def test_a_log_from_before_custody_verifies_and_may_not_return_to_it(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version-1 key events (a member key the log key vouched for, by the operator) verify
    as they did; once a version-2 key event is in the log, a version-1 one after it is a
    finding (``invalid_key_event``), so an operator cannot fall back on the old rule."""
    rt, alice, bob = runtime, member(), member()
    old_style = keypair("legacy"), keypair("legacy-after")

    def legacy(who: Principal, key: Keypair) -> KeyEvent:
        return KeyEvent(
            uuid.uuid4(),
            KeyAction.REGISTER,
            who.id,
            by=OPERATOR.id,
            public_key=key.public_key,
            capacity=Capacity.MEMBER,
            version=1,
        )

    async def write_legacy(who: Principal, key: Keypair) -> Outcome:
        event = legacy(who, key)
        write = vouched_write(rt, event, (key.sign_key_event(rt.log.origin, event),))
        with monkeypatch.context() as patched:
            patched.setattr(journal_io, "WRITES_LEGACY_KEY_EVENTS", True)
            [outcome] = await rt.journal.submit([write], atomic=False, recorded_at=rt.clock())
        return outcome

    assert (await write_legacy(alice, old_style[0])).accepted
    with pytest.raises(InvalidRequest):
        await send(rt, OPERATOR, legacy(bob, old_style[1]), old_style[1])
    findings, _ = await findings_of(rt)
    assert findings == []
    assert (await send(rt, bob, registration(bob, keypair("bob")), keypair("bob"))).accepted
    late = await write_legacy(member(), old_style[1])
    assert late.accepted, late.body
    findings, _ = await findings_of(rt)
    assert [(f.log_index, f.kind) for f in findings] == [
        (late.body["log_index"], "invalid_key_event")
    ]
