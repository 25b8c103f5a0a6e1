"""The offline verifier: replays an export and reports every fault with its log index.

It trusts nothing but the log's verifier key given by the auditor: not the server's
database, not any key the export claims. Fed one export line at a time, it keeps the
registry, the accounts and a compact Merkle range, and checks for each entry its form,
its signatures and the key's validity at that index, the authority rule, the ledger
rules (balances recomputed from zero, every posting within the bound in force), and the
balances the server recorded; for each checkpoint its log signature, its root against
the leaves so far, its witnesses' cosignatures, and that no two checkpoints of one size
disagree (a split view); for each round's snapshot, that the checkpoint its manifest
names (which the voters' ballots commit to) is the tree recomputed here. Given the
witnesses the auditor trusts, it also asks that a checkpoint they cosigned covers every
entry, so that whoever holds the log key cannot re-sign another history unseen.
Findings are collected, never raised.

The export is hostile input: whatever its bytes, ``feed`` and ``finish`` only ever
add findings. Work and memory stay proportional to the bytes read, never to a number
the export states (a gap of 10**30 missing entries is two integers, not a loop).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from mutual.core.accounts import Account
from mutual.core.canonical import decode_integral, plain_ascii_object, sorted_compact
from mutual.core.entries import (
    EntryFormatError,
    EntryType,
    compose_entry,
    parse_account_payload,
    parse_bounds_payload,
    parse_entry,
    parse_key_event_payload,
    parse_member_notice_payload,
    parse_transaction_payload,
)
from mutual.core.errors import InvalidSignature, LedgerError
from mutual.core.fold import (
    AccountEntry,
    BoundsEntry,
    Entry,
    GroupChangeEntry,
    KeyEventEntry,
    LedgerState,
    LogKey,
    MemberNoticeEntry,
    PactChangeEntry,
    RoundStepEntry,
    TransactionEntry,
    apply_entry,
)
from mutual.core.groups import parse_group_payload
from mutual.core.ids import AccountId
from mutual.core.ledger import Applied
from mutual.core.merkle import CompactRange, leaf_hash
from mutual.core.notes import (
    NoteError,
    NoteSignature,
    VerifierKey,
    cosignature_key,
    format_verifier_key,
    open_note,
    parse_checkpoint_body,
    verify_cosignature,
)
from mutual.core.pact import parse_pact_payload
from mutual.core.registry import Recovery, Registry
from mutual.core.round_entries import Kind, RoundEntry, RoundError, parse_entry_payload
from mutual.core.round_state import RoundState
from mutual.core.signing import (
    INVALID_SIGNATURE_DETAIL,
    Domain,
    KeyId,
    Signature,
    SignatureCheck,
    b64encode,
    canonical,
    check_signatures,
    key_id_of,
    signature_checks,
    verify,
)

EXPORT_FORMAT = "mutual-export/v1"
ENTRY_KEYS = {"type", "payload", "signatures"}
# Each line type's fields: required, then optional (contracts/schemas/export-line).
FRAMES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "header": (frozenset({"type", "format", "origin", "tree_size", "log_key"}), frozenset()),
    "entry": (frozenset({"type", "index", "entry"}), frozenset({"recorded"})),
    "checkpoint": (frozenset({"type", "note"}), frozenset()),
    "balance": (frozenset({"type", "account_id", "balance", "version"}), frozenset()),
    "end": (frozenset({"type", "entries", "checkpoints", "balances"}), frozenset()),
}
# The file's sections in order; entries and checkpoints interleave.
SECTION = {"header": 0, "entry": 1, "checkpoint": 1, "balance": 2, "end": 3}
# What an invalid signature does not hide on its entry: itself, and what is wrong with
# the line's form (found before its signatures are read). Every other finding on that
# entry follows from the signature.
LINE_FORM_KINDS = frozenset({InvalidSignature.code, "malformed_line", "duplicate_field"})


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One fault: where (log index when it concerns an entry, and export line) and what."""

    log_index: int | None
    line: int
    kind: str
    detail: str

    def __str__(self) -> str:
        where = "-" if self.log_index is None else str(self.log_index)
        return f"log index {where} (line {self.line}): {self.kind}: {self.detail}"


