"""Hostile input for the offline readers: whatever the bytes, a finding or a typed error.

Valid inputs (an export built through the service, a round decided and executed, the
C2SP vectors, the real Pabulib files) are mutated by hypothesis: bytes flipped, inserted
or deleted, lines dropped, repeated or reordered, JSON values replaced by other types,
huge or deep ones, fields dropped or added, signatures and key ids forged, indexes moved,
checkpoints of the wrong size signed by the log key itself. The verifier must answer
with findings (each with its export line), never an exception, and a change that means
something must never verify clean. The parsers raise only their module's ValueError
subclass; the commands exit non-zero with one line and no traceback.

What counts as a change that means something: the export is a sequence of JSON values,
and every signed byte is recomputed from those values (RFC 8785), so whitespace between
tokens, a CR before the LF, another spelling of the same string or of the same number
(``60.0`` for ``60``) are not changes. Anything else, down to the order of the balance
lines or a field the verifier does not otherwise read, is.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import math
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutual.cli.main import cli
from mutual.cli.verify import run_verifier
from mutual.core import verify as core_verify
from mutual.core.notes import (
    CheckpointError,
    NoteError,
    NoteKeyError,
    VerifierKey,
    format_note,
    format_verifier_key,
    open_checkpoint,
    open_note,
    parse_checkpoint_body,
    parse_note,
    parse_signature_line,
    parse_verifier_key,
)
from mutual.core.notes import Note as SignedNote
from mutual.core.pabulib import PbFormatError, parse_pb, tally_input
from mutual.core.tally import Rule, TallyError, tally
from mutual.core.verify import Finding, Verifier
from mutual.settings import Settings
from mutual.usecases.log_key import LogSigner
from mutual.usecases.startup import open_runtime
from tests.conftest import Templates
from tests.test_api import open_api
from tests.test_pabulib import INSTANCES
from tests.test_round_cli import voted_round
from tests.test_rounds import START, execute, post, set_now, territory
from tests.test_tampering import build
from tests.test_timebank import verified_export

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT.parent / "shared" / "vectors"
CONTRACTS = ROOT / "contracts"
# Every finding kind the contracts name: a new kind must be documented to pass.
DOCUMENTED = set(
    re.findall(
        r"`([a-z][a-z0-9_]+)`",
        (CONTRACTS / "export.md").read_text() + (CONTRACTS / "problems.md").read_text(),
    )
)


@dataclass(frozen=True)
class Export:
    """A verified export, its log key, and notes the log key signed for the attacker."""

    key: VerifierKey
    lines: tuple[bytes, ...]
    # Validly signed checkpoint lines of sizes and roots other than the log's.
    forged_checkpoints: tuple[bytes, ...]
    round_label: str | None = None

    @property
    def data(self) -> bytes:
        return b"".join(self.lines)


def _forged_checkpoints(log: LogSigner, size: int) -> tuple[bytes, ...]:
    """Checkpoint lines the log key really signed, for trees that are not the export's:
    one entry too many, an empty tree, the largest size C2SP allows, a negative size and a
    size past it (text only: the parser must refuse them), an extension line."""
    zero = base64.b64encode(bytes(32)).decode()
    bodies = [
        f"{log.verifier_key.name}\n{n}\n{zero}\n"
        for n in (size + 1, size, 0, 2**64 - 1, -1, 2**64, 10**30)
    ]
    bodies.append(f"{log.verifier_key.name}\n{size}\n{zero}\nextension\n")
    bodies.append(f"another.example/log\n{size}\n{zero}\n")
    lines = []
    for body in bodies:
        note = format_note(SignedNote(body, (log.sign_note(body),)))
        lines.append(_line({"type": "checkpoint", "note": note}))
    return tuple(lines)


def _line(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _settings(templates: Templates, folder: Path) -> Settings:
    shutil.copy(templates.sqlite_file, folder / "mutual.sqlite3")
    return Settings(data_dir=folder)


@pytest.fixture(scope="module")
def ledger(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Export:
    """Keys, accounts, exchanges, two checkpoints and a revocation (tests/test_tampering)."""

    async def make() -> Export:
        settings_ = _settings(templates, tmp_path_factory.mktemp("ledger"))
        async with open_runtime(settings_, migrate=False) as rt:
            lines = await build(rt)
            size = sum('"type":"entry"' in line for line in lines)
            return Export(
                rt.log.verifier_key,
                tuple(line.encode() for line in lines),
                _forged_checkpoints(rt.log, size),
            )

    return asyncio.run(make())


@pytest.fixture(scope="module")
def round_ledger(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Export:
    """A round through consent, ballot and execution (as tests/test_round_cli)."""

    async def make() -> Export:
        settings_ = _settings(templates, tmp_path_factory.mktemp("round"))
        async with open_api(settings_) as api:
            t = await territory(api)
            rid = await voted_round(api, t)
            set_now(api, START + timedelta(days=16))
            await post(api, f"/rounds/{rid}/ballot/close", {}, t.facilitator)
            await execute(api, rid)
            exported = await verified_export(api)
            assert api.runtime is not None
            log = api.runtime.log
            size = sum('"type":"entry"' in line for line in exported)
            return Export(
                log.verifier_key,
                tuple(line.encode() for line in exported),
                _forged_checkpoints(log, size),
                round_label="2027-Q1",
            )

    return asyncio.run(make())


# --- the oracle ------------------------------------------------------------------------


def verify_bytes(key: VerifierKey, data: bytes) -> list[Finding]:
    """What ``mutual verify --jobs 0`` finds, read line by line from the bytes; the
    same as the general path alone (without the fast one for lines as exported)."""
    findings = run_verifier(Verifier(key), io.BytesIO(data), jobs=0)
    with patch.object(core_verify, "_exported_entry", lambda line: None):
        assert run_verifier(Verifier(key), io.BytesIO(data), jobs=0) == findings
    return findings


def documents(data: bytes) -> list[Any] | None:
    """The JSON values of the lines, or None when one is not UTF-8 JSON."""
    try:
        return [json.loads(line.decode("utf-8")) for line in io.BytesIO(data)]
    except (ValueError, RecursionError):
        return None


def same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (but ``true`` is not ``1``), objects unordered."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b and not (isinstance(a, float) and math.isnan(a))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def assert_found(export: Export, mutated: bytes) -> list[Finding]:
    """The verifier's property on one mutated export (see the module docstring)."""
    findings = verify_bytes(export.key, mutated)
    for finding in findings:
        assert finding.line >= 1, finding
        assert finding.kind in DOCUMENTED, finding
    after = documents(mutated)
    if after is None or not same(after, documents(export.data)):
        assert findings, mutated
    return findings


