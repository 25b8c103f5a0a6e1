"""``/reports``: what coordinators look at, as JSON or CSV."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.downloads import csv_response
from mutual.api.problems import problem_responses
from mutual.usecases.reports import time_bank_report


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
