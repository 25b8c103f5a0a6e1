"""``/problems/{code}``: what each problem type means, so that a problem's ``type`` is a URI
the service serves (RFC 9457 section 3.1.1 asks for a type URI that, dereferenced, gives
documentation for people)."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get
from litestar.params import PathParameter

from mutual.api.problem_meanings import PROBLEM_MEANINGS
from mutual.api.problems import (
    STATUS_BY_CODE,
    current_language,
    problem_responses,
    problem_type,
)
from mutual.api.schemas import ProblemTypeOut
from mutual.core.messages import problem_title
from mutual.usecases.errors import NotFound


@get(
    "/problems/{code:str}",
    operation_id="getProblemType",
    responses=problem_responses("not_found"),
    summary="What a problem type means: its code, status, title and meaning (fr or en)",
)
async def get_problem_type(
    code: Annotated[str, PathParameter(max_length=60, description="The problem's code.")],
) -> Response[ProblemTypeOut]:
    if code not in PROBLEM_MEANINGS:
        raise NotFound("no problem type with this code", field="code")
    language = current_language()
    described = ProblemTypeOut(
        type=problem_type(code),
        code=code,
        status=STATUS_BY_CODE[code],
        title=problem_title(code, language),
        meaning=PROBLEM_MEANINGS[code][language],
    )
    # The words depend on Accept-Language: caches must keep one answer per language.
    return Response(described, headers={"Content-Language": language, "Vary": "Accept-Language"})