# --- mutations -------------------------------------------------------------------------

# Raw JSON text spliced in where a value was: what json.dumps cannot write.
RAW_VALUES = (
    b"[" * 10_000 + b"]" * 10_000,
    b'{"a":' * 5_000 + b"0" + b"}" * 5_000,
    b"[" * 900 + b"]" * 900,
    b'"\xff\xfe invalid UTF-8"',
    b'"\\ud800 lone surrogate"',
    b"NaN",
    b"-Infinity",
    b"1e400",
    b"-0",
    b"1" * 5_000,
    b"0.1e-400",
)
PLACEHOLDER = "\x00raw\x00"
VALUES: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            False,
            0,
            -1,
            1.5,
            10**30,
            -(10**30),
            2**53,
            2**64,
            "",
            "x" * 100_000,
            "\u2028\ufeff",
            [],
            {},
            [None] * 1000,
            {"type": "entry"},
        ]
    ),
    st.integers(),
    st.text(max_size=20),
    st.sampled_from(range(len(RAW_VALUES))).map(lambda i: (PLACEHOLDER, i)),
)


def _dump(doc: Any) -> bytes:
    """``doc`` as one JSON line, with any ``(PLACEHOLDER, i)`` replaced by raw text."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    out = text.encode("utf-8", "surrogatepass")
    marker = json.dumps(PLACEHOLDER).encode()
    for i, raw in enumerate(RAW_VALUES):
        out = out.replace(b"[" + marker + b"," + str(i).encode() + b"]", raw)
    return out + b"\n"


def _children(node: Any) -> list[tuple[Any, Any]]:
    if isinstance(node, dict):
        return [(node, k) for k in node]
    if isinstance(node, list):
        return [(node, i) for i in range(len(node))]
    return []


@st.composite
def json_mutation(draw: st.DrawFn, export: Export) -> bytes:
    """One line parsed, a value somewhere in it replaced, dropped, edited or added to."""
    lines = list(export.lines)
    n = draw(st.integers(0, len(lines) - 1))
    doc = json.loads(lines[n])
    parent, key = None, None
    node = doc
    for _ in range(draw(st.integers(0, 8))):
        children = _children(node)
        if not children:
            break
        parent, key = draw(st.sampled_from(children))
        node = parent[key]
    action = draw(st.sampled_from(["replace", "drop", "add", "edit"]))
    if parent is None or action == "add":
        target = node if isinstance(node, dict) else doc
        target[draw(st.sampled_from(["x", "type", "index", "recorded", "", "note"]))] = draw(VALUES)
    elif action == "drop":
        del parent[key]
    elif action == "edit" and isinstance(node, str) and node:
        i = draw(st.integers(0, len(node) - 1))
        parent[key] = node[:i] + draw(st.text(min_size=0, max_size=3)) + node[i + 1 :]
    elif action == "edit" and type(node) is int:
        parent[key] = node + draw(st.sampled_from([-1, 1, 2**53, -(2**53)]))
    else:
        parent[key] = draw(VALUES)
    lines[n] = _dump(doc)
    return b"".join(lines)


@st.composite
def byte_mutation(draw: st.DrawFn, export: Export) -> bytes:
    data = bytearray(export.data)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data[at:at] = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=8),
                    st.sampled_from([b"\r", b"\n", b"\xef\xbb\xbf", b" ", b"\x00", b"\\"]),
                )
            )
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        else:
            del data[at:]
            break
    return bytes(data)


@st.composite
def line_mutation(draw: st.DrawFn, export: Export) -> bytes:
    lines = list(export.lines)
    n = draw(st.integers(0, len(lines) - 1))
    m = draw(st.integers(0, len(lines) - 1))
    action = draw(
        st.sampled_from(["drop", "repeat", "swap", "move", "crlf", "bom", "blank", "forged"])
    )
    if action == "drop":
        del lines[n]
    elif action == "repeat":
        lines.insert(m, lines[n])
    elif action == "swap":
        lines[n], lines[m] = lines[m], lines[n]
    elif action == "move":
        lines.insert(m, lines.pop(n))
    elif action == "crlf":
        lines = [line.replace(b"\n", b"\r\n") for line in lines]
    elif action == "bom":
        lines[0] = b"\xef\xbb\xbf" + lines[0]
    elif action == "blank":
        lines.insert(m, draw(st.sampled_from([b"\n", b" \n", b"{}\n", b"[]\n", b"null\n"])))
    else:
        forged = draw(st.sampled_from(export.forged_checkpoints))
        if draw(st.booleans()):
            lines.insert(m, forged)
        else:
            lines[n] = forged
    return b"".join(lines)


def _entries(export: Export) -> list[int]:
    return [n for n, line in enumerate(export.lines) if b'"type":"entry"' in line]


@st.composite
def forgery(draw: st.DrawFn, export: Export) -> bytes:
    """Well-formed lies: a signature or key id that is not the signer's, an index moved,
    a tree size or count changed, another entry's signatures."""
    lines = list(export.lines)
    entries = _entries(export)
    n = draw(st.sampled_from(entries))
    doc = json.loads(lines[n])
    sigs = doc["entry"]["signatures"]
    others = [s for m in entries for s in json.loads(lines[m])["entry"]["signatures"]]
    action = draw(st.sampled_from(["signature", "key_id", "behalf", "swap", "index", "sizes"]))
    if action == "signature" and sigs:
        sig = draw(st.sampled_from(sigs))
        sig["signature"] = base64.b64encode(draw(st.binary(min_size=64, max_size=64))).decode()
    elif action == "key_id" and sigs:
        sig = draw(st.sampled_from(sigs))
        sig["key_id"] = draw(
            st.one_of(st.sampled_from(others).map(lambda s: s["key_id"]), st.just("0" * 64))
        )
    elif action == "behalf" and sigs:
        draw(st.sampled_from(sigs))["on_behalf_of"] = "00000000-0000-0000-0000-000000000001"
    elif action == "swap":
        doc["entry"]["signatures"] = [draw(st.sampled_from(others))]
    elif action == "index":
        doc["index"] = draw(
            st.one_of(st.integers(-3, len(entries) + 3), st.sampled_from([10**30, 2**63]))
        )
    else:
        header, end = json.loads(lines[0]), json.loads(lines[-1])
        header["tree_size"] = draw(st.integers(-2, len(entries) + 2))
        end[draw(st.sampled_from(["entries", "checkpoints", "balances"]))] += draw(
            st.sampled_from([-1, 1])
        )
        lines[0], lines[-1] = _dump(header), _dump(end)
    lines[n] = _dump(doc)
    return b"".join(lines)


