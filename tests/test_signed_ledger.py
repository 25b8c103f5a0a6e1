"""The signed ledger on both backends: keys valid between their log indexes, custodial
signatures, replays, leaves and proofs, checkpoints and cosignatures, export and verify."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from mutual.core import merkle
from mutual.core.authority import Principal
from mutual.core.ids import PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.notes import (
    COSIGNATURE_V1,
    format_signature_line,
    open_checkpoint,
    parse_note,
    parse_verifier_key,
    sign_cosignature,
    signer_key_from_seed,
)
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.signing import Signature, b64decode
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.core.verify import Verifier
from mutual.store import log_reads
from mutual.usecases import log as log_usecase
from mutual.usecases.accounts import erase_memos
from mutual.usecases.export import export_lines
from mutual.usecases.keys import read_keys, submit_key_event
from mutual.usecases.runtime import Runtime, new_id
from mutual.usecases.transactions import SignedTransaction, record_transactions
from tests.conftest import OPERATOR, member, open_member_account, open_pool
from tests.ledger_checks import check_ledger
from tests.wallet import ensure_key, salted, sign


def exchange(payer: object, payee: object, minutes: int, memo: str = "") -> Transaction:
    return salted(
        Transaction(
            TransactionId(new_id()),
            TransactionKind.EXCHANGE,
            (Posting(payer, TIME, -minutes), Posting(payee, TIME, minutes)),  # type: ignore[arg-type]
            OPERATOR.id,
            memo,
        )
    )


async def export_and_verify(rt: Runtime) -> list[str]:
    lines = [line async for line in export_lines(rt)]
    verifier = Verifier(rt.log.verifier_key)
    for n, line in enumerate(lines, start=1):
        verifier.feed(n, line)
    return [str(f) for f in verifier.finish(len(lines) + 1)]


async def key_event(
    rt: Runtime, event: KeyEvent, *keys: Keypair, caller: Principal = OPERATOR
) -> dict[str, object]:
    outcome = await submit_key_event(
        rt, caller, event, [k.sign_key_event(rt.log.origin, event) for k in keys]
    )
    return {"accepted": outcome.accepted, **outcome.body}


async def test_a_key_signs_only_between_its_registration_and_its_revocation(
    runtime: Runtime,
) -> None:
    """Rotation ends the old key at the rotation's index; a revoked key signs nothing more."""
    alice, bob = member(), member()
    a = await open_member_account(runtime, alice)
    b = await open_member_account(runtime, bob)
    old = await ensure_key(runtime, alice.id)
    [first] = await record_transactions(
        runtime, alice, [await sign(runtime, exchange(a, b, 10), old)], atomic=False
    )
    assert first.accepted, first.body
    new = Keypair(hashlib.sha256(b"alice's new phone").digest())
    rotate = KeyEvent(
        uuid.uuid4(), KeyAction.ROTATE, alice.id, public_key=new.public_key, key_id=old.key_id
    )
    rotated = await key_event(runtime, rotate, old, new)
    assert rotated["accepted"], rotated
    [late] = await record_transactions(
        runtime, alice, [await sign(runtime, exchange(a, b, 10), old)], atomic=False
    )
    assert (late.accepted, late.body["code"]) == (False, "key_not_valid")
    assert f"revoked at {rotated['log_index']}" in late.body["detail"]
    [fresh] = await record_transactions(
        runtime, alice, [await sign(runtime, exchange(a, b, 10), new)], atomic=False
    )
    assert fresh.accepted, fresh.body
    revoke = KeyEvent(uuid.uuid4(), KeyAction.REVOKE, alice.id, key_id=new.key_id, reason="lost")
    assert (await key_event(runtime, revoke, new))["accepted"]
    [after] = await record_transactions(
        runtime, alice, [await sign(runtime, exchange(a, b, 10), new)], atomic=False
    )
    assert after.body["code"] == "key_not_valid"
    records = {r.key_id: r for r in await read_keys(runtime, principal_id=alice.id)}
    assert records[old.key_id].revoked_at == rotated["log_index"]
    assert records[new.key_id].registered_at == rotated["log_index"]
    assert records[new.key_id].revoked_at is not None
    await check_ledger(runtime.db)
    assert await export_and_verify(runtime) == []


