"""Offline verifier benchmark: entries and transactions verified per second, peak memory.

    .venv/bin/python -m load_tests.make_export --transactions 1000000 --output /tmp/1m.ndjson
    .venv/bin/python -m load_tests.bench_verify /tmp/1m.ndjson \\
        --log-key "$(cat /tmp/1m.ndjson.vkey)"

Runs the same ``Verifier`` as ``mutual verify``, in one process, and reports figures.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from mutual.cli.signature_pool import default_jobs
from mutual.cli.verify import run_verifier
from mutual.core.notes import parse_verifier_key
from mutual.core.verify import Verifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("export", type=Path)
    parser.add_argument("--log-key", required=True)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    verifier = Verifier(parse_verifier_key(args.log_key.strip()))
    started = time.perf_counter()
    with args.export.open("rb") as stream:
        findings = run_verifier(verifier, stream, jobs=args.jobs)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mb = args.export.stat().st_size / 1e6
    print(
        f"| {verifier.tree.size} | {verifier.transactions} | {size_mb:.0f} MB | {seconds:.0f} s "
        f"| {verifier.tree.size / seconds:.0f} | {verifier.transactions / seconds:.0f} "
        f"| {args.jobs} | {peak_mb:.0f} MB + {worker_mb:.0f} MB | {len(findings)} |"
    )


if __name__ == "__main__":
    main()
