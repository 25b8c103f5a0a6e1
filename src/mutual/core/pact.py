"""The territorial pact and its charter: versions published, signatures, invitations, each
a log entry signed by the log key, so an auditor can count who signed which version and
who invited whom, every quarter.

Three actions, one entry type (``pact``):

- ``version_published``: a coordinator publishes the pact's text; the entry's id is the
  version's id and its body numbers it (1, 2, ... in log order), with its title, text and
  languages. The text is the territory's, not a person's: it belongs in the leaf.
- ``signed``: a signatory (a resident's principal id, or an organisation's id with the
  member who signed for it as ``by``) signs one published version, once; ``invited_by``
  names who invited them, and must be an invitation the log holds for them.
- ``invited``: a signatory (of any version) invites another member; once per pair. The
  seeds ask each signatory to invite at least one other every three months, so
  invitations are counted per calendar quarter of the log's time.

Every entry holds ids and nothing else about a person (pseudonymous as every leaf).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from mutual.core.errors import LedgerError
from mutual.core.quarters import Quarter, quarter_of
from mutual.core.round_entries import RoundError, expect_fields, parse_timestamp, timestamp
from mutual.core.round_entries import parse_uuid as parse_round_uuid


class PactError(LedgerError):
    """A pact entry not in its form."""

    code = "invalid_pact"


class PactRule(PactError):
    """A pact entry the pact's state does not allow (a version that is not published,
    a second signature of one version, an invitation by someone who has not signed...)."""

    code = "pact_rule"


T = TypeVar("T")


def _as_pact_error(read: Callable[[], T], field: str) -> T:
    """A round-entry helper's answer, its refusal renamed to this entry type's error."""
    try:
        return read()
    except RoundError as exc:
        raise PactError(exc.detail, field=field) from exc


def _uuid(value: object, field: str) -> UUID:
    return _as_pact_error(lambda: parse_round_uuid(value, field), field)


def _optional_uuid(value: object, field: str) -> UUID | None:
    return None if value is None else _uuid(value, field)


class PactAction(StrEnum):
    VERSION_PUBLISHED = "version_published"
    SIGNED = "signed"
    INVITED = "invited"


class SignatoryKind(StrEnum):
    """The seeds' pact is signed by residents and by organisations (associations,
    companies, public services)."""

    RESIDENT = "resident"
    ORGANISATION = "organisation"


BODY_FIELDS: Mapping[PactAction, frozenset[str]] = {
    PactAction.VERSION_PUBLISHED: frozenset({"number", "title", "text", "languages"}),
    PactAction.SIGNED: frozenset({"version", "signatory", "signatory_kind", "invited_by"}),
    PactAction.INVITED: frozenset({"invitee"}),
}
LANGUAGES = frozenset({"fr", "en", "de", "it", "es", "pt", "ar", "tr"})
TITLE_MAX = 200
TEXT_MAX = 20_000


@dataclass(frozen=True, slots=True)
class PactEntry:
    """One pact entry as the log holds it. ``by`` is who acted: the coordinator who
    published, the member who signed (for themselves or their organisation), the
    signatory who invited."""

    id: UUID
    action: PactAction
    by: UUID
    at: datetime
    body: Mapping[str, Any]


def pact_payload(origin: str, entry: PactEntry) -> dict[str, Any]:
    """The document the log key signs for a pact entry."""
    return {
        "log": origin,
        "id": str(entry.id),
        "action": entry.action.value,
        "by": str(entry.by),
        "at": timestamp(entry.at),
        "body": dict(entry.body),
    }


def parse_pact_payload(origin: str, payload: Mapping[str, Any]) -> PactEntry:
    """A pact entry from its signed document, refused unless in the form this log signs."""
    doc = _as_pact_error(
        lambda: expect_fields(
            dict(payload), {"log", "id", "action", "by", "at", "body"}, "payload"
        ),
        "payload",
    )
    try:
        action = PactAction(doc["action"])
    except ValueError as exc:
        raise PactError("unknown pact action", field="action") from exc
    body = _as_pact_error(
        lambda: expect_fields(doc["body"], set(BODY_FIELDS[action]), "body"), "body"
    )
    entry = PactEntry(
        _uuid(doc["id"], "id"),
        action,
        _uuid(doc["by"], "by"),
        _as_pact_error(lambda: parse_timestamp(doc["at"], "at"), "at"),
        body,
    )
    check_body(entry)
    if pact_payload(origin, entry) != doc:
        raise PactError("the payload is not in the form this log signs", field="payload")
    return entry


def check_body(entry: PactEntry) -> None:
    """The body's form, whatever the state (the writer and the verifier both call it)."""
    body = entry.body
    if set(body) != BODY_FIELDS[entry.action]:
        raise PactError(f"expected the fields {sorted(BODY_FIELDS[entry.action])}", field="body")
    match entry.action:
        case PactAction.VERSION_PUBLISHED:
            number = body["number"]
            if type(number) is not int or number < 1:
                raise PactError("a version's number is 1 or more", field="number")
            _text(body["title"], "title", TITLE_MAX)
            _text(body["text"], "text", TEXT_MAX)
            languages = body["languages"]
            if (
                not isinstance(languages, list)
                or not languages
                or languages != sorted(set(languages))
                or not set(languages) <= LANGUAGES
            ):
                raise PactError(
                    f"languages: a sorted list without repeats, from {sorted(LANGUAGES)}",
                    field="languages",
                )
        case PactAction.SIGNED:
            _uuid(body["version"], "version")
            _uuid(body["signatory"], "signatory")
            _optional_uuid(body["invited_by"], "invited_by")
            try:
                kind = SignatoryKind(body["signatory_kind"])
            except ValueError as exc:
                raise PactError(
                    f"signatory_kind is one of {[k.value for k in SignatoryKind]}",
                    field="signatory_kind",
                ) from exc
            if kind is SignatoryKind.RESIDENT and body["signatory"] != str(entry.by):
                raise PactError("a resident signs for themselves", field="signatory")
        case PactAction.INVITED:
            if _uuid(body["invitee"], "invitee") == entry.by:
                raise PactError("a signatory invites someone else", field="invitee")