def mutations(export: Export) -> st.SearchStrategy[bytes]:
    return st.one_of(
        json_mutation(export),
        byte_mutation(export),
        line_mutation(export),
        forgery(export),
    )


FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- the verifier ------------------------------------------------------------------------


def test_the_exports_verify_clean(ledger: Export, round_ledger: Export) -> None:
    """The starting points are valid: no finding, so every finding below is the mutation's."""
    assert verify_bytes(ledger.key, ledger.data) == []
    assert verify_bytes(round_ledger.key, round_ledger.data) == []


@FUZZ
@given(data=st.data())
def test_a_mutated_export_gives_findings_never_an_exception(
    ledger: Export, data: st.DataObject
) -> None:
    """Any mutation of an export: the verifier returns findings, each at a documented
    kind and a line, and verifies clean only when the JSON values did not change."""
    assert_found(ledger, data.draw(mutations(ledger)))


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_a_mutated_round_gives_findings_never_an_exception(
    round_ledger: Export, data: st.DataObject
) -> None:
    """The same for an export whose rounds, ballots and bounds the verifier refolds."""
    assert_found(round_ledger, data.draw(mutations(round_ledger)))


@settings(FUZZ, max_examples=100)
@given(
    noise=st.one_of(
        st.binary(max_size=2_000),
        st.lists(st.binary(max_size=80).filter(lambda b: b"\n" not in b), max_size=20).map(
            lambda ls: b"\n".join(ls)
        ),
        st.lists(st.sampled_from(RAW_VALUES[2:]), max_size=5).map(lambda ls: b"\n".join(ls)),
    )
)
def test_random_bytes_give_findings(ledger: Export, noise: bytes) -> None:
    """Bytes that were never an export: findings (at least a missing header)."""
    findings = verify_bytes(ledger.key, noise)
    assert findings
    assert {f.kind for f in findings} <= DOCUMENTED


