"""``/territory``: the territory's own lists (categories, neighbourhoods, well-being
criteria), which coordinators edit; ``/intake/wellbeing``, where a survey tool records
well-being scores; ``/reports/wellbeing``, their aggregates."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.downloads import csv_response
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problems import problem_responses
from mutual.api.territory_schemas import (
    ListEntryChangeIn,
    ListEntryIn,
    ListEntryOut,
    ListEntryPage,
    QuarterlyPackOut,
    WellbeingIn,
    WellbeingOut,
    WellbeingReportOut,
)
from mutual.core.territory_lists import ListEntry, ListKind
from mutual.usecases import territory_lists as usecase
from mutual.usecases import wellbeing
from mutual.usecases.pagination import page_in_memory
from mutual.usecases.quarterly_pack import quarterly_pack

# Each list: its path and the word its operation ids use.
LISTS = {
    ListKind.CATEGORY: ("categories", "Categories", "Category"),
    ListKind.NEIGHBOURHOOD: ("neighbourhoods", "Neighbourhoods", "Neighbourhood"),
    ListKind.WELLBEING_CRITERION: ("wellbeing-criteria", "WellbeingCriteria", "WellbeingCriterion"),
}


def entry_out(entry: ListEntry) -> ListEntryOut:
    return ListEntryOut(
        code=entry.code,
        label_fr=entry.label_fr,
        label_en=entry.label_en,
        created_at=entry.created_at,
        retired_at=entry.retired_at,
    )


def list_routes(kind: ListKind) -> list[HTTPRouteHandler]:
    """The three routes of one list: read it, add to it, rename or retire an entry."""
    path, plural, singular = LISTS[kind]
    what = plural.lower() if kind is not ListKind.WELLBEING_CRITERION else "well-being criteria"

    async def read(
        request: Request[Any, Any, Any],
        state: State,
        principal: CurrentPrincipal,
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> ListEntryPage:
        """In the territory's order, retired entries included (`retired_at` set): a page
        offers the others for new rows and still names the retired ones on old rows."""
        found = await usecase.entries(runtime_of(state), kind)
        order = {e.code: n for n, e in enumerate(found)}
        page = page_in_memory(
            f"territory-{path}", found, cursor, limit, lambda e: f"{order[e.code]:08d}"
        )
        return ListEntryPage(
            items=[entry_out(e) for e in page.items], **page_links(request, page.next_cursor)
        )

    async def add(
        data: JSONBody[ListEntryIn], state: State, principal: CurrentPrincipal
    ) -> ListEntryOut:
        entry = await usecase.add(
            runtime_of(state), principal, kind, data.code, data.label_fr, data.label_en
        )
        return entry_out(entry)

    async def change(
        code: FromPath[str],
        data: JSONBody[ListEntryChangeIn],
        state: State,
        principal: CurrentPrincipal,
    ) -> ListEntryOut:
        """The fields sent change; the code, which rows store, never does."""
        entry = await usecase.change(
            runtime_of(state),
            principal,
            kind,
            code,
            label_fr=data.label_fr,
            label_en=data.label_en,
            retired=data.retired,
        )
        return entry_out(entry)

    return [
        get(
            f"/territory/{path}",
            operation_id=f"listTerritory{plural}",
            responses=problem_responses(),
            summary=f"The territory's {what}, in its order, retired ones marked",
        )(read),
        post(
            f"/territory/{path}",
            operation_id=f"addTerritory{singular}",
            responses=problem_responses("already_listed", "not_listed"),
            summary=f"Add to the territory's {what} (coordinators)",
            status_code=201,
        )(add),
        patch(
            f"/territory/{path}/{{code:str}}",
            operation_id=f"changeTerritory{singular}",
            responses=problem_responses("not_found", "not_listed"),
            summary=f"Rename, retire or bring back one of the territory's {what} (coordinators)",
        )(change),
    ]


@post(
    "/intake/wellbeing",
    operation_id="recordWellbeing",
    responses=problem_responses("not_found", "no_consent", "not_listed"),
    summary="A survey tool records well-being scores, a consenting resident's or an "
    "anonymous batch",
    status_code=201,
)
async def record_wellbeing(
    data: JSONBody[WellbeingIn], state: State, principal: CurrentPrincipal
) -> WellbeingOut:
    """Read back only in aggregate (`/reports/wellbeing`)."""
    found = await wellbeing.record(
        runtime_of(state),
        principal,
        criterion=data.criterion,
        scores=data.scores,
        member_id=data.member_id,
        neighbourhood=data.neighbourhood,
        age_band=data.age_band,
    )
    return WellbeingOut(
        id=found.id,
        criterion=found.criterion,
        respondents=found.respondents,
        score_total=found.score_total,
        neighbourhood=found.neighbourhood,
        age_band=found.age_band,
        recorded_at=found.recorded_at,
    )


@get(
    "/reports/wellbeing",
    operation_id="wellbeingReport",
    responses=problem_responses(),
    summary="Well-being scores per criterion and quarter, by neighbourhood, group and age band",
)
async def wellbeing_report(state: State, principal: CurrentPrincipal) -> WellbeingReportOut:
    """Figures fewer than `people_min` people make up are withheld (null, `withheld`)."""
    found = await wellbeing.report(runtime_of(state), principal)
    return WellbeingReportOut.model_validate(found.as_json())


@get(
    "/reports/wellbeing.csv",
    operation_id="wellbeingReportCsv",
    responses=problem_responses(),
    summary="The same rows as CSV (criterion, quarter, dimension, key, respondents, "
    "score_total, withheld)",
    media_type="text/csv",
)
async def wellbeing_report_csv(state: State, principal: CurrentPrincipal) -> Response[str]:
    found = await wellbeing.report(runtime_of(state), principal)
    return csv_response(found.as_csv(), "wellbeing-report.csv")


QuarterParam = Annotated[
    str, QueryParameter(pattern=r"^\d{4}-Q[1-4]$", description="The quarter, like 2027-Q1.")
]


@get(
    "/reports/quarterly-pack",
    operation_id="quarterlyPack",
    responses=problem_responses("invalid_quarter"),
    summary="One quarter's figures for the territory and each coordination group",
)
async def pack(
    state: State, principal: CurrentPrincipal, quarter: QuarterParam
) -> QuarterlyPackOut:
    """Hours exchanged and pledged, the fund's grants, goods lent, the needs and offers
    intake sent, well-being answers: each figure for the territory and for every group it
    goes to (as intake goes to groups); figures fewer than `people_min` people make up are
    withheld (null, `withheld`)."""
    found = await quarterly_pack(runtime_of(state), principal, quarter)
    return QuarterlyPackOut.model_validate(found.as_json())


@get(
    "/reports/quarterly-pack.csv",
    operation_id="quarterlyPackCsv",
    responses=problem_responses("invalid_quarter"),
    summary="The same rows as CSV (group, name, kind, measure, unit, value, withheld)",
    media_type="text/csv",
)
async def pack_csv(
    state: State, principal: CurrentPrincipal, quarter: QuarterParam
) -> Response[str]:
    found = await quarterly_pack(runtime_of(state), principal, quarter)
    return csv_response(found.as_csv(), f"quarterly-pack-{found.quarter}.csv")


ROUTES = [
    pack,
    pack_csv,
    *(route for kind in ListKind for route in list_routes(kind)),
    record_wellbeing,
    wellbeing_report,
    wellbeing_report_csv,
]
