"""Offline verifier benchmark: entries and transactions verified per second, peak memory.

    .venv/bin/python -m load_tests.make_export --transactions 1000000 --output /tmp/1m.ndjson
    .venv/bin/python -m load_tests.bench_verify /tmp/1m.ndjson \\
        --log-key "$(cat /tmp/1m.ndjson.vkey)"

Runs the same ``Verifier`` as ``mutual verify``, in one process, and reports figures,
with, measured in the same run, how many Ed25519 signatures one core verifies per second
(the floor: every transaction carries at least one) and the verifier's transactions per
second as a ratio of it.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from load_tests.speed import speed_check
from mutual.cli.signature_pool import default_jobs
from mutual.cli.verify import run_verifier
from mutual.core.notes import parse_verifier_key
from mutual.core.verify import Verifier

SIGNED_BYTES = 400  # about a transaction's canonical signing payload


def ed25519_per_second(count: int = 20_000) -> float:
    """Signatures one core verifies per second, with ``cryptography`` as the verifier does."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    messages = [os.urandom(SIGNED_BYTES) for _ in range(count)]
    signed = [(m, key.sign(m)) for m in messages]
    started = time.perf_counter()
    for message, signature in signed:
        public.verify(signature, message)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("export", type=Path)
    parser.add_argument("--log-key", required=True)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    print(speed_check())
    floor_before = ed25519_per_second()
    verifier = Verifier(parse_verifier_key(args.log_key.strip()))
    started = time.perf_counter()
    with args.export.open("rb") as stream:
        findings = run_verifier(verifier, stream, jobs=args.jobs)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mb = args.export.stat().st_size / 1e6
    # Measured before and after the run, so that a change of the machine's speed during
    # it shows as two different floors.
    floor = (floor_before + ed25519_per_second()) / 2
    rate = verifier.transactions / seconds
    print(
        f"Ed25519 on one core: {floor_before:.0f} and {floor:.0f} (mean) verifications/s; "
        f"verifier: {rate:.0f} transactions/s = {rate / floor:.2f} × the single-core floor"
    )
    print(
        "| entries | transactions | size | time | entries/s | transactions/s | jobs "
        "| peak RSS (main + largest worker) | findings |"
    )
    print(
        f"| {verifier.tree.size} | {verifier.transactions} | {size_mb:.0f} MB | {seconds:.0f} s "
        f"| {verifier.tree.size / seconds:.0f} | {verifier.transactions / seconds:.0f} "
        f"| {args.jobs} | {peak_mb:.0f} MB + {worker_mb:.0f} MB | {len(findings)} |"
    )


if __name__ == "__main__":
    main()