@pytest.mark.parametrize(
    ("change", "kinds"),
    [
        # Before this change: 1e400 raised OverflowError; a size too small, or true,
        # verified clean.
        (lambda d: d | {"tree_size": 1e400}, {"malformed_line"}),
        (lambda d: d | {"tree_size": 10**30}, {"missing_entry"}),
        (lambda d: d | {"tree_size": 1}, {"count_mismatch"}),
        (lambda d: d | {"tree_size": True}, {"malformed_line"}),
    ],
)
def test_hostile_header_values(
    ledger: Export, change: Callable[[dict[str, Any]], dict[str, Any]], kinds: set[str]
) -> None:
    """A header's tree size of the wrong type, huge, or too small is a finding."""
    header = json.loads(ledger.lines[0].decode().replace("1e400", "0"))
    text = _dump(change(header)).replace(b"Infinity", b"1e400")
    found = assert_found(ledger, text + b"".join(ledger.lines[1:]))
    assert kinds <= {f.kind for f in found}, found


def _replace(export: Export, n: int, line: bytes) -> bytes:
    return b"".join([*export.lines[:n], line, *export.lines[n + 1 :]])


def test_an_index_far_ahead_is_two_numbers_not_a_loop(ledger: Export) -> None:
    """An entry claiming index 10**30 is a missing-entry finding, found at once."""
    n = _entries(ledger)[2]
    doc = json.loads(ledger.lines[n])
    doc["index"] = 10**30
    started = time.monotonic()
    found = assert_found(ledger, _replace(ledger, n, _dump(doc)))
    assert time.monotonic() - started < 5
    assert "missing_entry" in {f.kind for f in found}


