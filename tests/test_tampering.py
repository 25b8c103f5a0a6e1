"""Tampering with an export: ``mutual verify`` names the first bad log index and the kind
of fault every time, and a forked log shows as a split view. Whoever holds the log key
and re-signs history is caught by the witnesses the auditor gives and by the checkpoint
the voters' manifest names.

The ledger is built through the service (on each backend); the tampering and the
verification are pure.
"""

from __future__ import annotations

import itertools
import json
import uuid
from base64 import b64encode
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutual.core import verify as core_verify
from mutual.core.authority import Principal
from mutual.core.entries import MemberChange, log_entry
from mutual.core.ids import PrincipalId
from mutual.core.merkle import root_of
from mutual.core.notes import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    Note,
    SignerKey,
    VerifierKey,
    format_checkpoint_body,
    format_note,
    format_signature_line,
    parse_checkpoint_body,
    parse_note,
    sign_cosignature,
    signer_key_from_seed,
    verifier_key,
    verifier_key_of,
)
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.round_documents import parse_manifest
from mutual.core.signing import Domain
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.core.verify import Finding, PendingSignatures, Verifier, check_pending
from mutual.usecases import log as log_usecase
from mutual.usecases import member_notices
from mutual.usecases.export import export_lines
from mutual.usecases.keys import submit_key_event
from mutual.usecases.runtime import Runtime
from tests.conftest import OPERATOR, member, open_member_account, open_pool
from tests.test_api import Api
from tests.test_projects import api
from tests.test_round_cli import voted_round
from tests.test_rounds import territory
from tests.test_timebank import verified_export
from tests.wallet import ensure_key, keypair_for, record

__all__ = ["api"]


async def build(rt: Runtime) -> list[str]:
    """A small ledger (``populate``), exported."""
    await populate(rt)
    return [line async for line in export_lines(rt)]


async def populate(rt: Runtime) -> None:
    """A small ledger: keys, accounts, exchanges, a checkpoint, a revocation, more."""
    alice, bob, carol = member(), member(), member()
    a, b, c = [await open_member_account(rt, m) for m in (alice, bob, carol)]
    pool = await open_pool(rt)

    def tx(payer: object, payee: object, minutes: int) -> Transaction:
        return Transaction(
            uuid.uuid4(),  # type: ignore[arg-type]
            TransactionKind.EXCHANGE,
            (Posting(payer, TIME, -minutes), Posting(payee, TIME, minutes)),  # type: ignore[arg-type]
            OPERATOR.id,
            "service rendu",
        )

    for payer, payee, minutes in ((a, b, 30), (b, c, 45), (c, a, 60), (a, pool, 15)):
        [o] = await record(rt, OPERATOR, [tx(payer, payee, minutes)], atomic=False)
        assert o.accepted, o.body
    await log_usecase.sign_checkpoint(rt)
    carol_key = await ensure_key(rt, carol.id)
    for payer, payee, minutes in ((c, b, 20), (b, a, 10)):
        [o] = await record(rt, OPERATOR, [tx(payer, payee, minutes)], atomic=False)
        assert o.accepted, o.body
    revoke = KeyEvent(uuid.uuid4(), KeyAction.REVOKE, carol.id, key_id=carol_key.key_id)
    outcome = await submit_key_event(
        rt, OPERATOR, revoke, [carol_key.sign_key_event(rt.log.origin, revoke)]
    )
    assert outcome.accepted
    # A member notice (signed by the log key, beside the fold's state) among the entries.
    await member_notices.tell(rt, alice.id, MemberChange.PROFILE_CHANGED)
    [o] = await record(rt, OPERATOR, [tx(a, c, 5)], atomic=False)
    assert o.accepted


def _run(verifier: Verifier, lines: list[str]) -> list[Finding]:
    for n, line in enumerate(lines, start=1):
        verifier.feed(n, line)
    return verifier.finish(len(lines) + 1)


def _first(findings: list[Finding]) -> tuple[int | None, set[str]]:
    index = first_index(findings)
    return index, {f.kind for f in findings if f.log_index == index}


