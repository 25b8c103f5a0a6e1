"""``/pact``: the territorial pact and charter, its versions, who signed which, and who
invited whom (each a log entry signed by the log key on the caller's request)."""

from __future__ import annotations

from litestar import get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody, Parameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pact_schemas import (
    PactEntryOut,
    PactInvitationIn,
    PactInviterOut,
    PactMineOut,
    PactOut,
    PactQuarterOut,
    PactSignatoryOut,
    PactSignatureIn,
    PactVersionIn,
    PactVersionOut,
)
from mutual.api.problem_codes import CLIENT_ID
from mutual.api.problems import problem_responses
from mutual.core.pact import PactEntry, Version
from mutual.core.quarters import parse_quarter
from mutual.store import timebank as member_store
from mutual.usecases import pact as usecase
from mutual.usecases.errors import InvalidRequest

RULES = ("invalid_pact", "pact_rule")


def _version(v: Version) -> PactVersionOut:
    return PactVersionOut(
        id=v.id,
        number=v.number,
        title=v.title,
        text=v.text,
        languages=list(v.languages),
        published_at=v.published_at,
        log_index=v.log_index,
    )


def _entry(entry: PactEntry, index: int) -> PactEntryOut:
    return PactEntryOut(id=entry.id, action=entry.action.value, log_index=index)


@get(
    "/pact",
    operation_id="getPact",
    responses=problem_responses(),
    summary="The pact's current version and its history, how many signed, and where the "
    "caller stands: signed, asked to sign a new version, invited by whom, whom they "
    "invited this quarter",
)
async def get_pact(state: State, principal: CurrentPrincipal) -> PactOut:
    rt = runtime_of(state)
    pact, mine = await usecase.mine(rt, principal)
    async with rt.db.reading() as conn:
        inviters = [(m, await member_store.get_member(conn, m)) for m in mine.invited_by]
    current = pact.current
    return PactOut(
        current=None if current is None else _version(current),
        versions=[_version(v) for v in pact.versions],
        signatories=len(pact.signatories()),
        signatories_current=0 if current is None else len(pact.signatories(current.id)),
        mine=PactMineOut(
            signed_current=mine.signed_current,
            signed_before=mine.signed_before,
            asked_to_sign=mine.signed_before and not mine.signed_current,
            invited_by=[
                PactInviterOut(
                    member_id=m, display_name=None if record is None else record.display_name
                )
                for m, record in inviters
            ],
            quarter=str(mine.quarter),
            invited_this_quarter=list(mine.invited_this_quarter),
        ),
    )


@post(
    "/pact/versions",
    operation_id="publishPactVersion",
    responses=problem_responses(*CLIENT_ID, *RULES),
    summary="Publish a new version of the pact (coordinators): whoever signed an older "
    "one is asked to sign it",
    status_code=201,
)
async def publish_version(
    data: JSONBody[PactVersionIn], state: State, principal: CurrentPrincipal
) -> PactVersionOut:
    version = await usecase.publish_version(
        runtime_of(state), principal, data.title, data.text, data.languages, version_id=data.id
    )
    return _version(version)


@post(
    "/pact/signatures",
    operation_id="signPact",
    responses=problem_responses("not_found", "not_custodian", *RULES),
    summary="Sign a version of the pact (the current one by default), for oneself or for "
    "an association one acts for; whoever invited the signatory is named in the entry",
    status_code=201,
)
async def sign(
    data: JSONBody[PactSignatureIn], state: State, principal: CurrentPrincipal
) -> PactEntryOut:
    entry, index = await usecase.sign(
        runtime_of(state), principal, data.version_id, on_behalf_of=data.on_behalf_of
    )
    return _entry(entry, index)


@post(
    "/pact/invitations",
    operation_id="inviteToPact",
    responses=problem_responses("not_found", *RULES),
    summary="A signatory invites another member, or someone not a member yet, to sign "
    "the pact (the pact asks each signatory to invite at least one other every three "
    "months)",
    status_code=201,
)
async def invite(
    data: JSONBody[PactInvitationIn], state: State, principal: CurrentPrincipal
) -> PactEntryOut:
    rt = runtime_of(state)
    if (data.member_id is None) == (data.newcomer is None):
        raise InvalidRequest("name a member_id or a newcomer, not both", field="member_id")
    if data.newcomer is not None:
        new = data.newcomer
        entry, index = await usecase.invite_newcomer(rt, principal, new.display_name, new.email)
    else:
        assert data.member_id is not None
        entry, index = await usecase.invite(rt, principal, data.member_id)
    return _entry(entry, index)


@get(
    "/pact/signatories",
    operation_id="listPactSignatories",
    responses=problem_responses("invalid_quarter"),
    summary="A quarter's signatories and whom each invited in it (coordinators, auditors)",
)
async def signatories(
    state: State,
    principal: CurrentPrincipal,
    quarter: str | None = Parameter(
        default=None, description="Like 2027-Q1; default: the current quarter."
    ),
) -> PactQuarterOut:
    figures = await usecase.signatories(
        runtime_of(state), principal, None if quarter is None else parse_quarter(quarter)
    )
    return PactQuarterOut(
        quarter=str(figures.quarter),
        signed_in_quarter=len(figures.signed_in_quarter),
        signatories_at_end=len(figures.signatories_at_end),
        invited_at_least_one=sum(1 for invited in figures.invitations.values() if invited),
        signatories=[
            PactSignatoryOut(signatory=who, invited=list(invited))
            for who, invited in figures.invitations.items()
        ],
    )


ROUTES: list[HTTPRouteHandler] = [get_pact, publish_version, sign, invite, signatories]