@pytest.mark.parametrize(
    "value",
    [5, None, ["a"], "45717991-479E-532B-8851-F2FD2245D4DC", "{45717991-479e-532b-8851}"],
)
def test_a_balance_line_with_a_hostile_account_id(ledger: Export, value: object) -> None:
    """An account id of the wrong type or spelling is a malformed line, not a crash."""
    n = next(i for i, line in enumerate(ledger.lines) if b'"type":"balance"' in line)
    doc = json.loads(ledger.lines[n])
    doc["account_id"] = value
    found = assert_found(ledger, _replace(ledger, n, _dump(doc)))
    assert "malformed_line" in {f.kind for f in found}


def test_an_uppercase_account_id_is_not_the_same_line(ledger: Export) -> None:
    """Another spelling of an id the export writes in lowercase is a finding."""
    n = next(i for i, line in enumerate(ledger.lines) if b'"type":"balance"' in line)
    doc = json.loads(ledger.lines[n])
    doc["account_id"] = doc["account_id"].upper()
    assert assert_found(ledger, _replace(ledger, n, _dump(doc)))


def test_balance_lines_out_of_order_or_before_entries(ledger: Export) -> None:
    """The file's order is part of the format: balances sorted, after the entries."""
    balances = [i for i, line in enumerate(ledger.lines) if b'"type":"balance"' in line]
    lines = list(ledger.lines)
    lines[balances[0]], lines[balances[1]] = lines[balances[1]], lines[balances[0]]
    assert "out_of_order" in {f.kind for f in assert_found(ledger, b"".join(lines))}
    lines = list(ledger.lines)
    lines.insert(1, lines.pop(balances[0]))
    assert "out_of_order" in {f.kind for f in assert_found(ledger, b"".join(lines))}


def test_unknown_fields_and_stray_recorded_balances_are_findings(ledger: Export) -> None:
    """A field the format does not have, on any line, is reported."""
    for n, line in enumerate(ledger.lines):
        doc = json.loads(line)
        doc["x"] = 1
        assert "malformed_line" in {
            f.kind for f in assert_found(ledger, _replace(ledger, n, _dump(doc)))
        }
    n = next(i for i, line in enumerate(ledger.lines) if b'"type":"account"' in line)
    doc = json.loads(ledger.lines[n])
    doc["recorded"] = {"balances_after": []}
    assert assert_found(ledger, _replace(ledger, n, _dump(doc)))


@pytest.mark.parametrize("raw", RAW_VALUES)
def test_raw_hostile_values_in_an_entry(ledger: Export, raw: bytes) -> None:
    """Deep nesting, invalid UTF-8, NaN and huge numbers in an entry's payload."""
    n = _entries(ledger)[3]
    doc = json.loads(ledger.lines[n])
    doc["entry"]["payload"]["id"] = (PLACEHOLDER, RAW_VALUES.index(raw))
    found = assert_found(ledger, _replace(ledger, n, _dump(doc)))
    assert found


def test_whitespace_and_crlf_are_not_changes(ledger: Export) -> None:
    """Decided: whitespace between tokens and CRLF line ends leave the values, and the
    signed bytes, as they were; such an export verifies clean. A BOM does not."""
    spaced = b"".join(line.replace(b'":', b'" : ').replace(b"\n", b"\r\n") for line in ledger.lines)
    assert verify_bytes(ledger.key, spaced) == []
    assert verify_bytes(ledger.key, b"\xef\xbb\xbf" + ledger.data) != []


# --- mutual verify and mutual tally ------------------------------------------------------


def _no_traceback(output: str) -> None:
    assert "Traceback" not in output, output


