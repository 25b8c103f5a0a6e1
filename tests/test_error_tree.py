"""The error tree drawn in ``core/errors.py``'s docstring is the whole hierarchy of
``mutual.core``: every ``LedgerError`` with its code, its parent and its module."""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass

import mutual.core
from mutual.core import errors
from mutual.core.errors import LedgerError

# A tree line: its indent and branch (five columns a level), the class, its code and, when
# the class is defined outside ``core.errors``, its module. Prose lines are not indented.
_LINE = re.compile(
    r"^(?P<lead>    [ │]*)(?:[├└]── )?(?P<name>[A-Z]\w+) +(?P<code>[a-z_]+)"
    r"(?: +(?P<module>core\.\w+))?$"
)


@dataclass(frozen=True, slots=True)
class Drawn:
    code: str
    parent: str | None
    module: str


def drawn_tree() -> dict[str, Drawn]:
    """Each class the docstring draws: its code, the class it hangs from and its module
    (named on its line, or else its previous sibling's, or else its parent's)."""
    assert errors.__doc__ is not None
    drawn: dict[str, Drawn] = {}
    path: list[str] = []  # the classes above the current line, one per level
    last_child: dict[str | None, str] = {}
    for line in errors.__doc__.splitlines():
        found = _LINE.match(line)
        if found is None:
            continue
        del path[len(found["lead"]) // 5 :]
        parent = path[-1] if path else None
        before = last_child.get(parent, parent)
        module = found["module"] or (drawn[before].module if before else "core.errors")
        drawn[found["name"]] = Drawn(found["code"], parent, module)
        path.append(found["name"])
        last_child[parent] = found["name"]
    return drawn


def core_errors() -> dict[str, Drawn]:
    """Every ``LedgerError`` class defined in ``mutual.core``, after importing each module."""
    for info in pkgutil.iter_modules(mutual.core.__path__):
        importlib.import_module(f"mutual.core.{info.name}")
    found: dict[str, Drawn] = {"LedgerError": Drawn(LedgerError.code, None, "core.errors")}
    pending: list[type[LedgerError]] = [LedgerError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("mutual.core."):
                module = sub.__module__.removeprefix("mutual.")
                found[sub.__name__] = Drawn(sub.code, cls.__name__, module)
            pending.append(sub)
    return found


def test_docstring_draws_every_core_error_with_its_code_parent_and_module() -> None:
    """Each LedgerError subclass in mutual.core appears in the drawn tree under its
    parent, with its code and module, and the tree draws nothing that does not exist."""
    assert drawn_tree() == core_errors()


def test_tree_reader_sees_nesting() -> None:
    """The reader places a nested error under its parent and a module named on a line
    onto the siblings after it (so the first test compares real structure)."""
    tree = drawn_tree()
    assert tree["InvalidUnit"] == Drawn("invalid_unit", "InvalidTransaction", "core.errors")
    assert tree["RoundMoved"] == Drawn("round_moved", "RoundError", "core.round_state")
    assert tree["QuarterEnded"] == Drawn("quarter_ended", "PledgeError", "core.pledges")