def _text(value: object, field: str, most: int) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= most or value != value.strip():
        raise PactError(f"1 to {most} characters, without surrounding spaces", field=field)


# --- The pact's state -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Version:
    id: UUID
    number: int
    title: str
    text: str
    languages: tuple[str, ...]
    published_at: datetime
    published_by: UUID
    log_index: int


@dataclass(frozen=True, slots=True)
class Signature:
    version: UUID
    signatory: UUID
    kind: SignatoryKind
    by: UUID
    invited_by: UUID | None
    at: datetime
    log_index: int


@dataclass(frozen=True, slots=True)
class Invitation:
    inviter: UUID
    invitee: UUID
    at: datetime
    log_index: int

    @property
    def quarter(self) -> Quarter:
        return quarter_of(self.at.date())


@dataclass(slots=True)
class Pact:
    """Every pact entry folded so far (the fold's ``pact`` part)."""

    versions: list[Version] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)

    def copy(self) -> Pact:
        return Pact(list(self.versions), list(self.signatures), list(self.invitations))

    @property
    def current(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def version(self, version_id: UUID) -> Version | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def signature(self, version_id: UUID, signatory: UUID) -> Signature | None:
        return next(
            (s for s in self.signatures if s.version == version_id and s.signatory == signatory),
            None,
        )

    def has_signed(self, signatory: UUID) -> bool:
        return any(s.signatory == signatory for s in self.signatures)

    def invitations_of(self, invitee: UUID) -> list[Invitation]:
        return [i for i in self.invitations if i.invitee == invitee]

    def signatories(self, version_id: UUID | None = None) -> set[UUID]:
        return {s.signatory for s in self.signatures if version_id in (None, s.version)}

    def to_sign_again(self) -> set[UUID]:
        """Who signed an older version and not the current one: asked to sign it."""
        current = self.current
        if current is None:
            return set()
        return self.signatories() - self.signatories(current.id)


@dataclass(frozen=True, slots=True)
class QuarterFigures:
    """A quarter's pact, as the coordination group reads it: who signed (a signature
    dated in the quarter), who had signed by its end, and whom each signatory invited
    during it (the seeds' "invite at least one other citizen every three months")."""

    quarter: Quarter
    signed_in_quarter: tuple[UUID, ...]
    signatories_at_end: tuple[UUID, ...]
    invitations: Mapping[UUID, tuple[UUID, ...]]


def quarter_figures(pact: Pact, quarter: Quarter) -> QuarterFigures:
    def within(at: datetime) -> bool:
        return quarter_of(at.date()) == quarter

    at_end = {s.signatory for s in pact.signatures if quarter_of(s.at.date()) <= quarter}
    invited: dict[UUID, list[UUID]] = {who: [] for who in at_end}
    for i in pact.invitations:
        if within(i.at):
            invited.setdefault(i.inviter, []).append(i.invitee)
    return QuarterFigures(
        quarter,
        tuple(sorted({s.signatory for s in pact.signatures if within(s.at)})),
        tuple(sorted(at_end)),
        {who: tuple(invitees) for who, invitees in sorted(invited.items())},
    )


def apply_pact_entry(pact: Pact, entry: PactEntry, *, log_index: int) -> PactEntry:
    """Fold ``entry`` into ``pact``, or raise the rule it breaks (``pact`` unchanged)."""
    check_body(entry)
    body = entry.body
    match entry.action:
        case PactAction.VERSION_PUBLISHED:
            if pact.version(entry.id) is not None:
                raise PactRule("this version exists", field="id")
            if body["number"] != len(pact.versions) + 1:
                raise PactRule(
                    f"the next version is number {len(pact.versions) + 1}", field="number"
                )
            pact.versions.append(
                Version(
                    entry.id,
                    body["number"],
                    body["title"],
                    body["text"],
                    tuple(body["languages"]),
                    entry.at,
                    entry.by,
                    log_index,
                )
            )
        case PactAction.SIGNED:
            version = UUID(body["version"])
            signatory = UUID(body["signatory"])
            if pact.version(version) is None:
                raise PactRule("only a published version is signed", field="version")
            if pact.signature(version, signatory) is not None:
                raise PactRule("this signatory signed this version already", field="version")
            invited_by = None if body["invited_by"] is None else UUID(body["invited_by"])
            if invited_by is not None and not any(
                i.inviter == invited_by for i in pact.invitations_of(signatory)
            ):
                raise PactRule("no such invitation for this signatory", field="invited_by")
            pact.signatures.append(
                Signature(
                    version,
                    signatory,
                    SignatoryKind(body["signatory_kind"]),
                    entry.by,
                    invited_by,
                    entry.at,
                    log_index,
                )
            )
        case PactAction.INVITED:
            invitee = UUID(body["invitee"])
            if not pact.has_signed(entry.by):
                raise PactRule("an invitation names a signatory as its inviter", field="by")
            if any(i.inviter == entry.by for i in pact.invitations_of(invitee)):
                raise PactRule("this signatory invited this person already", field="invitee")
            if pact.has_signed(invitee):
                raise PactRule("this person has signed the pact already", field="invitee")
            pact.invitations.append(Invitation(entry.by, invitee, entry.at, log_index))
    return entry
