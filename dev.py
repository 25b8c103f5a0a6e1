#!/usr/bin/env python3
"""Bootstrap for a fresh clone, using nothing but Python 3.11+.

    python3 dev.py demo   # start the service on SQLite with the demo territory loaded
    python3 dev.py test   # run the whole test suite (lint, types, tests)

Both create ``.venv`` on first use. ``demo`` installs only what the service needs;
``test`` adds the test tools. Each installs again whenever ``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
# One stamp per install: the service's runtime alone (all `demo` needs), and the test
# extra on top of it (for `test`). Each holds the pyproject.toml hash it was made from.
STAMPS = {"runtime": VENV / ".mutual-installed-runtime", "test": VENV / ".mutual-installed-test"}


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def ensure_environment(extra: str) -> None:
    """Install what ``extra`` ("runtime", or "test": the runtime and the test tools) needs,
    unless it was installed from this very pyproject.toml."""
    if sys.version_info < (3, 11):
        sys.exit(f"mutual needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = STAMPS[extra]
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = "." if extra == "runtime" else ".[test]"
    what = "mutual" if extra == "runtime" else "mutual and its test tools"
    print(f"installing {what} into .venv ...", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(wanted)
    if extra == "test":
        # The test extra includes the runtime: installed once, it serves `demo` too.
        STAMPS["runtime"].write_text(wanted)


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    extra = sys.argv[2:]
    if command not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_environment("runtime" if command == "demo" else "test")
    python = str(BIN / "python")
    if command == "demo":
        # Become the server, so that a signal to this process (Ctrl-C, a supervisor's
        # SIGTERM) reaches it and no server outlives its launcher.
        os.chdir(ROOT)
        os.execv(python, [python, "-m", "mutual", "serve", "--demo", *extra])
    for step in (
        [python, "-m", "ruff", "check", "."],
        [python, "-m", "ruff", "format", "--check", "."],
        [python, "-m", "mypy"],
    ):
        print("$", " ".join(step[1:]), flush=True)
        if subprocess.call(step, cwd=ROOT) != 0:
            return 1
    return subprocess.call([python, "-m", "pytest", *extra], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
