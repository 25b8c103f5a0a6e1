#!/usr/bin/env python3
"""Bootstrap for a fresh clone, using nothing but Python 3.11+.

    python3 dev.py demo   # start the service on SQLite with the demo territory loaded
    python3 dev.py test   # run the whole test suite (lint, types, tests)

Both create ``.venv`` and install the project into it on first use, and again
whenever ``pyproject.toml`` changes.
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
STAMP = VENV / ".mutual-installed"


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"mutual needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing mutual and its test tools into .venv ...", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[test]")
    STAMP.write_text(wanted)


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    extra = sys.argv[2:]
    if command not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_environment()
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