@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_mutual_verify_exits_one_with_findings(
    ledger: Export, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """The command on a mutated export: exit 1 and findings, or exit 0 for a no-op."""
    mutated = data.draw(mutations(ledger))
    path = tmp_path_factory.mktemp("verify") / "export.ndjson"
    path.write_bytes(mutated)
    key = format_verifier_key(ledger.key)
    result = CliRunner().invoke(cli, ["verify", str(path), "--log-key", key, "--jobs", "0"])
    _no_traceback(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result
    assert result.exit_code in (0, 1)
    assert (result.exit_code == 0) == (verify_bytes(ledger.key, mutated) == [])


@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_mutual_tally_never_crashes(
    round_ledger: Export, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """The recount on a mutated export, with and without the log key: an answer or a
    one-line refusal, never a traceback."""
    mutated = data.draw(mutations(round_ledger))
    path = tmp_path_factory.mktemp("tally") / "export.ndjson"
    path.write_bytes(mutated)
    assert round_ledger.round_label is not None
    args = ["tally", str(path), "--round", round_ledger.round_label, "--jobs", "0"]
    if data.draw(st.booleans()):
        args += ["--log-key", format_verifier_key(round_ledger.key)]
    result = CliRunner().invoke(cli, args)
    _no_traceback(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result
    if result.exit_code == 0:
        assert verify_bytes(round_ledger.key, mutated) == []


def test_the_commands_answer_hostile_files_in_one_line(ledger: Export, tmp_path: Path) -> None:
    """Run as a process: a hostile export or .pb file ends with exit 1 or 2 and a
    message, never a Python traceback."""
    key = format_verifier_key(ledger.key)
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(b"[" * 100_000 + b"\n\xff\xfe\n" + ledger.data[:500])
    pb = tmp_path / "bad.pb"
    pb.write_bytes(b"META\n\xff\xfe;x\n")
    for args in (
        ["verify", str(bad), "--log-key", key],
        ["tally", str(bad), "--round", "x", "--jobs", "0"],
        ["tally", str(bad), "--round", "x", "--jobs", "0", "--log-key", key],
        ["tally-pb", str(pb)],
        ["verify", str(bad), "--log-key", "not a key"],
    ):
        out = subprocess.run(
            [sys.executable, "-m", "mutual", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        _no_traceback(out.stdout + out.stderr)
        assert out.returncode in (1, 2), (args, out)


# --- the checkpoint parser ---------------------------------------------------------------

NOTE_ERRORS = (NoteError, CheckpointError, NoteKeyError)


def _vector_notes() -> list[tuple[str, str]]:
    signed = json.loads((VECTORS / "checkpoint" / "checkpoints.json").read_text())["signed"]
    examples = json.loads((VECTORS / "c2sp-examples" / "examples.json").read_text())
    found = [(v["checkpoint"], v["log_vkey"]) for v in signed]
    note = examples["signed_note"]
    found.append((note["note"], note["vkey"]))
    cosigned = examples["cosignature_v1"]["checkpoint_with_cosignature"]
    found.append((cosigned, signed[0]["log_vkey"]))
    return found


NOTES = _vector_notes()


def _open_everything(text: str | bytes, vkey: str) -> None:
    """Every parser of notes, checkpoints and keys on the same input."""
    for step in (
        lambda: open_note(text, [parse_verifier_key(vkey)]),
        lambda: parse_note(text),
        lambda: open_checkpoint(text, "go.sum database tree", parse_verifier_key(vkey)),
        lambda: parse_checkpoint_body(text if isinstance(text, str) else text.decode()),
        lambda: parse_signature_line(text if isinstance(text, str) else text.decode()),
        lambda: parse_verifier_key(text if isinstance(text, str) else text.decode()),
    ):
        try:
            step()
        except NOTE_ERRORS:
            pass
        except UnicodeDecodeError:
            assert isinstance(text, bytes)  # the test's own decode, not the parser's


@st.composite
def mutated_note(draw: st.DrawFn) -> tuple[str | bytes, str]:
    text, vkey = draw(st.sampled_from(NOTES))
    data = bytearray(text.encode())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data[at:at] = draw(
                st.one_of(
                    st.binary(max_size=6),
                    st.sampled_from(
                        [b"\n", b"\n\n", "\u2014 ".encode(), b"9" * 5_000, b"-", b"=", b"\r"]
                    ),
                )
            )
        else:
            del data[at : at + draw(st.integers(1, 8))]
    raw = bytes(data)
    if draw(st.booleans()):
        return raw, vkey
    return raw.decode("utf-8", "replace"), vkey


@settings(FUZZ, max_examples=150)
@given(case=mutated_note())
def test_a_mutated_note_raises_only_note_errors(case: tuple[str | bytes, str]) -> None:
    """Checkpoints and notes from the public vectors, mutated: parsed, or refused with
    NoteError, CheckpointError or NoteKeyError, nothing else."""
    _open_everything(*case)


@settings(FUZZ, max_examples=100)
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_random_text_raises_only_note_errors(text: str | bytes) -> None:
    """Text that was never a note: only the module's own errors."""
    _open_everything(text, NOTES[0][1])


@pytest.mark.parametrize(
    "body",
    ["o\n" + "9" * 5_000 + "\nAAAA\n", "o\n-1\nAAAA\n", "o\n1\n" + "A" * 10_000 + "\n"],
)
def test_a_huge_or_negative_size_is_a_checkpoint_error(body: str) -> None:
    """Found by fuzzing: a 5,000-digit size raised the interpreter's ValueError."""
    with pytest.raises(CheckpointError):
        parse_checkpoint_body(body)


# --- the Pabulib reader ------------------------------------------------------------------

PB_TEXTS = [path.read_bytes() for path in INSTANCES]


def _tally_pb(data: bytes) -> None:
    # Plain Equal Shares: Add1 reruns it once per currency unit of share, seconds on the
    # real files themselves, which is the tally's cost and not the reader's to bound.
    try:
        pb = parse_pb(data)
        tally(tally_input(pb, Rule.MES)[0])
    except (PbFormatError, TallyError):
        pass


@st.composite
def mutated_pb(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(PB_TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "number"]))
        if action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data[at:at] = draw(
                st.one_of(
                    st.binary(max_size=6),
                    st.sampled_from(
                        [b";", b'"', b"\n", b"\r\n", b"\x00", b"META\n", b"VOTES\n", b",", b"-"]
                    ),
                )
            )
        elif action == "number":
            data[at:at] = draw(
                st.sampled_from([b"1e999999999", b"-5", b"0", b"1/0", b"nan", b"9" * 5_000, b"inf"])
            )
        else:
            del data[at : at + draw(st.integers(1, 40))]
    return bytes(data)


@settings(FUZZ, max_examples=150)
@given(data=mutated_pb())
def test_a_mutated_pb_file_raises_only_its_errors(data: bytes) -> None:
    """Real Pabulib files, mutated: tallied, or refused with PbFormatError or TallyError."""
    _tally_pb(data)


@settings(FUZZ, max_examples=150)
@given(data=st.binary(max_size=1_000))
def test_random_bytes_as_a_pb_file(data: bytes) -> None:
    """Bytes that were never a .pb file: only the reader's own errors."""
    _tally_pb(data)


@pytest.mark.parametrize(
    "text",
    [
        b"META\nkey;value\nbudget;1e999999999\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
        b"1;5\nVOTES\nvoter_id;vote\n",
        b"META\nkey;value\n" + b"x" * 200_000 + b";1\n",
        b"META\nkey;value\n\xff\xfe;1\n",
    ],
)
def test_hostile_pb_files(text: bytes) -> None:
    """Found by fuzzing: each raised an interpreter error or ran without end."""
    with pytest.raises(PbFormatError):
        tally(tally_input(parse_pb(text), Rule.MES_ADD1_GREEDY)[0])


def test_tally_pb_refuses_hostile_files_in_one_line(tmp_path: Path) -> None:
    """``mutual tally-pb`` on a hostile file: exit 1 and the reader's code."""
    for n, text in enumerate([b"\xff\xfe", b"META\n" + b"x" * 200_000, b"META\nkey;value\n"]):
        path = tmp_path / f"{n}.pb"
        path.write_bytes(text)
        result = CliRunner().invoke(cli, ["tally-pb", str(path)])
        assert result.exit_code == 1, result.output
        _no_traceback(result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