async def test_registration_needs_the_new_key_and_is_made_once(runtime: Runtime) -> None:
    """A registration not signed by its own key is refused; so is a key registered twice."""
    carol, dan = member(), member()
    key = Keypair(hashlib.sha256(b"carol").digest())
    event = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        carol.id,
        by=carol.id,
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )
    refused = await key_event(runtime, event, caller=carol)
    assert refused["code"] == "signature_required"
    assert (await key_event(runtime, event, key, caller=carol))["accepted"]
    again = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        dan.id,
        by=dan.id,
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )
    assert (await key_event(runtime, again, key, caller=dan))["code"] == "key_already_registered"


async def test_custodial_signature_is_allowed_only_for_an_appointed_custodian(
    runtime: Runtime,
) -> None:
    """A trusted person signs for a resident without a device once appointed; the leaf
    marks the signature as custodial."""
    resident, helper, stranger = member(), member(), member()
    r = await open_member_account(runtime, resident)
    h = await open_member_account(runtime, helper)
    helper_key = await ensure_key(runtime, helper.id)
    stranger_key = await ensure_key(runtime, stranger.id)
    tx = exchange(r, h, 30)

    def on_behalf(key: Keypair, t: Transaction) -> SignedTransaction:
        return SignedTransaction(
            t, (key.sign_transaction(runtime.log.origin, t, on_behalf_of=resident.id),)
        )

    [before] = await record_transactions(runtime, helper, [on_behalf(helper_key, tx)], atomic=False)
    assert before.body["code"] == "not_custodian"
    appoint = KeyEvent(
        uuid.uuid4(), KeyAction.APPOINT_CUSTODIAN, resident.id, by=OPERATOR.id, custodian=helper.id
    )
    assert (await key_event(runtime, appoint))["accepted"]
    [accepted] = await record_transactions(
        runtime, helper, [on_behalf(helper_key, tx)], atomic=False
    )
    assert accepted.accepted, accepted.body
    entry = await log_reads.entry_by_entity(runtime.db, tx.id)
    assert entry is not None
    [signature] = json.loads(entry.leaf_input)["signatures"]
    assert signature["on_behalf_of"] == str(resident.id)
    [other] = await record_transactions(
        runtime, stranger, [on_behalf(stranger_key, exchange(r, h, 5))], atomic=False
    )
    assert other.body["code"] == "not_custodian"
    assert await export_and_verify(runtime) == []


async def test_a_signed_payload_is_applied_once(runtime: Runtime) -> None:
    """Replaying an accepted payload, even signed again by another valid key, answers its
    sender the first result, anyone else ``replay_not_yours``, and appends nothing."""
    alice, bob = member(), member()
    a = await open_member_account(runtime, alice)
    b = await open_member_account(runtime, bob)
    tx = exchange(a, b, 15, "Réparation de vélo")
    alice_key, bob_key = await ensure_key(runtime, alice.id), await ensure_key(runtime, bob.id)
    signed = await sign(runtime, tx, alice_key)
    [first] = await record_transactions(runtime, alice, [signed], atomic=False)
    size = await log_reads.read_tree_size(runtime.db)
    both = await sign(runtime, tx, alice_key, bob_key)
    for item in (signed, both):
        [again] = await record_transactions(runtime, alice, [item], atomic=False)
        assert (again.replayed, again.body) == (True, first.body)
        [other] = await record_transactions(runtime, bob, [item], atomic=False)
        assert (other.accepted, other.body["code"]) == (False, "replay_not_yours")
    assert await log_reads.read_tree_size(runtime.db) == size
    forged = SignedTransaction(tx, (Signature(alice_key.key_id, bytes(64)),))
    [bad] = await record_transactions(runtime, bob, [forged], atomic=False)
    assert (bad.replayed, bad.body["code"]) == (False, "invalid_signature")
    assert await log_reads.read_tree_size(runtime.db) == size


