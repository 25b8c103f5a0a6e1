"""``mutual tally-pb`` and ``mutual tally``: recompute allocations offline.

Both run on the pure core and click only (no database, web or settings module), like
``mutual verify``: ``tally-pb`` tallies any standard Pabulib ``.pb`` file, so anyone can
recompute a published round's money side; ``tally`` recounts one round of an export
from its signed steps alone and writes that money side.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import click

from mutual.cli.signature_pool import default_jobs
from mutual.cli.verify import _log_key, run_verifier
from mutual.core import round_outcomes
from mutual.core.pabulib import (
    PbFile,
    PbFormatError,
    format_pb,
    parse_pb,
    pb_from_tally_input,
    tally_input,
)
from mutual.core.round_documents import lines_document
from mutual.core.round_entries import Kind, RoundError, parse_entry_payload, timestamp
from mutual.core.round_outcomes import ballot_outcome, consent_outcome, decision_sha256
from mutual.core.round_state import Phase, RoundState
from mutual.core.rounds import apply_entry
from mutual.core.tally import Rule, TallyError, TallyInput, TallyProject, tally
from mutual.core.verify import Finding, Verifier


@click.command("tally-pb")
@click.argument("pb_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rule",
    type=click.Choice([rule.value for rule in Rule]),
    default=Rule.MES_ADD1_GREEDY.value,
    show_default=True,
    help="Equal Shares with Add1 then greedy completion, Add1 only, plain, or greedy.",
)
@click.option(
    "--seed",
    default="",
    help="Tie seed (UTF-8). Ties: lowest cost, most approvals, then SHA-256(seed || id).",
)
def tally_pb(pb_file: Path, rule: str, seed: str) -> None:
    """Print the selected project ids, one per line, then the total cost.

    Ids come in the order the rule selected them. The total is the sum of the
    selected projects' costs in the file's currency units, exact: an integer when
    whole (costs written 75000.0 count as 75000), else a decimal. Add1 raises each
    voter's share by one currency unit per step, as pabutools' increment of 1.
    """
    try:
        pb = parse_pb(pb_file.read_bytes())
        data, scale = tally_input(pb, Rule(rule), seed=seed.encode())
        result = tally(data)
    except (PbFormatError, TallyError) as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail}") from exc
    for project_id in result.selected_ids:
        click.echo(project_id)
    click.echo(decimal_text(result.total_eur, scale))


def decimal_text(amount: int, scale: int) -> str:
    """``amount / scale`` (scale a power of ten) exactly, without a trailing ``.0``."""
    whole, rest = divmod(amount, scale)
    if rest == 0:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}.{rest:0{digits}d}".rstrip("0")


# --- mutual tally ----------------------------------------------------------------------

# Findings that say the export is not the log as signed, or not all of it: no round
# read from it can be trusted, whichever line they are on.
EXPORT_WIDE = frozenset(
    {
        "malformed_line",
        "missing_header",
        "missing_end",
        "line_after_end",
        "wrong_origin",
        "wrong_log_key",
        "missing_entry",
        "out_of_order",
        "duplicate_entry",
        "bad_checkpoint",
        "checkpoint_misplaced",
        "missing_checkpoint",
        "split_view",
        "count_mismatch",
    }
)
BALLOT_CLOSED = frozenset({Phase.DECIDED, Phase.EXECUTED, Phase.UNDECIDED})


@dataclass(slots=True)
class RoundLines:
    """What ``mutual tally`` notes while the verifier reads the export: the round each
    round entry and execution transaction belongs to (to tell the round's findings from
    the rest), and every ballot close as published (to explain one the verifier
    refused)."""

    round_of_line: dict[int, str] = field(default_factory=dict)
    closes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def watch(self, lines: Iterable[bytes]) -> Iterator[bytes]:
        for line_no, line in enumerate(lines, start=1):
            # Only a round's entries and transactions name one: the rest pass unparsed.
            if b'"round"' in line:
                self._note(line_no, line)
            yield line

    def _note(self, line_no: int, line: bytes) -> None:
        try:
            entry = json.loads(line)["entry"]
            payload = entry["payload"]
            is_step = entry["type"] in ("round", "ballot")
            round_id = payload["round"] if is_step else payload["references"]["round"]
        except (ValueError, RecursionError, KeyError, TypeError):
            return  # not a round's: the verifier reports whatever is malformed
        if not isinstance(round_id, str):
            return
        self.round_of_line[line_no] = round_id
        if is_step and payload.get("kind") == Kind.BALLOT_CLOSED.value:
            self.closes.setdefault(round_id, []).append(payload)

    def lines_of(self, round_id: UUID) -> set[int]:
        return {n for n, rid in self.round_of_line.items() if rid == str(round_id)}


def find_round(found: Mapping[UUID, RoundState], key: str) -> RoundState:
    """The round with this id, or else the one with this label."""
    try:
        state = found.get(UUID(key))
    except ValueError:
        state = None
    if state is not None:
        return state
    named = [s for s in found.values() if s.config.label == key]
    if len(named) == 1:
        return named[0]
    if named:
        ids = ", ".join(str(s.round_id) for s in named)
        raise click.ClickException(
            f"{len(named)} rounds are labelled {key!r}: name one by id ({ids})"
        )
    known = "; ".join(f"{s.config.label} ({s.round_id})" for s in found.values()) or "none"
    raise click.ClickException(f"no round {key!r} in the export (rounds: {known})")


def describe(state: RoundState) -> list[str]:
    """The round as the verified log leaves it: phase, consent, decision."""
    config = state.config
    out = [
        f"round {config.label} ({state.round_id}): quarter {config.quarter}, rule {config.rule}",
        f"phase: {state.phase.value}",
    ]
    if state.consent is not None:
        consent = state.consent
        out.append(
            f"consent: {consent.result} ({consent.participants} stances; objections: "
            f"{len(consent.objections)}; lines kept: {len(consent.kept)})"
        )
        if consent.result == "ballot":
            out.append(
                f"ballot: {len(consent.ballot_projects)} projects open, "
                f"{consent.budget_eur} cents and {consent.budget_hours} min left"
            )
    if state.phase is Phase.BALLOT:
        out.append(
            f"ballot open until {timestamp(config.ballot_close)}: "
            f"{len(state.ballots)} ballots cast, hidden until it closes"
        )
    if state.decision_sha256 is not None:
        out.append(f"decision ({state.decision_sha256}):")
        out.extend(f"  {ln.project_id}  {ln.eur} cents  {ln.hours} min" for ln in state.decision)
    return out


def recount(state: RoundState) -> tuple[list[str], list[str]]:
    """The round's stated outcomes recomputed from its acts: what was recomputed, and
    where the statements differ."""
    done: list[str] = []
    differs: list[str] = []
    if state.consent is not None:
        done.append(f"the consent outcome from {len(state.stances)} stances")
        if consent_outcome(state).document() != state.consent.document():
            differs.append("the consent outcome does not follow from the stances")
    closed = state.consent is not None and state.consent.result == "ballot"
    if closed and state.phase in BALLOT_CLOSED:
        try:
            body, _ = ballot_outcome(state, state.reveals)
        except RoundError as exc:
            differs.append(f"the revealed ballots cannot be tallied: {exc.detail}")
        else:
            again = body["tally_sha256"]
            done.append(f"the tally of {len(state.reveals)} revealed ballots: {again}")
            if again != state.tally_sha256:
                differs.append(f"tally_sha256: stated {state.tally_sha256}, recomputed {again}")
            stated = None if state.phase is Phase.UNDECIDED else lines_document(state.decision)
            if body["decision"] != stated:
                differs.append(f"decision: stated {stated}, recomputed {body['decision']}")
    if state.decision_sha256 is not None:
        again = decision_sha256(state.round_id, state.decision, state.tally_sha256)
        done.append(f"decision_sha256 {again}")
        if again != state.decision_sha256:
            differs.append(f"decision_sha256: stated {state.decision_sha256}, recomputed {again}")
    return done, differs


def refused_close(
    state: RoundState, published: Sequence[dict[str, Any]], origin: str
) -> str | None:
    """Why the export's ballot close is not part of the verified round: what the round's
    rules say of it, checked on the ballots before it (its signature aside)."""
    if state.phase is not Phase.BALLOT or not published:
        return None
    try:
        apply_entry(state, parse_entry_payload(origin, published[-1]))
    except RoundError as exc:
        return (
            "the export's ballot close does not follow from the ballots: "
            f"{exc.detail} ({exc.field})"
        )
    return "the export's ballot close follows from the ballots, but the verifier refused it"


def money_side(state: RoundState) -> PbFile:
    """The ballot's euros as a Pabulib file: projects asking euros at their asks, every
    revealed ballot (empty when it approved hours only), the euros left; hours, minimums
    and conflicts of interest are not in the format."""
    data = round_outcomes.tally_input(state, state.reveals)
    projects = tuple(TallyProject(p.project_id, p.cost_eur, 0) for p in data.projects if p.cost_eur)
    euros = {p.project_id for p in projects}
    money = TallyInput(
        projects,
        {voter: approved & euros for voter, approved in data.ballots.items()},
        data.budget_eur,
        0,
        data.parameters,
        {},
    )
    config = state.config
    meta = {
        "description": f"Round {config.label}: the ballot's euros (hours and minimums left out)",
        "unit": config.label,
        "instance": str(state.round_id),
        "currency": "EUR",
        "comment": f"amounts in euro cents; tallied with {config.rule}, tie seed {config.seed}",
        "date_begin": f"{config.consent_close:%d.%m.%Y}",
        "date_end": f"{config.ballot_close:%d.%m.%Y}",
    }
    return pb_from_tally_input(money, meta)


def _header_key(first: bytes) -> str:
    try:
        key = json.loads(first)["log_key"]
    except (ValueError, RecursionError, KeyError, TypeError):
        key = None
    if not isinstance(key, str):
        raise click.UsageError("the export's first line names no log key: give --log-key")
    return key


@click.command("tally")
@click.argument("export", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--round", "round_key", required=True, help="The round's label or id.")
@click.option(
    "--log-key",
    default=None,
    help="The log's verifier key (C2SP vkey), from a trusted source. Without it, the key "
    "the export's header names: the round is recounted, but the export is not shown to "
    "be the territory's log.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=default_jobs,
    show_default="the number of cores minus one",
    help="Processes checking signatures beside the ledger fold; 0 checks them inline.",
)
@click.option(
    "--pb",
    "pb_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write the ballot's money side as a Pabulib .pb file (amounts in cents).",
)
def tally_round(
    export: str, round_key: str, log_key: str | None, jobs: int, pb_file: Path | None
) -> None:
    """Recount a round from an export alone: verify the export, fold the round's signed
    steps, recompute its consent outcome, its tally and its decision, and compare them
    with what the round's steps state. Prints "match", or the differences and every
    verifier finding about the round (exit 1)."""
    with nullcontext(sys.stdin.buffer) if export == "-" else Path(export).open("rb") as stream:
        first = stream.readline()
        if log_key is None:
            click.echo(
                "no --log-key: checked against the key the export names, so the round is "
                "recounted but the export is not shown to be the territory's log",
                err=True,
            )
        verifier = Verifier(_log_key(log_key if log_key is not None else _header_key(first)))
        seen = RoundLines()
        lines = seen.watch(itertools.chain([first], stream))
        findings = run_verifier(verifier, lines, jobs=jobs)
    state = find_round(verifier.rounds, round_key)
    consent = state.consent
    if pb_file is not None and not (
        consent is not None and consent.result == "ballot" and state.phase in BALLOT_CLOSED
    ):
        raise click.UsageError(f"round {state.config.label} has no closed ballot to write as .pb")
    for line in describe(state):
        click.echo(line)
    done, differs = recount(state)
    for line in done:
        click.echo(f"recomputed: {line}")
    origin = verifier.origin or verifier.log_key.name
    refused = refused_close(state, seen.closes.get(str(state.round_id), []), origin)
    if refused is not None:
        differs.append(refused)
    mine = seen.lines_of(state.round_id)
    about = [f for f in findings if f.line in mine or f.kind in EXPORT_WIDE]
    _report(about, len(findings) - len(about))
    for line in differs:
        click.echo(f"differs: {line}")
    if pb_file is not None:
        pb = money_side(state)
        pb_file.write_bytes(format_pb(pb).encode())
        click.echo(
            f"wrote {pb_file}: {len(pb.projects.rows)} projects, {len(pb.votes.rows)} ballots",
            err=True,
        )
    if differs or about:
        click.echo("mismatch")
        sys.exit(1)
    click.echo("match" if done else "nothing to recompute yet")


def _report(about: Sequence[Finding], others: int) -> None:
    for finding in about:
        click.echo(f"finding: {finding}")
    if others:
        click.echo(
            f"{others} other findings in the export, about other things: see mutual verify",
            err=True,
        )
