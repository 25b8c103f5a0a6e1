"""Tampering with an export: ``mutual verify`` names the first bad log index and the kind
of fault every time, and a forked log shows as a split view.

The ledger is built through the service (on each backend); the tampering and the
verification are pure.
"""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutual.core.notes import Checkpoint, Note, format_checkpoint_body, format_note, parse_note
from mutual.core.registry import KeyAction, KeyEvent
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.core.verify import Finding, PendingSignatures, Verifier, check_pending
from mutual.usecases import log as log_usecase
from mutual.usecases.export import export_lines
from mutual.usecases.keys import submit_key_event
from mutual.usecases.runtime import Runtime
from tests.conftest import OPERATOR, member, open_member_account, open_pool
from tests.wallet import ensure_key, record


async def build(rt: Runtime) -> list[str]:
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
    [o] = await record(rt, OPERATOR, [tx(a, c, 5)], atomic=False)
    assert o.accepted
    return [line async for line in export_lines(rt)]


def _run(verifier: Verifier, lines: list[str]) -> list[Finding]:
    for n, line in enumerate(lines, start=1):
        verifier.feed(n, line)
    return verifier.finish(len(lines) + 1)


def _first(findings: list[Finding]) -> tuple[int | None, set[str]]:
    index = first_index(findings)
    return index, {f.kind for f in findings if f.log_index == index}


def verify(rt: Runtime, lines: list[str]) -> list[Finding]:
    """The inline verifier's findings, after checking that deferring signature checks
    (as ``mutual verify --jobs`` does) finds the same first fault."""
    inline = _run(Verifier(rt.log.verifier_key), lines)
    pending: list[PendingSignatures] = []
    deferred = Verifier(rt.log.verifier_key, defer=pending.append)
    for n, line in enumerate(lines, start=1):
        deferred.feed(n, line)
    deferred.findings.extend(check_pending(pending))
    later = deferred.finish(len(lines) + 1)
    assert bool(later) == bool(inline)
    (index, kinds_inline), (index_later, kinds_later) = _first(inline), _first(later)
    assert index == index_later, (inline, later)
    assert kinds_inline <= kinds_later, (inline, later)
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