async def test_write_answers_carry_leaves_that_proofs_tie_to_checkpoints(runtime: Runtime) -> None:
    """Each answer's leaf hash is its entry's; inclusion and consistency proofs verify
    against the signed checkpoints; a witness cosignature is kept and served."""
    alice, bob = member(), member()
    a = await open_member_account(runtime, alice)
    b = await open_member_account(runtime, bob)
    first_cp = await log_usecase.sign_checkpoint(runtime)
    answers = []
    for minutes in (5, 10, 20):
        [outcome] = await record_transactions(
            runtime, alice, [await sign(runtime, exchange(a, b, minutes))], atomic=False
        )
        answers.append(outcome.body)
    second_cp = await log_usecase.sign_checkpoint(runtime)
    cp, _ = open_checkpoint(second_cp.note, runtime.log.origin, runtime.log.verifier_key)
    for body in answers:
        proof = await log_usecase.inclusion_proof(runtime, alice, uuid.UUID(body["id"]), cp.size)
        assert proof.entry_shown
        assert proof.entry.log_index == body["log_index"]
        leaf = merkle.leaf_hash(proof.entry.leaf_input)
        assert leaf == b64decode(body["leaf_hash"], field="leaf_hash")
        merkle.verify_inclusion(leaf, body["log_index"], cp.size, proof.proof, cp.root)
    consistency = await log_usecase.consistency_proof(runtime, first_cp.tree_size, cp.size)
    merkle.verify_consistency(first_cp.tree_size, cp.size, first_cp.root_hash, cp.root, consistency)
    # A witness (an auditor's key, registered) cosigns the second checkpoint.
    witness = Principal(PrincipalId(uuid.uuid4()), frozenset())
    await ensure_key(runtime, witness.id, Capacity.WITNESS)
    from tests.wallet import keypair_for

    seed = keypair_for(witness.id, Capacity.WITNESS).seed
    signer = signer_key_from_seed(f"witness-{str(witness.id)[:8]}", seed, COSIGNATURE_V1)
    signed_text = parse_note(second_cp.note).text
    line = format_signature_line(sign_cosignature(signed_text, 1_790_000_000, signer))
    served = await log_usecase.add_cosignature(runtime, cp.size, line)
    assert served.note_with_cosignatures().endswith(line)
    with pytest.raises(Exception, match="does not verify"):
        await log_usecase.add_cosignature(runtime, first_cp.tree_size, line)
    assert await export_and_verify(runtime) == []


async def test_erasing_a_members_memos_leaves_the_export_verifiable(runtime: Runtime) -> None:
    """GDPR erasure removes memos and salts; the export still verifies, memo-free."""
    alice, bob = member(), member()
    a = await open_member_account(runtime, alice)
    b = await open_member_account(runtime, bob)
    pool = await open_pool(runtime)
    for memo in ("Garde d'enfants", "Cours de couture"):
        [o] = await record_transactions(
            runtime, alice, [await sign(runtime, exchange(a, b, 25, memo))], atomic=False
        )
        assert o.accepted
    gift = salted(
        Transaction(
            TransactionId(new_id()),
            TransactionKind.COMMONS_GIFT,
            (Posting(b, TIME, -5), Posting(pool, TIME, 5)),
            bob.id,
            "merci",
        )
    )
    assert (await record_transactions(runtime, bob, [await sign(runtime, gift)], atomic=False))[
        0
    ].accepted
    assert await erase_memos(runtime, OPERATOR, str(alice.id)) == 2
    lines = [line async for line in export_lines(runtime)]
    assert not any("Garde" in line or "couture" in line for line in lines)
    assert await export_and_verify(runtime) == []


def test_the_log_key_is_published_in_verifier_key_form(runtime: Runtime) -> None:
    """The service's log key round-trips through the C2SP vkey text."""
    text = runtime.log.verifier_key_text()
    assert parse_verifier_key(text) == runtime.log.verifier_key
    assert text.startswith(runtime.log.origin + "+")
