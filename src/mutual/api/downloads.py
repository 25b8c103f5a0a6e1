"""Files people download (CSV exports), answered with a name to save them under."""

from __future__ import annotations

from litestar import Response


def csv_response(text: str, filename: str) -> Response[str]:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
