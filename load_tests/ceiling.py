"""The framework's own ceiling for ``bench_http``: an empty litestar POST route at the
ledger's path, served by uvicorn exactly as ``mutual serve`` serves (same options, same
process count), that parses the JSON body it is sent and answers 201 with a small JSON
document. What the ledger's signed write reaches is reported as a ratio of this, measured
in the same run with the same client, connections and bodies, so that the machine's speed
of the day cancels out.

    .venv/bin/python -m load_tests.ceiling --port P [--workers N]
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from litestar import Litestar, Request, get, post


@post("/api/v1/transactions", status_code=201)
async def record(request: Request[Any, Any, Any]) -> dict[str, Any]:
    body = await request.json()
    # Touch the parsed document, so that nothing lazy skips the parse.
    return {"id": body.get("id"), "status": "committed"}


@get("/api/v1/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/api/v1/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def app() -> Litestar:
    return Litestar([record, live, health], debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
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
