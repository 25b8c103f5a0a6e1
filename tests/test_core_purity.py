"""The core stays pure: no I/O libraries, no clock, no randomness."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "src" / "mutual" / "core"
# msgspec: a JSON decoder with no I/O, which the verifier's fast path reads export lines with.
ALLOWED_ROOTS = {"__future__", "mutual", "cryptography", "rfc8785", "msgspec"}
STDLIB_OK = {
    "collections",
    "heapq",
    "operator",
    "dataclasses",
    "enum",
    "hashlib",
    "re",
    "typing",
    "uuid",
    "abc",
    "base64",
    "binascii",
    "bisect",
    "itertools",
    "functools",
    "json",
    "math",
    # Pabulib files are CSV: parsed and written in memory (StringIO), never from a file.
    "csv",
    "io",
    # Exact proportions (tracing a fund contribution through grants): pure arithmetic.
    "fractions",
    # Times as values handed in (a proposal's expiry); reading the clock stays forbidden.
    "datetime",
    # An e-mail composed in memory (core/mail.py); connecting and sending are usecases'.
    "email",
}
FORBIDDEN_CALLS = {
    "now",
    "utcnow",
    "today",
    "time",
    "time_ns",
    "urandom",
    "uuid4",
    "uuid1",
    "uuid7",
}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_only_pure_modules() -> None:
    """Core modules import only pure standard modules, cryptography, rfc8785 and msgspec."""
    offenders = {
        path.name: sorted(_imports(ast.parse(path.read_text())) - ALLOWED_ROOTS - STDLIB_OK)
        for path in CORE.glob("*.py")
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_core_never_reads_the_clock_or_randomness() -> None:
    """No core module calls a clock or a random source: time and keys are arguments."""
    calls = {
        (path.name, node.func.attr)
        for path in CORE.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in FORBIDDEN_CALLS
    }
    assert calls == set()