def verify(
    rt: Runtime, lines: list[str], witnesses: tuple[VerifierKey, ...] = (), witnesses_min: int = 0
) -> list[Finding]:
    """The inline verifier's findings, after checking that deferring signature checks
    (as ``mutual verify --jobs`` does) finds the same first fault."""
    options: dict[str, Any] = {"witnesses": witnesses, "witnesses_min": witnesses_min}
    inline = _run(Verifier(rt.log.verifier_key, **options), lines)
    pending: list[PendingSignatures] = []
    deferred = Verifier(rt.log.verifier_key, defer=pending.append, **options)
    for n, line in enumerate(lines, start=1):
        deferred.feed(n, line)
    deferred.findings.extend(check_pending(pending))
    later = deferred.finish(len(lines) + 1)
    assert bool(later) == bool(inline)
    (index, kinds_inline), (index_later, kinds_later) = _first(inline), _first(later)
    assert index == index_later, (inline, later)
    assert kinds_inline <= kinds_later, (inline, later)
    # Lines exactly as the export writes them take a faster path: the general one
    # alone finds exactly the same.
    with patch.object(core_verify, "_exported_entry", lambda line: None):
        general = _run(Verifier(rt.log.verifier_key, **options), lines)
    assert general == inline
    return inline


def first_index(findings: list[Finding]) -> int | None:
    return min((f.log_index for f in findings if f.log_index is not None), default=None)


def kinds(findings: list[Finding]) -> set[str]:
    return {f.kind for f in findings}


def entry_index(line: str) -> int | None:
    doc = json.loads(line)
    return int(doc["index"]) if doc["type"] == "entry" else None


@pytest.fixture
async def export(runtime: Runtime) -> tuple[Runtime, list[str]]:
    lines = await build(runtime)
    assert verify(runtime, lines) == []
    return runtime, lines


