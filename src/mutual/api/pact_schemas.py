"""Request and response bodies of the territorial pact."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args
from uuid import UUID

from pydantic import Field, StringConstraints

from mutual.api.schemas import _In, _Out
from mutual.core.pact import LANGUAGES, TEXT_MAX, TITLE_MAX

Language = Literal["fr", "en", "de", "it", "es", "pt", "ar", "tr"]
assert set(get_args(Language)) == LANGUAGES  # one list of languages, the core's


class PactVersionIn(_In):
    id: UUID | None = Field(default=None, description="The version's id: choose it to retry.")
    title: Annotated[
        str, StringConstraints(min_length=1, max_length=TITLE_MAX, strip_whitespace=True)
    ]
    text: Annotated[
        str, StringConstraints(min_length=1, max_length=TEXT_MAX, strip_whitespace=True)
    ]
    languages: list[Language] = Field(min_length=1, description="The languages of the text.")


class NewcomerIn(_In):
    display_name: Annotated[
        str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)
    ]
    email: Annotated[
        str,
        StringConstraints(
            min_length=3, max_length=200, strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+$"
        ),
    ] = Field(description="Where the acceptance's invitation is sent (coordinators see it).")


class PactSignatureIn(_In):
    version_id: UUID | None = Field(
        default=None, description="The version signed (default: the current one)."
    )
    on_behalf_of: UUID | None = Field(
        default=None,
        description="An association the caller acts for, signing as an organisation.",
    )


class PactInvitationIn(_In):
    member_id: UUID | None = Field(default=None, description="The member invited to sign.")
    newcomer: NewcomerIn | None = Field(
        default=None,
        description="Someone not a member yet (instead of member_id): an application is "
        "made in their name, which a coordinator accepts as any other.",
    )


class PactVersionOut(_Out):
    id: UUID
    number: int
    title: str
    text: str
    languages: list[str]
    published_at: datetime
    log_index: int


class PactInviterOut(_Out):
    member_id: UUID
    display_name: str | None = Field(description="Null once their profile is erased.")


class PactMineOut(_Out):
    signed_current: bool
    signed_before: bool = Field(description="Signed some version (the current one or older).")
    asked_to_sign: bool = Field(
        description="Signed an older version and not the current one: asked to sign it."
    )
    invited_by: list[PactInviterOut] = Field(description="Who invited the caller, in order.")
    quarter: str
    invited_this_quarter: list[UUID] = Field(
        description="Whom the caller invited this quarter (the pact asks at least one)."
    )


class PactOut(_Out):
    current: PactVersionOut | None
    versions: list[PactVersionOut] = Field(description="Every version, oldest first.")
    signatories: int = Field(description="Who signed some version.")
    signatories_current: int
    mine: PactMineOut


class PactEntryOut(_Out):
    id: UUID
    action: str
    log_index: int


class PactSignatoryOut(_Out):
    signatory: UUID
    invited: list[UUID] = Field(description="Whom they invited during the quarter.")


class PactQuarterOut(_Out):
    quarter: str
    signed_in_quarter: int = Field(description="Signatures dated in the quarter (signatories).")
    signatories_at_end: int
    invited_at_least_one: int = Field(description="Signatories who invited someone in it.")
    signatories: list[PactSignatoryOut] = Field(
        description="Each signatory by the quarter's end (and any who invited in it), with "
        "whom they invited in it."
    )
