"""Write a valid export of N signed transactions without a database, for the verifier
benchmark: the same entry bytes the service writes, from the pure core.

    .venv/bin/python -m load_tests.make_export --transactions 1000000 --output /tmp/1m.ndjson

Writes FILE and FILE.vkey (the log's verifier key). Members register their own keys
(signed by the new key, countersigned by the log key), open TIME accounts (-20 h / +40 h),
then exchange and give to the commons pool; amounts keep every balance within its
bounds; checkpoints every K entries and one at the end; balance lines and the end line
as ``mutual export`` writes them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
import uuid
from pathlib import Path
from typing import Any

from mutual.core.accounts import OwnerKind, open_account
from mutual.core.derived import named_client_id
from mutual.core.entries import EntryType, account_payload, signed_log_entry
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.merkle import CompactRange
from mutual.core.notes import (
    Checkpoint,
    Note,
    format_checkpoint_body,
    format_note,
    format_verifier_key,
    sign_note,
    signer_key_from_seed,
    verifier_key_of,
)
from mutual.core.registry import Capacity, KeyAction, KeyEvent, key_event_payload
from mutual.core.signing import Domain, Signature, canonical
from mutual.core.transactions import Posting, Transaction, TransactionKind, transaction_payload
from mutual.core.units import TIME
from mutual.core.verify import EXPORT_FORMAT

ORIGIN = "bench.mutual.example/ledger"
NS = uuid.UUID("0b6b6b6b-0000-4000-8000-000000000000")


def _id(name: str) -> uuid.UUID:
    return named_client_id(f"{NS}/{name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--checkpoint-every", type=int, default=100_000)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    log_seed = hashlib.sha256(b"bench log key").digest()
    signer = signer_key_from_seed(ORIGIN, log_seed)
    args.output.with_suffix(args.output.suffix + ".vkey").write_text(
        format_verifier_key(verifier_key_of(signer)) + "\n"
    )
    tree = CompactRange()
    entries = 0
    checkpoints = 0
    out = args.output.open("w", encoding="utf-8")

    def line(doc: dict[str, Any]) -> None:
        out.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")

    def checkpoint() -> None:
        nonlocal checkpoints
        body = format_checkpoint_body(Checkpoint(ORIGIN, tree.size, tree.root()))
        line({"type": "checkpoint", "note": format_note(Note(body, (sign_note(body, signer),)))})
        checkpoints += 1

    def append(
        entry_type: EntryType,
        payload: dict[str, Any],
        sigs: tuple[Signature, ...],
        recorded: dict[str, Any] | None = None,
    ) -> None:
        nonlocal entries
        leaf = signed_log_entry(entry_type, canonical(payload), sigs)
        tree.append(leaf.leaf_hash)
        doc: dict[str, Any] = {
            "type": "entry",
            "index": entries,
            # As `mutual export` writes it: the leaf input read back, so in its
            # canonical form (members sorted), byte for byte.
            "entry": json.loads(leaf.leaf_input),
        }
        if recorded is not None:
            doc["recorded"] = recorded
        line(doc)
        entries += 1
        if entries % args.checkpoint_every == 0:
            checkpoint()

    def log_signed(domain: Domain, payload: dict[str, Any]) -> Signature:
        return Keypair(log_seed).sign_payload(domain, payload)

    members = args.members
    total = 2 * members + 1 + args.transactions
    line(
        {
            "type": "header",
            "format": EXPORT_FORMAT,
            "origin": ORIGIN,
            "tree_size": total,
            "log_key": format_verifier_key(verifier_key_of(signer)),
        }
    )
    operator = PrincipalId(_id("operator"))
    keys = [Keypair(hashlib.sha256(f"member {i}".encode()).digest()) for i in range(members)]
    principals = [PrincipalId(_id(f"member/{i}")) for i in range(members)]
    accounts = [AccountId(_id(f"account/{i}")) for i in range(members)]
    for i in range(members):
        event = KeyEvent(
            _id(f"key/{i}"),
            KeyAction.REGISTER,
            principals[i],
            # A member's first key is theirs to register (key custody, version 2).
            by=principals[i],
            public_key=keys[i].public_key,
            capacity=Capacity.MEMBER,
        )
        payload = key_event_payload(ORIGIN, event)
        append(
            EntryType.KEY_EVENT,
            payload,
            (keys[i].sign_key_event(ORIGIN, event), log_signed(Domain.KEY_EVENT, payload)),
        )
    balances: dict[AccountId, int] = {}
    versions: dict[AccountId, int] = {}
    for i in range(members):
        account = open_account(accounts[i], TIME, OwnerKind.MEMBER, str(principals[i]), -1200, 2400)
        payload = account_payload(ORIGIN, account)
        append(EntryType.ACCOUNT, payload, (log_signed(Domain.ACCOUNT, payload),))
    pool_account = open_account(
        AccountId(_id("pool")), TIME, OwnerKind.COMMONS_POOL, "commons", None, None
    )
    payload = account_payload(ORIGIN, pool_account)
    append(EntryType.ACCOUNT, payload, (log_signed(Domain.ACCOUNT, payload),))
    for a in [*accounts, pool_account.id]:
        balances[a], versions[a] = 0, 0
    rng = random.Random(2013)
    for n in range(args.transactions):
        gift = n % 10 == 9
        while True:  # a pair and an amount that keep both balances within bounds
            payer = rng.randrange(members)
            source = accounts[payer]
            other = accounts[(payer + 1 + rng.randrange(members - 1)) % members]
            target = pool_account.id if gift else other
            minutes = rng.randint(1, 5) if gift else rng.choice([15, 30, 45, 60, 90, 120])
            if balances[source] - minutes >= -1200 and (gift or balances[target] + minutes <= 2400):
                break
        memo = "Réparation de vélo"
        tx = Transaction(
            TransactionId(_id(f"tx/{n}")),
            TransactionKind.COMMONS_GIFT if gift else TransactionKind.EXCHANGE,
            (Posting(source, TIME, -minutes), Posting(target, TIME, minutes)),
            operator,
            memo,
            memo_salt=hashlib.sha256(f"salt {n}".encode()).digest()[:16],
        )
        sig = keys[payer].sign_transaction(ORIGIN, tx)
        after = []
        for p in tx.postings:
            balances[p.account_id] += p.amount
            versions[p.account_id] += 1
            after.append(balances[p.account_id])
        append(
            EntryType.TRANSACTION,
            transaction_payload(ORIGIN, tx),
            (sig,),
            {"balances_after": after},
        )
    if entries % args.checkpoint_every:
        checkpoint()
    for account_id in sorted(balances):
        line(
            {
                "type": "balance",
                "account_id": str(account_id),
                "balance": balances[account_id],
                "version": versions[account_id],
            }
        )
    line({"type": "end", "entries": entries, "checkpoints": checkpoints, "balances": len(balances)})
    out.close()
    print(
        f"{entries} entries ({args.transactions} transactions) in "
        f"{time.perf_counter() - started:.0f} s: {args.output} "
        f"({args.output.stat().st_size / 1e6:.0f} MB)"
    )


if __name__ == "__main__":
    main()
