"""One fold of the log: the journal's writer and the offline verifier both apply entries
through ``mutual.core.fold.apply_entry``, and nothing else in the service applies an
entry's rules on its own, so the two cannot disagree on what the ledger accepts."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "mutual"
# The rules an entry is applied with; only the fold (and the modules defining them)
# may call them.
RULES = {
    "apply_transaction",
    "apply_key_event",
    "apply_key_effect",
    "apply_bounds_change",
    "check_kind",
    "check_reserved_id",
    "check_sequence",
}
OWNERS = {
    "core/fold.py",
    "core/ledger.py",
    "core/registry.py",
    "core/bounds.py",
    "core/kinds.py",
    "core/rounds.py",
}


def _calls(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def _imports_fold_apply(path: Path) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "mutual.core.fold"
        and any(alias.name == "apply_entry" for alias in node.names)
        for node in ast.walk(ast.parse(path.read_text()))
    )


def test_the_writer_and_the_verifier_call_the_one_fold() -> None:
    """Both the journal's state and the verifier import and call ``core.fold.apply_entry``."""
    for module in ("store/journal_state.py", "core/verify.py"):
        path = SRC / module
        assert _imports_fold_apply(path), module
        assert "apply_entry" in _calls(path), module


def test_no_other_module_applies_an_entry_s_rules() -> None:
    """Outside the fold and the modules that define them, no code calls the rules an
    entry is applied with: there is one dispatcher."""
    offenders = {
        (str(path.relative_to(SRC)), name)
        for path in SRC.rglob("*.py")
        if str(path.relative_to(SRC)) not in OWNERS
        for name in _calls(path) & RULES
    }
    assert offenders == set()