@dataclass(frozen=True, slots=True)
class PendingSignatures:
    """A transaction's Ed25519 checks, handed to ``Verifier.defer`` instead of made inline."""

    line: int
    log_index: int
    message: bytes
    checks: tuple[SignatureCheck, ...]

    def row(self) -> PendingRow:
        """The same as plain tuples, which pickle and unpickle several times faster
        (the CLI sends them to worker processes by the thousand)."""
        return (
            self.line,
            self.log_index,
            self.message,
            tuple((c.public_key, c.signature) for c in self.checks),
        )


# (line, log index, signed message, ((public key, signature), ...))
PendingRow = tuple[int, int, bytes, tuple[tuple[bytes, bytes], ...]]


def _count(doc: dict[str, Any], key: str) -> int:
    """A non-negative integer field (a JSON ``true`` or ``1.0`` is not one)."""
    value = doc[key]
    if type(value) is not int or value < 0:
        raise ValueError(f"{key} is a non-negative integer")
    return value


def _account_id(value: object) -> AccountId:
    """A lowercase canonical UUID, the only spelling the export writes: another spelling
    of the same id would be a change the balance check could not see."""
    if not isinstance(value, str):
        raise ValueError("account_id is a string")
    parsed = UUID(value)
    if str(parsed) != value:
        raise ValueError("account_id is a lowercase canonical UUID")
    return AccountId(parsed)


@dataclass(slots=True)
class Gaps:
    """Entry indexes skipped so far, as sorted disjoint half-open ranges, so that a
    hostile jump in the index costs two integers, not one per missing entry."""

    starts: list[int] = field(default_factory=list)
    stops: list[int] = field(default_factory=list)

    def add(self, start: int, stop: int) -> None:
        self.starts.append(start)
        self.stops.append(stop)

    def take(self, index: int) -> bool:
        """Whether ``index`` was skipped; it no longer is afterwards."""
        at = bisect_right(self.starts, index) - 1
        if at < 0 or index >= self.stops[at]:
            return False
        start, stop = self.starts[at], self.stops[at]
        del self.starts[at], self.stops[at]
        for piece in ((index + 1, stop), (start, index)):
            if piece[0] < piece[1]:
                self.starts.insert(at, piece[0])
                self.stops.insert(at, piece[1])
        return True


class _RepeatedName(Exception):
    """Raised from the JSON parse at the first object that names a field twice."""


