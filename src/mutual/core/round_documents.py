"""The bodies of a round's entries: its parameters (the draft), a project's submission,
the manifest frozen at the snapshot, allocation lines and stances, each as a value with
its canonical document and a parser that refuses anything not in that form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any
from uuid import UUID

from mutual.core.errors import LedgerError
from mutual.core.groups import Envelope, Roll, parse_envelope, parse_roll
from mutual.core.quarters import Quarter, parse_quarter
from mutual.core.round_entries import (
    RoundError,
    expect_fields,
    parse_int,
    parse_timestamp,
    parse_uuid,
    sha256_hex,
    timestamp,
)
from mutual.core.tally import Rule


class Stance(StrEnum):
    CONSENT = "consent"
    STAND_ASIDE = "stand_aside"
    OBJECT = "object"


# --- The round's parameters and its frozen manifest ----------------------------------


@dataclass(frozen=True, slots=True)
class RoundConfig:
    label: str
    quarter: Quarter
    rule: Rule
    seed: str
    share_step: Fraction | None
    quorum: int
    proposals_close: datetime
    consent_close: datetime
    ballot_close: datetime
    max_amendments: int
    approvals_min: int
    approvals_max: int | None
    # Who votes, frozen at the snapshot: absent from rounds drafted before groups existed
    # (every active member, as then), so their drafts keep their bytes.
    roll: Roll | None = None
    # A neighbourhood round's group and its own budget (absent: the territory's round).
    neighbourhood: Envelope | None = None

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "label": self.label,
            "quarter": str(self.quarter),
            "rule": self.rule.value,
            "seed": self.seed,
            "share_step": None if self.share_step is None else _fraction(self.share_step),
            "quorum": self.quorum,
            "proposals_close": timestamp(self.proposals_close),
            "consent_close": timestamp(self.consent_close),
            "ballot_close": timestamp(self.ballot_close),
            "max_amendments": self.max_amendments,
            "approvals_min": self.approvals_min,
            "approvals_max": self.approvals_max,
        }
        if self.roll is not None:
            doc["roll"] = self.roll.document()
        if self.neighbourhood is not None:
            doc["neighbourhood"] = self.neighbourhood.document()
        return doc


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def parse_config(body: Mapping[str, Any]) -> RoundConfig:
    optional = {"roll", "neighbourhood"} & set(body)
    doc = expect_fields(dict(body), set(CONFIG_FIELDS) | optional, "body")
    try:
        quarter = parse_quarter(doc["quarter"])
    except (LedgerError, TypeError, ValueError) as exc:
        raise RoundError("a quarter like 2027-Q1", field="quarter") from exc
    try:
        rule = Rule(doc["rule"])
    except ValueError as exc:
        raise RoundError(f"rule is one of {[r.value for r in Rule]}", field="rule") from exc
    seed = doc["seed"]
    if (
        not isinstance(seed, str)
        or len(seed) != 64
        or any(c not in "0123456789abcdef" for c in seed)
    ):
        raise RoundError("the tie seed is 64 lowercase hex digits", field="seed")
    step = doc["share_step"]
    share_step: Fraction | None = None
    if step is not None:
        try:
            share_step = Fraction(step) if isinstance(step, str) else None
        except (ValueError, ZeroDivisionError):
            share_step = None
        if share_step is None or share_step <= 0 or _fraction(share_step) != step:
            raise RoundError(
                "share_step is a positive fraction 'p/q' in lowest terms", field="share_step"
            )
    if rule in (Rule.MES_ADD1, Rule.MES_ADD1_GREEDY) and share_step is None:
        raise RoundError("Add1 completion needs a share_step", field="share_step")
    label = doc["label"]
    if not isinstance(label, str) or not 1 <= len(label) <= 64:
        raise RoundError("a label of 1 to 64 characters", field="label")
    approvals_max = doc["approvals_max"]
    config = RoundConfig(
        label,
        quarter,
        rule,
        seed,
        share_step,
        parse_int(doc["quorum"], "quorum", minimum=1),
        parse_timestamp(doc["proposals_close"], "proposals_close"),
        parse_timestamp(doc["consent_close"], "consent_close"),
        parse_timestamp(doc["ballot_close"], "ballot_close"),
        parse_int(doc["max_amendments"], "max_amendments"),
        parse_int(doc["approvals_min"], "approvals_min"),
        None if approvals_max is None else parse_int(approvals_max, "approvals_max", minimum=1),
        parse_roll(doc["roll"]) if "roll" in doc else None,
        parse_envelope(doc["neighbourhood"]) if "neighbourhood" in doc else None,
    )
    if not config.proposals_close < config.consent_close < config.ballot_close:
        raise RoundError(
            "deadlines follow each other: proposals, consent, ballot", field="deadlines"
        )
    if approvals_max is not None and approvals_max < config.approvals_min:
        raise RoundError("approvals_max is at least approvals_min", field="approvals_max")
    if config.document() != doc:
        raise RoundError("the parameters are not in their canonical form", field="body")
    return config


CONFIG_FIELDS = (
    "label",
    "quarter",
    "rule",
    "seed",
    "share_step",
    "quorum",
    "proposals_close",
    "consent_close",
    "ballot_close",
    "max_amendments",
    "approvals_min",
    "approvals_max",
)


@dataclass(frozen=True, slots=True)
class Submission:
    """A project's ask in a round: euros (cents) and hours (minutes), each with a minimum
    that still makes sense (``None``: all or nothing), and who has a conflict of interest."""

    project_id: UUID
    group: str
    lead: UUID
    ask_eur: int
    ask_hours: int
    min_eur: int | None
    min_hours: int | None
    conflicts: tuple[UUID, ...]

    def document(self) -> dict[str, Any]:
        return {
            "project": str(self.project_id),
            "group": self.group,
            "lead": str(self.lead),
            "ask_eur": self.ask_eur,
            "ask_hours": self.ask_hours,
            "min_eur": self.min_eur,
            "min_hours": self.min_hours,
            "conflicts": [str(c) for c in self.conflicts],
        }

    @property
    def minimum(self) -> tuple[int, int]:
        if self.min_eur is None and self.min_hours is None:
            return self.ask_eur, self.ask_hours
        return (
            self.ask_eur if self.min_eur is None else self.min_eur,
            self.ask_hours if self.min_hours is None else self.min_hours,
        )


def parse_submission(body: Mapping[str, Any]) -> Submission:
    doc = expect_fields(dict(body), set(SUBMISSION_FIELDS), "body")
    group = doc["group"]
    if not isinstance(group, str) or not 1 <= len(group) <= 200:
        raise RoundError("the proposing group's name, 1 to 200 characters", field="group")
    conflicts = doc["conflicts"]
    if not isinstance(conflicts, list):
        raise RoundError("a list of member ids", field="conflicts")
    parsed = tuple(parse_uuid(c, "conflicts") for c in conflicts)
    if list(parsed) != sorted(set(parsed)):
        raise RoundError("conflicts are sorted and distinct", field="conflicts")

    def optional(name: str) -> int | None:
        return None if doc[name] is None else parse_int(doc[name], name)

    sub = Submission(
        parse_uuid(doc["project"], "project"),
        group,
        parse_uuid(doc["lead"], "lead"),
        parse_int(doc["ask_eur"], "ask_eur"),
        parse_int(doc["ask_hours"], "ask_hours"),
        optional("min_eur"),
        optional("min_hours"),
        parsed,
    )
    if sub.ask_eur == 0 and sub.ask_hours == 0:
        raise RoundError("a project asks for euros, hours or both", field="ask_eur")
    min_eur, min_hours = sub.minimum
    if not (min_eur <= sub.ask_eur and min_hours <= sub.ask_hours) or min_eur + min_hours == 0:
        raise RoundError("the minimum is within the ask and asks for something", field="min_eur")
    return sub


SUBMISSION_FIELDS = (
    "project",
    "group",
    "lead",
    "ask_eur",
    "ask_hours",
    "min_eur",
    "min_hours",
    "conflicts",
)


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the round decides over, frozen at the snapshot: nothing in it changes after."""

    voters: tuple[UUID, ...]
    budget_eur: int
    budget_hours: int
    projects: tuple[Submission, ...]
    tree_size: int
    root: str

    def document(self) -> dict[str, Any]:
        return {
            "voters": [str(v) for v in self.voters],
            "budget_eur": self.budget_eur,
            "budget_hours": self.budget_hours,
            "projects": [p.document() for p in self.projects],
            "checkpoint": {"tree_size": self.tree_size, "root": self.root},
        }

    @property
    def sha256(self) -> str:
        return sha256_hex(self.document())

    def project(self, project_id: UUID) -> Submission | None:
        return next((p for p in self.projects if p.project_id == project_id), None)

    def conflicts(self) -> dict[str, frozenset[str]]:
        """Each voter's conflicts: the projects they lead or declared a conflict for."""
        found: dict[str, set[str]] = {}
        for project in self.projects:
            for member in {project.lead, *project.conflicts}:
                found.setdefault(str(member), set()).add(str(project.project_id))
        return {voter: frozenset(pids) for voter, pids in found.items()}