async def test_flipping_any_byte_of_any_line_is_found(export: tuple[Runtime, list[str]]) -> None:
    """One byte changed anywhere: a finding, at that entry's index for an entry line."""
    rt, lines = export
    for n, line in enumerate(lines):
        for position in range(0, len(line) - 1, max(1, len(line) // 40)):
            flipped = line[:position] + chr(ord(line[position]) ^ 0x01) + line[position + 1 :]
            if flipped == line:
                continue
            findings = verify(rt, [*lines[:n], flipped, *lines[n + 1 :]])
            assert findings, (n, position)
            index = entry_index(line)
            if index is not None:
                assert first_index(findings) == index, (n, position, findings)


async def test_dropping_any_line_is_found(export: tuple[Runtime, list[str]]) -> None:
    """A missing line of any type is reported; a missing entry at its own index."""
    rt, lines = export
    for n, line in enumerate(lines):
        findings = verify(rt, lines[:n] + lines[n + 1 :])
        assert findings, n
        index = entry_index(line)
        if index is not None:
            assert first_index(findings) == index
            assert "missing_entry" in kinds(findings)


async def test_duplicating_any_line_is_found(export: tuple[Runtime, list[str]]) -> None:
    """A line given twice is reported; a repeated entry as a duplicate at its index."""
    rt, lines = export
    for n, line in enumerate(lines):
        findings = verify(rt, [*lines[: n + 1], line, *lines[n + 1 :]])
        assert findings, n
        index = entry_index(line)
        if index is not None:
            assert "duplicate_entry" in kinds(findings)
            assert first_index(findings) == index


async def test_swapping_two_entries_is_found(export: tuple[Runtime, list[str]]) -> None:
    """Two entries out of order: the first bad index is the earlier one."""
    rt, lines = export
    entries = [n for n, line in enumerate(lines) if entry_index(line) is not None]
    for n, m in itertools.pairwise(entries):
        if m != n + 1:
            continue
        swapped = list(lines)
        swapped[n], swapped[m] = swapped[m], swapped[n]
        findings = verify(rt, swapped)
        assert first_index(findings) == entry_index(lines[n])
        assert {"missing_entry", "out_of_order"} <= kinds(findings)


async def test_a_forged_balance_is_found(export: tuple[Runtime, list[str]]) -> None:
    """A balance the server claims, per posting or per account, is recomputed and compared."""
    rt, lines = export
    for n, line in enumerate(lines):
        doc = json.loads(line)
        if doc["type"] == "entry" and "recorded" in doc:
            doc["recorded"]["balances_after"][0] += 1
        elif doc["type"] == "balance":
            doc["balance"] += 60
        else:
            continue
        findings = verify(rt, [*lines[:n], json.dumps(doc) + "\n", *lines[n + 1 :]])
        assert kinds(findings) == {"balance_mismatch"}
        assert first_index(findings) == doc.get("index")


async def test_a_backdated_revocation_is_found(export: tuple[Runtime, list[str]]) -> None:
    """Moving a revocation before a transaction its key signed (renumbering the entries)
    makes that transaction's signature invalid at its index and breaks the signed roots."""
    rt, lines = export
    docs = [json.loads(line) for line in lines]
    entries = [d for d in docs if d["type"] == "entry"]
    revocation = next(
        i for i, d in enumerate(entries) if d["entry"]["payload"].get("action") == "revoke"
    )
    key_id = entries[revocation]["entry"]["payload"]["key_id"]
    signed_by_it = next(
        i
        for i, d in enumerate(entries)
        if d["entry"]["type"] == "transaction"
        and any(s["key_id"] == key_id for s in d["entry"]["signatures"])
    )
    moved = entries[revocation]
    reordered = (
        entries[:signed_by_it]
        + [moved]
        + [d for i, d in enumerate(entries[signed_by_it:], start=signed_by_it) if i != revocation]
    )
    for index, doc in enumerate(reordered):
        doc["index"] = index
    header = docs[0]
    rest = [d for d in docs if d["type"] in ("checkpoint", "balance", "end")]
    findings = verify(rt, [json.dumps(d) + "\n" for d in [header, *reordered, *rest]])
    assert first_index(findings) == signed_by_it + 1
    assert "key_not_valid" in kinds(findings)
    assert "split_view" in kinds(findings) or "checkpoint_misplaced" in kinds(findings)


async def test_a_checkpoint_from_a_forked_log_is_a_split_view(
    export: tuple[Runtime, list[str]],
) -> None:
    """A checkpoint the log key signed for another tree of the same size, swapped in or
    added, is reported as a split view at that size."""
    rt, lines = export
    n = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "checkpoint")
    original = parse_note(json.loads(lines[n])["note"])
    size = int(original.text.split("\n")[1])
    body = format_checkpoint_body(Checkpoint(rt.log.origin, size, bytes(32)))
    forked = json.dumps(
        {"type": "checkpoint", "note": format_note(Note(body, (rt.log.sign_note(body),)))}
    )
    for tampered in (
        [*lines[:n], forked + "\n", *lines[n + 1 :]],
        [*lines[: n + 1], forked + "\n", *lines[n + 1 :]],
    ):
        findings = verify(rt, tampered)
        assert "split_view" in kinds(findings)
        assert first_index(findings) == size - 1
    # The log key's signature over other text does not make this text a checkpoint.
    other = format_note(Note(original.text, (rt.log.sign_note("x\n"),)))
    findings = verify(
        rt, [*lines[:n], json.dumps({"type": "checkpoint", "note": other}) + "\n", *lines[n + 1 :]]
    )
    assert "bad_checkpoint" in kinds(findings)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=200), st.binary(max_size=200)), max_size=8))
def test_hostile_lines_give_findings_never_a_crash(garbage: list[str | bytes]) -> None:
    """The verifier reads anything: junk lines become findings, never an exception."""
    from mutual.core.notes import signer_key_from_seed, verifier_key_of

    verifier = Verifier(verifier_key_of(signer_key_from_seed("log.example", bytes(32))))
    for n, line in enumerate(garbage, start=1):
        verifier.feed(n, line)
    assert verifier.finish(len(garbage) + 1)


# --- what only whoever holds the log key can do ----------------------------------------

# The entries the log key alone signs, by type: what it can re-sign at will.
LOG_SIGNED = {
    "account": Domain.ACCOUNT,
    "bounds": Domain.BOUNDS,
    "round": Domain.ROUND,
    "group": Domain.GROUP,
    "member_notice": Domain.MEMBER_NOTICE,
    "pact": Domain.PACT,
}


