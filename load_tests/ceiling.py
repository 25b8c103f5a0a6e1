"""The framework's own ceilings for ``bench_http``, served by uvicorn exactly as ``mutual
serve`` serves (same options, same process count), at the ledger's path:

- the empty route parses the JSON body it is sent and answers 201 with a small JSON
  document: what the framework and server alone reach;
- with ``MUTUAL_CEILING_KEYS`` set (a JSON file: the log's origin and every member's
  public key by key id), the route also makes the one check no design of the ledger can
  skip or share between requests: the transaction's canonical payload, its Ed25519
  signature verified on a thread pool as the service does (``usecases.transactions``),
  and the payload's SHA-256. No database, no fold, no log: what any ledger on this
  framework could reach at most, on this machine, that minute.

What the ledger's signed write reaches is reported as a ratio of each, measured in the
same run with the same client, connections and bodies, so that the machine's speed of
the day cancels out.

    .venv/bin/python -m load_tests.ceiling --port P [--workers N] [--keys FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import uvicorn
from litestar import Litestar, Request, get, post

from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.signing import Domain, KeyId, canonical, check_signatures, parse_signature
from mutual.core.transactions import Posting, Transaction, TransactionKind, transaction_payload
from mutual.core.units import Unit

KEYS_VARIABLE = "MUTUAL_CEILING_KEYS"
NOBODY = PrincipalId(uuid.UUID(int=0))


@post("/api/v1/transactions", status_code=201)
async def record(request: Request[Any, Any, Any]) -> dict[str, Any]:
    body = await request.json()
    # Touch the parsed document, so that nothing lazy skips the parse.
    return {"id": body.get("id"), "status": "committed"}


class _Checks:
    """The signature check of ``usecases.transactions.prepare``, against known keys."""

    def __init__(self, path: Path) -> None:
        document = json.loads(path.read_text())
        self.origin: str = document["origin"]
        self.keys = {KeyId(k): bytes.fromhex(v) for k, v in document["keys"].items()}
        # The service's own pool size (usecases.runtime.Runtime.verifiers).
        self.verifiers = ThreadPoolExecutor(2, thread_name_prefix="ceiling-verify")

    async def check(self, body: dict[str, Any]) -> None:
        tx = Transaction(
            TransactionId(uuid.UUID(body["id"])),
            TransactionKind(body["kind"]),
            tuple(
                Posting(AccountId(uuid.UUID(p["account_id"])), Unit(p["unit"]), p["amount"])
                for p in body["postings"]
            ),
            NOBODY,
        )
        signatures = tuple(
            parse_signature(s, field=f"signatures[{i}]") for i, s in enumerate(body["signatures"])
        )
        message = Domain.TRANSACTION.value + canonical(transaction_payload(self.origin, tx))
        await asyncio.get_running_loop().run_in_executor(
            self.verifiers, check_signatures, message, signatures, self.keys
        )
        hashlib.sha256(message).digest()


def _checked_route(checks: _Checks) -> Any:
    @post("/api/v1/transactions", status_code=201)
    async def record_checked(request: Request[Any, Any, Any]) -> dict[str, Any]:
        body = await request.json()
        await checks.check(body)
        return {"id": body["id"], "status": "committed"}

    return record_checked


@get("/api/v1/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/api/v1/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def app() -> Litestar:
    keys = os.environ.get(KEYS_VARIABLE)
    route = record if keys is None else _checked_route(_Checks(Path(keys)))
    return Litestar([route, live, health], debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keys", type=Path, help="check signatures against these keys")
    args = parser.parse_args()
    if args.keys is not None:
        os.environ[KEYS_VARIABLE] = str(args.keys.resolve())
    # The options `mutual serve` gives uvicorn (cli/main.py), the app aside.
    uvicorn.run(
        "load_tests.ceiling:app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        log_config=None,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