def _strict_object(items: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(items)
    if len(doc) < len(items):
        raise _RepeatedName
    return doc


# Built once: json.loads with a hook would build a decoder per line, twice the parse.
_STRICT = json.JSONDecoder(object_pairs_hook=_strict_object)


def _loads(text: str) -> tuple[Any, list[str]]:
    """The line's JSON, and the names some object in it (at any depth) holds twice.

    ``json.loads`` keeps the last of two equal names silently, another reader may keep
    the first: a line that means two things to two verifiers is a finding of its own.
    Such a line is rare, so it alone is parsed a second time to name them all.
    """
    try:
        return _STRICT.decode(text), []
    except _RepeatedName:
        pass
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for name, _ in items:
            if name in seen:
                repeated.append(name)
            seen.add(name)
        return dict(items)

    return json.loads(text, object_pairs_hook=pairs), repeated


_ENTRY_LINE = b'{"type":"entry","index":'
_SHORT_INDEX = 10**15


def _exported_entry(line: str | bytes) -> tuple[dict[str, Any], bytes, bytes] | None:
    """An entry line exactly as ``mutual export`` writes it (no whitespace, the line's
    fields in their order, the entry in its canonical form): its document, its
    payload's canonical bytes and its leaf input. None for any other line, which
    ``_loads`` and ``canonical`` then read, to the same effect.

    Nine lines in ten of an export are such lines. Rebuilding the line from the parsed
    values and finding it equal proves what the general path checks (no field named
    twice: it would be missing from the rebuilt line), with a faster parser and
    without walking the values in Python.
    """
    if isinstance(line, str):
        try:
            line = line.encode()
        except UnicodeEncodeError:  # a lone surrogate: the general path reports it
            return None
    if not line.startswith(_ENTRY_LINE):
        return None
    text = line[:-1] if line.endswith(b"\n") else line
    doc = decode_integral(text)
    if not isinstance(doc, dict):
        return None
    entry, index = doc.get("entry"), doc.get("index")
    if type(entry) is not dict or entry.keys() != ENTRY_KEYS or type(entry["type"]) is not str:
        return None
    if type(index) is not int or not 0 <= index < _SHORT_INDEX:
        return None
    payload = sorted_compact(entry["payload"])
    signatures = sorted_compact(entry["signatures"])
    recorded = sorted_compact(doc["recorded"]) if "recorded" in doc else b""
    if payload is None or signatures is None or recorded is None:
        return None
    data = compose_entry(payload, signatures, entry["type"])
    rebuilt = b"".join(
        (
            _ENTRY_LINE,
            str(index).encode(),
            b',"entry":',
            data,
            b',"recorded":' if recorded else b"",
            recorded,
            b"}",
        )
    )
    if rebuilt != text or not plain_ascii_object(text):
        return None
    return doc, payload, data


def check_pending(batch: Iterable[PendingSignatures]) -> list[Finding]:
    """The findings for a batch of deferred checks."""
    return check_rows(p.row() for p in batch)


def check_rows(rows: Iterable[PendingRow]) -> list[Finding]:
    """``check_pending`` on the checks' rows (run in other processes by the CLI)."""
    return [
        Finding(log_index, line, InvalidSignature.code, INVALID_SIGNATURE_DETAIL)
        for line, log_index, message, checks in rows
        if not all(verify(public_key, message, signature) for public_key, signature in checks)
    ]


def _cosigned(body: str, sig: NoteSignature, witness: VerifierKey) -> bool:
    """Whether ``sig`` is ``witness``'s valid cosignature/v1 on checkpoint ``body``."""
    if (sig.name, sig.key_id) != (witness.name, witness.key_id):
        return False
    try:
        verify_cosignature(body, sig, witness)
    except NoteError:
        return False
    return True


@dataclass(slots=True)
class Verifier:
    """``defer``, when given, receives each transaction's Ed25519 checks instead of their
    being made inline; the ledger fold then goes on as if they passed, and whoever runs
    them adds their findings (``check_pending``) before ``finish``. A bad signature is
    still reported at its index, and what the fold found on that entry is not reported
    beside it; only what is found at later entries may differ from an inline run, which
    does not fold a transaction whose signature fails.

    ``witnesses`` are the witnesses' keys the auditor trusts (C2SP vkeys, of type 0x01 or
    0x04); with ``witnesses_min`` N > 0, every entry must lie under a checkpoint that N
    of them validly cosigned (``missing_cosignatures`` otherwise). A cosigned root
    commits to every leaf before it, and every checkpoint is held to the tree recomputed
    here, so the largest such checkpoint vouches for the whole export up to its size.
    """

    log_key: VerifierKey
    defer: Callable[[PendingSignatures], None] | None = None
    witnesses: tuple[VerifierKey, ...] = ()
    witnesses_min: int = 0
    findings: list[Finding] = field(default_factory=list)
    origin: str | None = None
    header_size: int | None = None
    # The ledger as the one fold (core.fold, the writer's too) leaves it.
    ledger: LedgerState = field(default_factory=LedgerState)
    # The leaves while the entries are dense; after a gap the roots can no longer be
    # compared (the missing entries are the finding), so only ``size`` goes on.
    tree: CompactRange = field(default_factory=CompactRange)
    size: int = 0
    skipped: Gaps = field(default_factory=Gaps)
    section: int = 0
    last_balance: str | None = None
    cosignatures: list[tuple[int, str, NoteSignature, int | None]] = field(default_factory=list)
    checkpoint_roots: dict[int, bytes] = field(default_factory=dict)
    # The recomputed root at each size a checkpoint line stands at, while the entries
    # were dense there: what a round's manifest checkpoint is held to.
    tree_roots: dict[int, bytes] = field(default_factory=dict)
    # Per checkpoint size, how many of ``witnesses`` validly cosigned it (the most on
    # any one line of that size).
    witnessed: dict[int, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    ended: bool = False
    transactions: int = 0
    # The line being fed's payload bytes and leaf input, when read by _exported_entry.
    line_bytes: tuple[bytes, bytes] | None = None

    def __post_init__(self) -> None:
        # A witness publishes its key as type 0x01 or 0x04; its cosignatures are checked
        # under the 0x04 form (its own key id), one witness counted once.
        self.witnesses = tuple(dict.fromkeys(cosignature_key(w) for w in self.witnesses))
        if not 0 <= self.witnesses_min <= len(self.witnesses):
            raise ValueError(
                f"witnesses_min is between 0 and the {len(self.witnesses)} witnesses given"
            )

    @property
    def cosignatures_checked(self) -> int:
        """The cosignature lines checked (each against the registry's witness keys)."""
        return len(self.cosignatures)

    @property
    def witness_cosignatures(self) -> int:
        """The valid cosignatures by the witnesses given, counted once per checkpoint size."""
        return sum(self.witnessed.values())

    @property
    def accounts(self) -> dict[AccountId, Account]:
        return self.ledger.accounts

    @property
    def rounds(self) -> dict[UUID, RoundState]:
        """Every round's state, folded from its entries (``mutual tally`` reads them)."""
        return self.ledger.rounds

    @property
    def registry(self) -> Registry:
        return self.ledger.registry

    @property
    def recoveries(self) -> list[Recovery]:
        """Every recovery of a member's key the log holds, in request order: the summary
        counts those completed and shows the shortest wait any of them stated, since the
        territory's setting is not in the log (``core.key_custody``)."""
        return sorted(self.registry.recoveries.values(), key=lambda r: r.requested_at)

    def _find(self, line: int, kind: str, detail: str, index: int | None = None) -> None:
        self.findings.append(Finding(index, line, kind, detail))

    def feed(self, line_no: int, text: str | bytes) -> None:
        exported = _exported_entry(text)
        self.line_bytes = None if exported is None else exported[1:]
        try:
            # Strict UTF-8: json.loads would take a BOM or UTF-16 bytes, which an export
            # never holds and another verifier might read differently.
            doc, repeated = (
                (exported[0], [])
                if exported is not None
                else _loads(text.decode("utf-8") if isinstance(text, bytes) else text)
            )
        except (ValueError, RecursionError) as exc:
            self._find(line_no, "malformed_line", f"not JSON: {exc}")
            return
        if repeated:
            # Reported, then read as json.loads left it (the last value), so that the
            # rest of the export is still checked in place.
            index = doc.get("index") if isinstance(doc, dict) else None
            self._find(
                line_no,
                "duplicate_field",
                f"an object names {sorted(set(repeated))} more than once",
                index if type(index) is int and index >= 0 else None,
            )
        if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
            self._find(line_no, "malformed_line", "a line is an object with a type")
            return
        kind = doc["type"]
        if self.ended:
            self._find(line_no, "line_after_end", f"a {kind} line after the end line")
        if kind != "header" and self.origin is None and "header" not in self.counts:
            self._find(line_no, "missing_header", "the export does not start with its header")
            self.counts["header"] = 0
        self.counts[kind] = self.counts.get(kind, 0) + 1
        handler = {
            "header": self._header,
            "entry": self._entry,
            "checkpoint": self._checkpoint,
            "balance": self._balance,
            "end": self._end,
        }.get(kind)
        if handler is None:
            self._find(line_no, "malformed_line", f"unknown line type {kind!r}")
            return
        required, optional = FRAMES[kind]
        unknown = doc.keys() - required - optional
        if unknown:
            # Reported, then read all the same: the fields it needs may all be there.
            self._find(line_no, "malformed_line", f"{kind} line: unknown fields {sorted(unknown)}")
        # A late header and a line after the end have findings of their own.
        if SECTION[kind] < self.section and kind != "header" and not self.ended:
            self._find(line_no, "out_of_order", f"a {kind} line after the section it precedes")
        self.section = max(self.section, SECTION[kind])
        try:
            handler(line_no, doc)
        # A value nested deeper than the interpreter's stack can walk (canonical JSON and
        # repr recurse) is as malformed as one of the wrong type.
        except (KeyError, TypeError, ValueError, RecursionError) as exc:
            self._find(line_no, "malformed_line", f"{kind} line: {type(exc).__name__}: {exc}")

    def _header(self, line_no: int, doc: dict[str, Any]) -> None:
        if self.counts["header"] > 1 or self.size:
            self._find(line_no, "malformed_line", "a second header, or a header after entries")
            return
        if doc.get("format") != EXPORT_FORMAT:
            self._find(line_no, "malformed_line", f"format is not {EXPORT_FORMAT}")
        origin = doc["origin"]
        if origin != self.log_key.name:
            self._find(
                line_no,
                "wrong_origin",
                f"export of {origin!r}, but the log key given is {self.log_key.name!r}",
            )
        if doc.get("log_key") != format_verifier_key(self.log_key):
            # Never used for checking: only reported, since it means the export claims
            # to come from a log other than the one the auditor trusts.
            self._find(line_no, "wrong_log_key", "the header names another log key")
        self.origin = self.log_key.name
        self.header_size = _count(doc, "tree_size")

    def _entry(self, line_no: int, doc: dict[str, Any]) -> None:
        index = _count(doc, "index")
        recorded = doc.get("recorded")
        entry = doc["entry"]
        if "recorded" in doc and (
            not isinstance(recorded, dict)
            or recorded.keys() != {"balances_after"}
            or not isinstance(entry, dict)
            or entry.get("type") != EntryType.TRANSACTION.value
        ):
            # Unsigned and read only for a transaction: reported, and the entry still
            # folded, so that what follows is checked as usual.
            self._find(
                line_no, "malformed_line", "recorded is a transaction's {balances_after}", index
            )
        expected = self.size
        if index < expected:
            if self.skipped.take(index):
                self._find(line_no, "out_of_order", f"entry {index} after {expected - 1}", index)
            else:
                self._find(line_no, "duplicate_entry", f"entry {index} appears again", index)
            return
        if index > expected:
            self._find(
                line_no,
                "missing_entry",
                f"entries {expected}..{index - 1} are missing (or out of order)",
                expected,
            )
            # Keep counting from here so later entries are still checked in place.
            self.skipped.add(expected, index)
        payload_bytes: bytes | None = None
        if self.line_bytes is not None:
            # Read from the line itself, already canonical (_exported_entry).
            payload_bytes, data = self.line_bytes
        elif isinstance(entry, dict) and entry.keys() == ENTRY_KEYS:
            # The payload's canonical bytes serve both the leaf and the signed message.
            payload_bytes = canonical(entry["payload"])
            data = compose_entry(payload_bytes, canonical(entry["signatures"]), entry["type"])
        else:
            data = canonical(entry)
        if self.tree.size == index:
            self.tree.append(leaf_hash(data))
        self.size = index + 1
        self._check_entry(line_no, index, doc, payload_bytes)

    def _check_entry(
        self, line_no: int, index: int, doc: dict[str, Any], payload_bytes: bytes | None
    ) -> None:
        """Check the entry's form and signatures, then fold it with the writer's fold."""
        origin = self.origin or self.log_key.name
        try:
            entry_type, payload, sigs = parse_entry(doc["entry"])
            if payload.get("log") != origin:
                raise EntryFormatError(f"the payload names log {payload.get('log')!r}")
            assert payload_bytes is not None  # parse_entry checked the keys
            entry = self._signed_entry(line_no, index, entry_type, payload, payload_bytes, sigs)
            if entry is None:
                return
            recorded = doc.get("recorded")
            applied = apply_entry(
                self.ledger,
                entry,
                log_index=index,
                # The log signs no day: the kinds' rules of time (a quarter ended, a
                # deposit due soon) are the writer's, checked on the day it writes.
                on=None,
                log_key=LogKey(origin, self.log_key.public_key),
            )
            if isinstance(applied, Applied):
                self._balances(line_no, index, applied, recorded)
            elif isinstance(applied, RoundEntry) and applied.kind is Kind.SNAPSHOT:
                self._manifest_checkpoint(line_no, index, applied.round_id)
        except EntryFormatError as exc:
            self._find(line_no, "bad_entry", str(exc), index)
        except RoundError as exc:
            self._find(line_no, exc.code, f"{exc.detail} ({exc.field})", index)
        except LedgerError as exc:
            self._find(line_no, exc.code, exc.detail, index)

    def _signed_entry(
        self,
        line_no: int,
        index: int,
        entry_type: EntryType,
        payload: dict[str, Any],
        payload_bytes: bytes,
        sigs: tuple[Signature, ...],
    ) -> Entry | None:
        """The entry to fold, once its signatures are checked over its bytes (None, with
        a finding, when the log key did not sign an entry it must sign)."""
        origin = self.origin or self.log_key.name
        if entry_type is EntryType.TRANSACTION:
            tx = parse_transaction_payload(origin, payload)
            message = Domain.TRANSACTION.value + payload_bytes
            keys = self._known_keys(sigs)
            if self.defer is None:
                check_signatures(message, sigs, keys)
            else:
                self.defer(PendingSignatures(line_no, index, message, signature_checks(sigs, keys)))
            return TransactionEntry(tx, sigs)
        if entry_type is EntryType.ACCOUNT:
            account = parse_account_payload(origin, payload)
            ok = self._signed_by_log(line_no, index, Domain.ACCOUNT, payload_bytes, sigs)
            return AccountEntry(account) if ok else None
        if entry_type is EntryType.BOUNDS:
            change = parse_bounds_payload(origin, payload)
            ok = self._signed_by_log(line_no, index, Domain.BOUNDS, payload_bytes, sigs)
            return BoundsEntry(change) if ok else None
        if entry_type in (EntryType.ROUND, EntryType.BALLOT):
            step = parse_entry_payload(origin, payload)
            if (entry_type is EntryType.BALLOT) != (step.kind is Kind.BALLOT):
                raise EntryFormatError("a ballot, and only a ballot, is a ballot entry")
            if entry_type is EntryType.BALLOT:
                message = Domain.BALLOT.value + payload_bytes
                check_signatures(message, sigs, self._known_keys(sigs))
            elif not self._signed_by_log(line_no, index, Domain.ROUND, payload_bytes, sigs):
                return None
            return RoundStepEntry(step, entry_type is EntryType.BALLOT, sigs)
        if entry_type is EntryType.MEMBER_NOTICE:
            notice = parse_member_notice_payload(origin, payload)
            ok = self._signed_by_log(line_no, index, Domain.MEMBER_NOTICE, payload_bytes, sigs)
            return MemberNoticeEntry(notice) if ok else None
        if entry_type is EntryType.GROUP:
            group_change = parse_group_payload(origin, payload)
            ok = self._signed_by_log(line_no, index, Domain.GROUP, payload_bytes, sigs)
            return GroupChangeEntry(group_change) if ok else None
        if entry_type is EntryType.PACT:
            pact_change = parse_pact_payload(origin, payload)
            ok = self._signed_by_log(line_no, index, Domain.PACT, payload_bytes, sigs)
            return PactChangeEntry(pact_change) if ok else None
        return KeyEventEntry(parse_key_event_payload(origin, payload), sigs)

    def _known_keys(self, sigs: tuple[Signature, ...]) -> dict[KeyId, bytes]:
        known = self.registry.keys
        return {s.key_id: known[s.key_id].public_key for s in sigs if s.key_id in known}

    def _manifest_checkpoint(self, line_no: int, index: int, round_id: UUID) -> None:
        """The checkpoint a round's manifest names (tree size and root, under the voters'
        ballots through ``manifest_sha256``) is the tree of the exported entries: whoever
        re-signs earlier history under the log key contradicts the voters here."""
        state = self.rounds.get(round_id)
        manifest = state.manifest if state is not None else None
        if manifest is None:
            return
        size = manifest.tree_size
        if size > index:
            self._find(
                line_no,
                "manifest_checkpoint_mismatch",
                f"the manifest names a tree of {size} entries, from its own log index",
                index,
            )
            return
        root = self.tree_roots.get(size)
        if root is None:
            # After a gap the root cannot be recomputed (the missing entries are the
            # finding); otherwise the log signed this checkpoint, and the export holds
            # every checkpoint signed up to its size.
            if self.tree.size == self.size:
                self._find(
                    line_no,
                    "manifest_checkpoint_mismatch",
                    f"the manifest names a checkpoint of size {size} the export does not hold",
                    index,
                )
        elif b64encode(root) != manifest.root:
            self._find(
                line_no,
                "manifest_checkpoint_mismatch",
                f"the manifest's root of size {size} is not the exported entries' root",
                index,
            )

    def _signed_by_log(
        self,
        line_no: int,
        index: int,
        domain: Domain,
        payload_bytes: bytes,
        sigs: tuple[Signature, ...],
    ) -> bool:
        """Whether the log key signed the entry; a finding when it did not."""
        message = domain.value + payload_bytes
        log_id = key_id_of(self.log_key.public_key)
        if any(
            s.key_id == log_id and verify(self.log_key.public_key, message, s.signature)
            for s in sigs
        ):
            return True
        self._find(line_no, "invalid_signature", "this entry is signed by the log key", index)
        return False

    def _balances(self, line_no: int, index: int, applied: Applied, recorded: object) -> None:
        """The balances the server recorded after a transaction are the recomputed ones."""
        self.transactions += 1
        claimed = recorded.get("balances_after") if isinstance(recorded, dict) else None
        actual = [p.balance_after for p in applied.postings]
        if claimed != actual:
            self._find(
                line_no,
                "balance_mismatch",
                f"the server recorded balances {claimed}, recomputed {actual}",
                index,
            )

    def _checkpoint(self, line_no: int, doc: dict[str, Any]) -> None:
        text = doc["note"]
        if not isinstance(text, str):
            raise ValueError("note is a string")
        try:
            note, _, unverified = open_note(text, [self.log_key])
            cp = parse_checkpoint_body(note.text)
        except NoteError as exc:
            self._find(line_no, "bad_checkpoint", f"{exc.kind}: {exc}")
            return
        except ValueError as exc:
            self._find(line_no, "bad_checkpoint", str(exc))
            return
        at = cp.size - 1 if cp.size else None
        if cp.origin != self.log_key.name:
            self._find(line_no, "bad_checkpoint", f"checkpoint of origin {cp.origin!r}", at)
            return
        earlier = self.checkpoint_roots.get(cp.size)
        if earlier is not None and earlier != cp.root:
            self._find(
                line_no, "split_view", f"two signed checkpoints of size {cp.size} differ", at
            )
        self.checkpoint_roots.setdefault(cp.size, cp.root)
        if cp.size != self.size:
            self._find(
                line_no,
                "checkpoint_misplaced",
                f"checkpoint of size {cp.size} after {self.size} entries",
                at,
            )
        elif self.tree.size == cp.size:
            root = self.tree_roots.setdefault(cp.size, self.tree.root())
            if cp.root != root:
                # The log key signed a tree of this size that is not the one exported:
                # either the export's entries were changed, or the log showed someone
                # another history.
                self._find(
                    line_no,
                    "split_view",
                    f"the signed root of size {cp.size} differs from the exported entries' root",
                    at,
                )
        if self.witnesses:
            vouching = sum(
                any(_cosigned(note.text, sig, w) for sig in unverified) for w in self.witnesses
            )
            self.witnessed[cp.size] = max(self.witnessed.get(cp.size, 0), vouching)
        # A witness may register its key after cosigning an older checkpoint: cosignatures
        # are checked at the end, against the whole registry.
        self.cosignatures.extend((line_no, note.text, sig, at) for sig in unverified)

    def _cosignature(self, line_no: int, body: str, sig: NoteSignature, at: int | None) -> None:
        for record in self.registry.keys.values():
            vk = record.cosignature_key()
            if vk is None or vk.name != sig.name or vk.key_id != sig.key_id:
                continue
            try:
                verify_cosignature(body, sig, vk)
            except NoteError as exc:
                self._find(line_no, "bad_cosignature", f"{sig.name}: {exc}", at)
            return
        self._find(line_no, "bad_cosignature", f"{sig.name} is not a registered witness", at)

    def _balance(self, line_no: int, doc: dict[str, Any]) -> None:
        account_id = _account_id(doc["account_id"])
        balance, version = doc["balance"], _count(doc, "version")
        if type(balance) is not int:
            raise ValueError("balance is an integer")
        if self.last_balance is not None and doc["account_id"] <= self.last_balance:
            self._find(line_no, "out_of_order", "balance lines are sorted by account id, once")
        self.last_balance = doc["account_id"]
        account = self.accounts.get(account_id)
        if account is None:
            self._find(line_no, "balance_mismatch", f"no account {account_id} was opened")
        elif (account.balance, account.version) != (balance, version):
            self._find(
                line_no,
                "balance_mismatch",
                f"account {account_id}: the server holds {balance} "
                f"(version {version}), recomputed {account.balance} "
                f"(version {account.version})",
            )

    def _end(self, line_no: int, doc: dict[str, Any]) -> None:
        self.ended = True
        claimed = {
            "entry": _count(doc, "entries"),
            "checkpoint": _count(doc, "checkpoints"),
            "balance": _count(doc, "balances"),
        }
        for kind, count in claimed.items():
            if self.counts.get(kind, 0) != count:
                self._find(
                    line_no,
                    "count_mismatch",
                    f"the end line counts {count} {kind} lines, the export has "
                    f"{self.counts.get(kind, 0)}",
                )

    def finish(self, line_no: int) -> list[Finding]:
        """The findings once the export is read; adds those only the whole can show."""
        if self.counts.get("header") is None:
            self._find(line_no, "missing_header", "the export has no header")
        if self.header_size is not None and self.size < self.header_size:
            self._find(
                line_no,
                "missing_entry",
                f"the header announces {self.header_size} entries, the export has {self.size}",
                self.size,
            )
        elif self.header_size is not None and self.size > self.header_size:
            self._find(
                line_no,
                "count_mismatch",
                f"the header announces {self.header_size} entries, the export has {self.size}",
                self.header_size,
            )
        truncated = self.header_size is not None and self.size < self.header_size
        if self.size and self.size not in self.checkpoint_roots and not truncated:
            self._find(
                line_no,
                "missing_checkpoint",
                f"no signed checkpoint covers all {self.size} entries",
                self.size - 1,
            )
        for pending in self.cosignatures:
            self._cosignature(*pending)
        if self.witnesses_min and self.size:
            self._witnessed(line_no)
        if not self.ended:
            self._find(line_no, "missing_end", "the export has no end line (truncated?)")
        if self.counts.get("balance", 0) != len(self.accounts) and self.ended:
            self._find(
                line_no,
                "balance_mismatch",
                f"{len(self.accounts)} accounts recomputed, {self.counts.get('balance', 0)} "
                "balance lines",
            )
        # A failed signature is the cause of whatever the fold then found on its entry
        # (a deferred check reports it after the fold went on as if it held): those are
        # not separate faults. What is wrong with the line's form stays.
        unsigned = {
            (f.log_index, f.line)
            for f in self.findings
            if f.kind == InvalidSignature.code and f.log_index is not None
        }
        kept = [
            f
            for f in self.findings
            if f.kind in LINE_FORM_KINDS or (f.log_index, f.line) not in unsigned
        ]
        return sorted(
            kept,
            key=lambda f: (
                f.log_index is None,
                f.log_index or 0,
                f.line,
                f.kind != InvalidSignature.code,
            ),
        )

    def _witnessed(self, line_no: int) -> None:
        """Every entry lies under a checkpoint ``witnesses_min`` of the witnesses cosigned."""
        covered = max(
            (
                size
                for size, count in self.witnessed.items()
                if count >= self.witnesses_min and size <= self.size
            ),
            default=0,
        )
        if covered < self.size:
            self._find(
                line_no,
                "missing_cosignatures",
                f"entries {covered}..{self.size - 1} are under no checkpoint cosigned by "
                f"{self.witnesses_min} of the {len(self.witnesses)} witnesses given",
                covered,
            )
