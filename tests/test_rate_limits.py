"""Rate limits on writes per principal and per address, and on calls without a token:
429 with Retry-After, nothing written, reads unaffected (SQLite; the limits live in the
process, not in the database)."""

from __future__ import annotations

from collections.abc import Callable

from mutual.settings import Settings
from tests.test_api import API, assert_problem, open_api


async def test_writes_past_the_limit_are_refused_with_retry_after(
    fresh_database: Callable[[str], Settings],
) -> None:
    limited = {"rate_limit_writes": 3, "rate_limit_address_writes": 100, "rate_limit_anonymous": 2}
    settings = fresh_database("sqlite").model_copy(update=limited)
    async with open_api(settings) as api:
        body = {"display_name": "Flood", "neighbourhood": "Drouot", "languages": ["fr"]}
        for _ in range(2):
            applied = await api.client.post(f"{API}/members/applications", json=body)
            assert applied.status_code == 201, applied.text
        flooded = await api.client.post(f"{API}/members/applications", json=body)
        assert_problem(flooded, 429, "too_many_requests")
        assert 1 <= int(flooded.headers["Retry-After"]) <= 60
        members = await api.client.get(f"{API}/members?status=applied", headers=api.operator)
        assert (
            len(members.json()["items"] if isinstance(members.json(), dict) else members.json())
            == 2
        )

        # The operator's own writes: three in the minute (the first was registering its
        # key, in open_api), then refused; reads go on.
        for i in range(2):
            answer = await api.client.post(
                f"{API}/goods/kinds", json={"slug": f"kind-{i}", "name": "K"}, headers=api.operator
            )
            assert answer.status_code != 429, answer.text
        refused = await api.client.post(
            f"{API}/goods/kinds", json={"slug": "kind-x", "name": "K"}, headers=api.operator
        )
        assert_problem(refused, 429, "too_many_requests")
        assert "Retry-After" in refused.headers
        kinds = await api.client.get(f"{API}/goods/kinds", headers=api.operator)
        assert kinds.status_code == 200
        assert "kind-x" not in kinds.text