def rewrite(rt: Runtime, lines: list[str], index: int, edit: Callable[[Any], None]) -> list[str]:
    """The export as whoever holds the log key can rewrite it: entry ``index``'s payload
    edited and re-signed by the log key, every checkpoint re-signed over the new tree,
    its cosignatures dropped (no one else's key is needed)."""
    docs = [json.loads(line) for line in lines]
    leaves: list[bytes] = []
    for doc in docs:
        if doc["type"] == "entry":
            entry = doc["entry"]
            if doc["index"] == index:
                edit(entry["payload"])
                signature = rt.log.sign_payload(LOG_SIGNED[entry["type"]], entry["payload"])
                entry["signatures"] = [signature.document()]
            leaves.append(log_entry(entry).leaf_hash)
        elif doc["type"] == "checkpoint":
            size = parse_checkpoint_body(parse_note(doc["note"]).text).size
            body = format_checkpoint_body(Checkpoint(rt.log.origin, size, root_of(leaves[:size])))
            doc["note"] = format_note(Note(body, (rt.log.sign_note(body),)))
    return [json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n" for d in docs]


def entry_of(lines: list[str], matches: Callable[[Any], bool]) -> tuple[int, Any]:
    """The log index and entry document of the first entry line ``matches``."""
    for line in lines:
        doc = json.loads(line)
        if doc["type"] == "entry" and matches(doc["entry"]):
            return int(doc["index"]), doc["entry"]
    raise AssertionError("no such entry")


async def new_witness(rt: Runtime) -> SignerKey:
    """A witness registered in the log (as tests/wallet.py registers one) and its
    cosignature/v1 signer."""
    principal = Principal(PrincipalId(uuid.uuid4()), frozenset())
    await ensure_key(rt, principal.id, Capacity.WITNESS)
    seed = keypair_for(principal.id, Capacity.WITNESS).seed
    return signer_key_from_seed(f"witness-{str(principal.id)[:8]}", seed, COSIGNATURE_V1)


async def cosigned_export(rt: Runtime, witness: SignerKey) -> list[str]:
    """The export, once the witness has cosigned the checkpoint of its size."""
    signed = await log_usecase.sign_checkpoint(rt)
    text = parse_note(signed.note).text
    line = sign_cosignature(text, int(rt.clock().timestamp()), witness)
    await log_usecase.add_cosignature(rt, signed.tree_size, format_signature_line(line))
    return [line async for line in export_lines(rt)]


async def witnessed(rt: Runtime) -> tuple[list[str], SignerKey]:
    """``populate``'s ledger, a registered witness, the export it cosigned."""
    await populate(rt)
    witness = await new_witness(rt)
    return await cosigned_export(rt, witness), witness


def loosened(payload: Any) -> None:
    """A member's overdraft limit widened after the fact: what a rewrite would hide."""
    payload["balance_min"] = -1_000_000


async def test_history_re_signed_under_the_log_key_is_caught_by_a_witness(
    runtime: Runtime,
) -> None:
    """An entry edited, every checkpoint re-signed by the log key, cosignatures dropped:
    it verifies under the log key alone, and is a finding once one trusted witness's
    cosignature is asked for (given in its 0x04 or 0x01 form)."""
    lines, witness = await witnessed(runtime)
    cosigner = verifier_key_of(witness)
    as_published = verifier_key(cosigner.name, cosigner.public_key, ED25519)
    for key in (cosigner, as_published):
        assert verify(runtime, lines, (key,), 1) == []
    index, _ = entry_of(lines, lambda e: e["payload"].get("balance_min") == -1200)
    tampered = rewrite(runtime, lines, index, loosened)
    assert verify(runtime, tampered) == []
    for key in (cosigner, as_published):
        findings = verify(runtime, tampered, (key,), 1)
        assert kinds(findings) == {"missing_cosignatures"}, findings
        assert first_index(findings) == 0
    # The witness's old cosignature kept on the re-signed last checkpoint does not verify.
    old = parse_note(json.loads(next(x for x in reversed(lines) if '"checkpoint"' in x))["note"])
    n = max(i for i, x in enumerate(tampered) if json.loads(x)["type"] == "checkpoint")
    note = json.loads(tampered[n])["note"] + format_signature_line(old.signatures[-1])
    kept = [*tampered[:n], json.dumps({"type": "checkpoint", "note": note}) + "\n"]
    findings = verify(runtime, kept + tampered[n + 1 :], (cosigner,), 1)
    assert kinds(findings) == {"bad_cosignature", "missing_cosignatures"}, findings


async def test_witnesses_min_counts_distinct_valid_cosignatures(runtime: Runtime) -> None:
    """Two witnesses given, one cosigned: enough for one, a finding for two; a witness
    given twice counts once; more than the witnesses given is refused."""
    lines, witness = await witnessed(runtime)
    other = await new_witness(runtime)
    keys = (verifier_key_of(witness), verifier_key_of(other))
    assert verify(runtime, lines, keys, 1) == []
    findings = verify(runtime, lines, keys, 2)
    assert kinds(findings) == {"missing_cosignatures"}
    verifier = Verifier(runtime.log.verifier_key, witnesses=keys, witnesses_min=1)
    assert _run(verifier, lines) == []
    assert (verifier.cosignatures_checked, verifier.witness_cosignatures) == (1, 1)
    with pytest.raises(ValueError, match="witnesses_min"):
        Verifier(runtime.log.verifier_key, witnesses=(keys[0], keys[0]), witnesses_min=2)


async def test_entries_after_the_last_cosigned_checkpoint_are_found(runtime: Runtime) -> None:
    """An entry written after the witness cosigned lies under no cosigned checkpoint (the
    export signs a new one of its own size): the finding names it."""
    _, witness = await witnessed(runtime)
    await open_member_account(runtime, member())
    lines = [line async for line in export_lines(runtime)]
    size = sum(json.loads(x)["type"] == "entry" for x in lines)
    findings = verify(runtime, lines, (verifier_key_of(witness),), 1)
    assert kinds(findings) == {"missing_cosignatures"}, findings
    assert first_index(findings) == size - 1


# --- lines that read two ways, and a bad signature's consequences -----------------------


async def test_a_field_named_twice_is_found(export: tuple[Runtime, list[str]]) -> None:
    """A name given twice in any object, at any depth (a posting's amount, a signature's
    key id, the header's format), is a finding at the line's index, though the values
    the verifier reads (the last ones) are signed and correct."""
    rt, lines = export
    n = next(i for i, line in enumerate(lines) if '"amount":-30,' in line)
    index = entry_index(lines[n])
    for tampered_line in (
        lines[n].replace('"amount":-30,', '"amount":-9000000,"amount":-30,', 1),
        lines[n].replace('"key_id":', '"key_id":"00","key_id":', 1),
    ):
        findings = verify(rt, [*lines[:n], tampered_line, *lines[n + 1 :]])
        assert [(f.log_index, f.kind) for f in findings] == [(index, "duplicate_field")], findings
    header = lines[0].replace('"format":', '"format":"mutual-export/v0","format":', 1)
    findings = verify(rt, [header, *lines[1:]])
    assert [(f.log_index, f.kind) for f in findings] == [(None, "duplicate_field")], findings


async def test_an_invalid_signature_hides_its_entrys_follow_on_findings(
    export: tuple[Runtime, list[str]],
) -> None:
    """An exchange's amounts changed (still balanced): its entry shows only the invalid
    signature, inline and with the checks deferred (where the fold went on and found the
    recorded balances wrong too)."""
    rt, lines = export
    n = next(i for i, line in enumerate(lines) if '"amount":-30,' in line)
    index = entry_index(lines[n])
    changed = (
        lines[n].replace('"amount":-30,', '"amount":-31,').replace('"amount":30,', '"amount":31,')
    )
    tampered = [*lines[:n], changed, *lines[n + 1 :]]
    inline = _run(Verifier(rt.log.verifier_key), tampered)
    pending: list[PendingSignatures] = []
    deferred = Verifier(rt.log.verifier_key, defer=pending.append)
    for number, line in enumerate(tampered, start=1):
        deferred.feed(number, line)
    assert any(f.log_index == index and f.kind == "balance_mismatch" for f in deferred.findings)
    deferred.findings.extend(check_pending(pending))
    for findings in (inline, deferred.finish(len(tampered) + 1)):
        at_entry = [f.kind for f in findings if f.log_index == index]
        assert at_entry == ["invalid_signature"], findings


# --- the checkpoint a round's manifest names --------------------------------------------


async def test_history_re_signed_before_a_rounds_snapshot_contradicts_its_manifest(
    api: Api,
) -> None:
    """A round's draft re-signed by the log key with every checkpoint re-signed: the tree
    is consistent with every signed root, but not with the checkpoint the manifest (and
    through it each voter's ballot) names; so is a manifest naming another root, or a
    tree that holds the snapshot itself."""
    assert api.runtime is not None
    rt = api.runtime
    t = await territory(api)
    await voted_round(api, t)
    lines = await verified_export(api)
    snapshot, entry = entry_of(lines, lambda e: e["payload"].get("kind") == "snapshot")
    manifest = entry["payload"]["body"]["manifest"]
    assert 0 < manifest["checkpoint"]["tree_size"] <= snapshot
    draft, _ = entry_of(lines, lambda e: e["payload"].get("kind") == "draft")
    assert draft < manifest["checkpoint"]["tree_size"]

    def relabelled(payload: Any) -> None:
        payload["body"]["label"] = "2027-Q1 (réécrit)"

    findings = verify(rt, rewrite(rt, lines, draft, relabelled))
    assert [(f.log_index, f.kind) for f in findings] == [
        (snapshot, "manifest_checkpoint_mismatch")
    ], findings

    def checkpoint_changed(**change: Any) -> Callable[[Any], None]:
        def edit(payload: Any) -> None:
            body = payload["body"]
            body["manifest"]["checkpoint"] |= change
            body["manifest_sha256"] = parse_manifest(body["manifest"]).sha256

        return edit

    # The ballots commit to the manifest's hash: they no longer match it either.
    for edit in (
        checkpoint_changed(root=b64encode(bytes(32)).decode()),
        checkpoint_changed(tree_size=snapshot + 1),
    ):
        findings = verify(rt, rewrite(rt, lines, snapshot, edit))
        assert first_index(findings) == snapshot, findings
        assert kinds(findings) == {"manifest_checkpoint_mismatch", "manifest_changed"}, findings


async def test_a_member_notice_is_the_log_keys_and_says_no_more(
    export: tuple[Runtime, list[str]],
) -> None:
    """A member notice's change edited is an invalid signature at its index; one carrying
    a field more (a name, say), even re-signed under the log key, is not an entry this log
    writes; and one signed by any other key is refused as the log key's."""
    rt, lines = export
    docs = [json.loads(line) for line in lines]
    [at] = [i for i, d in enumerate(docs) if d.get("entry", {}).get("type") == "member_notice"]
    index = docs[at]["index"]

    def with_notice(payload: dict[str, Any], resign: bool) -> list[Finding]:
        doc = json.loads(lines[at])
        doc["entry"]["payload"] = payload
        if resign:
            signature = rt.log.sign_payload(Domain.MEMBER_NOTICE, payload).document()
            doc["entry"]["signatures"] = [signature]
        return verify(rt, [*lines[:at], json.dumps(doc) + "\n", *lines[at + 1 :]])

    payload = docs[at]["entry"]["payload"]
    assert payload["change"] == "profile_changed"
    edited = with_notice({**payload, "change": "erased"}, resign=False)
    assert _first(edited) == (index, {"invalid_signature"})
    named = with_notice({**payload, "display_name": "Alice"}, resign=True)
    assert _first(named) == (index, {"bad_entry"})
    other = keypair_for(uuid.uuid4())
    doc = json.loads(lines[at])
    doc["entry"]["signatures"] = [other.sign_payload(Domain.MEMBER_NOTICE, payload).document()]
    forged = verify(rt, [*lines[:at], json.dumps(doc) + "\n", *lines[at + 1 :]])
    assert _first(forged) == (index, {"invalid_signature"})
