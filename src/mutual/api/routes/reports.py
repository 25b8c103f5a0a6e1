"""``/reports``: what coordinators look at, as JSON or CSV."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

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


@get(
    "/reports/territory",
    operation_id="territoryReport",
    responses=problem_responses(),
    summary="Hours exchanged and pledged, the fund's grants and goods lent, per quarter, by "
    "neighbourhood, category and age band",
)
async def territory(state: State, principal: CurrentPrincipal) -> TerritoryReportOut:
    """Figures fewer than `people_min` people make up are withheld (null, `withheld`)."""
    report = await territory_report(runtime_of(state), principal)
    return TerritoryReportOut.model_validate(report.as_json())


@get(
    "/reports/territory.csv",
    operation_id="territoryReportCsv",
    responses=problem_responses(),
    summary="The same rows as CSV (measure, unit, dimension, quarter, key, value, withheld)",
    media_type="text/csv",
)
async def territory_csv(state: State, principal: CurrentPrincipal) -> Response[str]:
    # A path of its own, as the time bank's CSV: one media type per operation, which
    # generated clients and schemathesis read from the contract.
    report = await territory_report(runtime_of(state), principal)
    return csv_response(report.as_csv(), "territory-report.csv")
