"""The benchmarks' own tools stay true to the ledger: the verifier benchmark's synthetic
export (``load_tests/make_export.py``) verifies with no finding under today's rules (it
fell behind key custody once, and the benchmark then timed 24,001 findings), and the
benchmark prints its ratio to the Ed25519 floor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mutual.core.verify import _exported_entry

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_the_verifier_benchmarks_export_verifies_and_the_ratio_is_printed(tmp_path: Path) -> None:
    export = tmp_path / "small.ndjson"
    _run(
        "-m",
        "load_tests.make_export",
        "--transactions",
        "300",
        "--members",
        "50",
        "--output",
        str(export),
    )
    key = Path(f"{export}.vkey").read_text().strip()
    # Entry lines as `mutual export` writes them, which the verifier reads by its
    # fast path.
    entry_lines = [line for line in export.read_bytes().splitlines() if b'"type":"entry"' in line]
    assert len(entry_lines) == 401
    assert all(_exported_entry(line) is not None for line in entry_lines)
    printed = _run("-m", "mutual", "verify", str(export), "--log-key", key, "--jobs", "1")
    assert "401 entries (300 transactions)" in printed
    assert printed.rstrip().endswith("verified")
    bench = _run("-m", "load_tests.bench_verify", str(export), "--log-key", key, "--jobs", "0")
    assert "× the single-core floor" in bench, bench
    # The table's last row: 300 transactions and no finding.
    row = [cell.strip() for cell in bench.strip().splitlines()[-1].strip("|").split("|")]
    assert (row[1], row[-1]) == ("300", "0"), bench
