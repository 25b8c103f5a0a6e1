"""An export holding a transaction that breaks its kind's rule fails ``mutual verify`` at
that entry, with the kind's code: the verifier folds the log with the writer's fold.

The bad transactions are written by a writer without the kinds' rules (the check patched
out of the fold, as an older or tampered server would write them), on both databases;
everything else about them is in order (signed by the account's owner, balanced, within
bounds), so only the kind's rule can catch them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from mutual.cli.main import cli
from mutual.core import derived, kinds
from mutual.core.authority import Principal, Role
from mutual.core.ids import PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.notes import format_verifier_key
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import PLEDGE
from mutual.core.verify import Verifier
from mutual.store import ledger_reads
from mutual.usecases import log as log_usecase
from mutual.usecases import members, pledges, projects
from mutual.usecases.export import export_lines
from mutual.usecases.flows import sign_and_record_or_raise
from mutual.usecases.runtime import Runtime
from tests.conftest import OPERATOR
from tests.wallet import ensure_key, record

QUARTER = "2027-Q1"


async def _person(rt: Runtime, name: str) -> tuple[Principal, Keypair]:
    applied = await members.apply(rt, members.Profile(name, None, {}, []))
    await members.accept(rt, OPERATOR, applied.id)
    who = Principal(applied.id, frozenset({Role.MEMBER}))
    return who, await ensure_key(rt, who.id)


async def _pledge(rt: Runtime, who: Principal, key: Keypair, minutes: int) -> None:
    tx_id = uuid.uuid4()
    await sign_and_record_or_raise(
        lambda sigs: pledges.pledge_hours(
            rt,
            who,
            tx_id=tx_id,
            quarter=QUARTER,
            minutes=minutes,
            member_id=None,
            signatures=sigs,
        ),
        key,
    )


@pytest.mark.parametrize(
    "attack",
    ["delivery from a promise", "pledge into another's share"],
)
async def test_verify_names_the_entry_that_breaks_its_kind(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, attack: str
) -> None:
    """A raw delivery out of a member's promise, or a pledge into another member's held
    share, written without the rule, is reported at its log index as ``invalid_delivery``
    or ``invalid_pledge`` by the verifier and by ``mutual verify``; nothing before it is."""
    rt = runtime
    rt.clock = lambda: datetime(2027, 1, 10, tzinfo=UTC)
    alice, alice_key = await _person(rt, "Alice")
    bob, bob_key = await _person(rt, "Bob")
    project = await projects.create_project(
        rt,
        OPERATOR,
        None,
        projects.NewProject("Jardin", "youth", "thematic", "G", bob.id, False),
    )
    await _pledge(rt, alice, alice_key, 120)
    await _pledge(rt, bob, bob_key, 60)
    promise = derived.promise_account_id(alice.id, QUARTER)
    if attack == "delivery from a promise":
        target = derived.project_account_id(project.record.id, PLEDGE)
        kind, refs = TransactionKind.DELIVERY, {"quarter": QUARTER, "member": str(alice.id)}
        code = "invalid_delivery"
    else:
        target = derived.held_account_id(bob.id, QUARTER)
        kind, refs = TransactionKind.PLEDGE, {"quarter": QUARTER}
        code = "invalid_pledge"
    bad = Transaction(
        TransactionId(uuid.uuid4()),
        kind,
        (Posting(promise, PLEDGE, -30), Posting(target, PLEDGE, 30)),
        PrincipalId(alice.id),
        references=refs,
    )
    [refused] = await record(rt, alice, [bad], atomic=False)
    assert refused.body["code"] == code, refused.body
    with monkeypatch.context() as patched:
        patched.setattr(kinds, "check_kind", lambda tx, ctx: None)
        forged = Transaction(
            TransactionId(uuid.uuid4()), bad.kind, bad.postings, bad.initiator, references=refs
        )
        [written] = await record(rt, alice, [forged], atomic=False)
    assert written.accepted, written.body
    index = await ledger_reads.tree_size(rt.db) - 1
    await log_usecase.sign_checkpoint(rt)
    lines = [line async for line in export_lines(rt)]

    verifier = Verifier(rt.log.verifier_key)
    for n, line in enumerate(lines, start=1):
        verifier.feed(n, line)
    findings = verifier.finish(len(lines) + 1)
    # The entry is the one finding with an index; the balances the server holds after
    # it then differ from the recomputed ones, which is the consequence, not another fault.
    assert [(f.log_index, f.kind) for f in findings if f.log_index is not None] == [
        (index, code)
    ], findings
    assert {f.kind for f in findings if f.log_index is None} == {"balance_mismatch"}

    export = tmp_path / "export.ndjson"
    export.write_text("".join(lines))
    run = CliRunner().invoke(
        cli, ["verify", str(export), "--log-key", format_verifier_key(rt.log.verifier_key)]
    )
    assert run.exit_code == 1
    assert run.output.startswith(f"log index {index} "), run.output
    assert code in run.output.splitlines()[0]
