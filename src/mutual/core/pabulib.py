"""The Pabulib ``.pb`` format (pabulib.org/format): read, write, and tally input.

A file has three sections, each a line with its name (``META``, ``PROJECTS``, ``VOTES``),
a header line and ``;``-separated rows, quoted as CSV where needed (read and written
here by hand, as the csv module would: the core imports no I/O module). ``PbFile`` keeps
every column and row as text, and the line ending, so that ``format_pb(parse_pb(text))``
gives the original text back for files written the usual way (CSV minimal quoting), and
``parse_pb(format_pb(pb)) == pb`` for any ``PbFile``.

``tally_input`` reads an ``approval`` or ``choose-1`` file as a one-resource tally
(euros = the file's currency, hours zero). Costs and the budget may carry decimals
("75000.0"): they are read exactly and, if any is not whole, all are scaled by the
same power of ten, which changes no selection; the Add1 step stays one currency unit
per voter (``share_step = 1 / budget``), as pabutools' ``voter_budget_increment=1``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from fractions import Fraction

from mutual.core.tally import Rule, TallyInput, TallyParameters, TallyProject

SECTIONS = ("META", "PROJECTS", "VOTES")
# A cost or budget as pabulib writes one: decimal digits, a decimal point or comma. An
# exponent ("1e999999999") would make Fraction build a number of a billion digits.
_DECIMAL = re.compile(r"[0-9]{1,18}(?:[.,][0-9]{0,12})?")


class PbFormatError(ValueError):
    """Not a readable ``.pb`` file; ``code`` is stable."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PbSection:
    """A header and rows, all text, in file order."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def records(self) -> list[dict[str, str]]:
        """Rows as dicts by column name (extra or missing cells tolerated)."""
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


@dataclass(frozen=True, slots=True)
class PbFile:
    """A whole ``.pb`` file: the three sections and the line ending used."""

    meta: PbSection
    projects: PbSection
    votes: PbSection
    newline: str = "\r\n"

    def meta_value(self, key: str) -> str | None:
        for row in self.meta.rows:
            if row and row[0].strip() == key:
                return row[1].strip() if len(row) > 1 else ""
        return None


def parse_pb(text: str | bytes) -> PbFile:
    """Read a ``.pb`` file (UTF-8, with or without a BOM, when given bytes; CRLF or LF,
    quoted or not, extra columns kept)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PbFormatError("invalid_utf8", f"not UTF-8: {exc}") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    reader = _rows(text)
    found: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {}
    current: str | None = None
    expect_header = False
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) == 1 and row[0].strip().upper() in SECTIONS:
            current = row[0].strip().upper()
            if current in found:
                raise PbFormatError("duplicate_section", f"section {current} twice")
            expect_header = True
            continue
        if current is None:
            raise PbFormatError("no_section", "content before the META section")
        if expect_header:
            found[current] = (tuple(row), [])
            expect_header = False
        else:
            found[current][1].append(tuple(row))
    missing = [name for name in SECTIONS if name not in found]
    if missing:
        raise PbFormatError("missing_section", f"missing section(s): {', '.join(missing)}")
    meta, projects, votes = (PbSection(found[n][0], tuple(found[n][1])) for n in SECTIONS)
    return PbFile(meta, projects, votes, newline)


def format_pb(pb: PbFile) -> str:
    """Write a ``PbFile`` (CSV minimal quoting, its own line ending, one at the end)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator=pb.newline)
    for name, section in zip(SECTIONS, (pb.meta, pb.projects, pb.votes), strict=True):
        out.write(name + pb.newline)
        writer.writerows((section.columns, *section.rows))
    return out.getvalue()


def _rows(text: str) -> list[list[str]]:
    # newline="" keeps quoted line breaks inside their field, as the csv module asks.
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    except csv.Error as exc:  # a field past the csv module's limit, an unclosed quote
        raise PbFormatError("invalid_csv", str(exc)) from None


def _number(text: str, what: str) -> Fraction:
    """A non-negative decimal: costs and budgets are amounts of money."""
    value = text.strip()
    if _DECIMAL.fullmatch(value) is None:
        raise PbFormatError("invalid_number", f"{what}: {text[:40]!r} is not a decimal amount")
    return Fraction(value.replace(",", "."))


def tally_input(pb: PbFile, rule: Rule, *, seed: bytes = b"") -> tuple[TallyInput, int]:
    """The money side of a ``.pb`` file as a tally input (hours zero), and the power of
    ten its amounts were multiplied by to make them whole."""
    vote_type = pb.meta_value("vote_type")
    if vote_type not in ("approval", "choose-1"):
        raise PbFormatError("unsupported_vote_type", f"vote_type {vote_type!r}")
    budget_text = pb.meta_value("budget")
    if budget_text is None:
        raise PbFormatError("missing_budget", "META has no budget")
    budget = _number(budget_text, "budget")
    costs: list[tuple[str, Fraction]] = []
    for record in pb.projects.records():
        pid = record.get("project_id", "").strip()
        costs.append((pid, _number(record.get("cost", ""), f"cost of {pid}")))
    scale = 1
    while any((value * scale).denominator != 1 for value in [budget, *(c for _, c in costs)]):
        scale *= 10
        if scale > 10**12:
            raise PbFormatError("invalid_number", "costs need more than 12 decimals")
    known = {pid for pid, _ in costs}
    ballots: dict[str, frozenset[str]] = {}
    for record in pb.votes.records():
        voter = record.get("voter_id", "").strip()
        if voter in ballots:
            raise PbFormatError("duplicate_voter", f"voter {voter!r} twice")
        approved = frozenset(v.strip() for v in record.get("vote", "").split(",") if v.strip())
        if approved - known:
            raise PbFormatError("unknown_project", f"{voter} votes for {sorted(approved - known)}")
        ballots[voter] = approved
    budget_units = int(budget * scale)
    data = TallyInput(
        projects=tuple(TallyProject(pid, int(cost * scale), 0) for pid, cost in costs),
        ballots=ballots,
        budget_eur=budget_units,
        budget_hours=0,
        parameters=TallyParameters(
            rule=rule,
            seed=seed,
            share_step=Fraction(scale, budget_units) if budget_units else None,
        ),
        conflicts={},
    )
    return data, scale


def pb_from_tally_input(data: TallyInput, meta: dict[str, str]) -> PbFile:
    """The money side of a round as a ``.pb`` file, costs and budget in cents (``meta``
    adds description, currency and the like before the computed keys)."""
    approvals = {p.project_id: 0 for p in data.projects}
    for approved in data.ballots.values():
        for pid in approved:
            approvals[pid] += 1
    meta_rows = [
        *meta.items(),
        ("num_projects", str(len(data.projects))),
        ("num_votes", str(len(data.ballots))),
        ("budget", str(data.budget_eur)),
        ("vote_type", "approval"),
    ]
    return PbFile(
        meta=PbSection(("key", "value"), tuple(meta_rows)),
        projects=PbSection(
            ("project_id", "cost", "votes"),
            tuple(
                (p.project_id, str(p.cost_eur), str(approvals[p.project_id])) for p in data.projects
            ),
        ),
        votes=PbSection(
            ("voter_id", "vote"),
            tuple((voter, ",".join(sorted(data.ballots[voter]))) for voter in sorted(data.ballots)),
        ),
    )
