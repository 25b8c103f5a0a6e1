"""``/reports``: what coordinators look at, as JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.downloads import csv_response
from mutual.api.problems import problem_responses
from mutual.api.report_schemas import TerritoryReportOut
from mutual.usecases.reports import time_bank_report
from mutual.usecases.territory_report import territory_report


@get(
    "/reports/time-bank",
    operation_id="timeBankReport",
    responses=problem_responses(),
    summary="Hours per month and category, member activity, proposals by status",
)
async def time_bank(state: State, principal: CurrentPrincipal) -> dict[str, Any]:
    report = await time_bank_report(runtime_of(state), principal)
    return report.as_json()


@get(
    "/reports/time-bank.csv",
    operation_id="timeBankReportCsv",
    responses=problem_responses(),
    summary="The same report as CSV (section, key, value)",
    media_type="text/csv",
)
async def time_bank_csv(state: State, principal: CurrentPrincipal) -> Response[str]:
    report = await time_bank_report(runtime_of(state), principal)
    return csv_response(report.as_csv(), "time-bank-report.csv")


def _wants_csv(request: Request[Any, Any, Any], format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


@get(
    "/reports/territory",
    operation_id="territoryReport",
    responses={
        **problem_responses(),
        200: ResponseSpec(
            TerritoryReportOut,
            generate_examples=False,
            description="The report as JSON; the same rows as CSV (text/csv, columns "
            "measure, unit, dimension, quarter, key, value, withheld) with `format=csv` or "
            "`Accept: text/csv`.",
        ),
    },
    summary="Hours exchanged and pledged, the fund's grants and goods lent, per quarter, by "
    "neighbourhood, category and age band",
)
async def territory(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    format: Annotated[
        Literal["json", "csv"] | None,
        QueryParameter(description="csv: the same rows as CSV (else as Accept asks)."),
    ] = None,
) -> Response[Any]:
    """Figures fewer than `people_min` people make up are withheld (null, `withheld`)."""
    report = await territory_report(runtime_of(state), principal)
    if _wants_csv(request, format):
        return csv_response(report.as_csv(), "territory-report.csv")
    return Response(TerritoryReportOut.model_validate(report.as_json()))