def parse_manifest(doc: object) -> Manifest:
    m = expect_fields(
        doc, {"voters", "budget_eur", "budget_hours", "projects", "checkpoint"}, "manifest"
    )
    checkpoint = expect_fields(m["checkpoint"], {"tree_size", "root"}, "manifest.checkpoint")
    if not isinstance(m["voters"], list) or not isinstance(m["projects"], list):
        raise RoundError("voters and projects are lists", field="manifest")
    voters = tuple(parse_uuid(v, "manifest.voters") for v in m["voters"])
    if not voters or list(voters) != sorted(set(voters)):
        raise RoundError("the roll is sorted, distinct and not empty", field="manifest.voters")
    projects = tuple(parse_submission(p) for p in m["projects"])
    if not projects or [p.project_id for p in projects] != sorted({p.project_id for p in projects}):
        raise RoundError("projects are sorted by id and distinct", field="manifest.projects")
    if not isinstance(checkpoint["root"], str):
        raise RoundError("the checkpoint's root is base64 text", field="manifest.checkpoint")
    return Manifest(
        voters,
        parse_int(m["budget_eur"], "manifest.budget_eur"),
        parse_int(m["budget_hours"], "manifest.budget_hours"),
        projects,
        parse_int(checkpoint["tree_size"], "manifest.checkpoint.tree_size"),
        checkpoint["root"],
    )


# --- Allocation lines ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Line:
    """What one project gets: EUR cents and minutes."""

    project_id: UUID
    eur: int
    hours: int

    def document(self) -> dict[str, Any]:
        return {"project": str(self.project_id), "eur": self.eur, "hours": self.hours}


def parse_lines(doc: object, field: str) -> tuple[Line, ...]:
    if not isinstance(doc, list):
        raise RoundError("a list of lines", field=field)
    lines = tuple(
        Line(
            parse_uuid(
                expect_fields(d, {"project", "eur", "hours"}, f"{field}[{i}]")["project"], field
            ),
            parse_int(d["eur"], f"{field}[{i}].eur"),
            parse_int(d["hours"], f"{field}[{i}].hours"),
        )
        for i, d in enumerate(doc)
    )
    if [ln.project_id for ln in lines] != sorted({ln.project_id for ln in lines}):
        raise RoundError("lines are sorted by project and name each project once", field=field)
    return lines


def lines_document(lines: Sequence[Line]) -> list[dict[str, Any]]:
    return [ln.document() for ln in sorted(lines)]
