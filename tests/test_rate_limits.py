"""Rate limits on writes per principal and per address, and on calls without a token:
429 with Retry-After, nothing written, reads unaffected (SQLite; the limits live in the
process, not in the database)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable

from mutual.settings import Settings
from tests.test_api import API, assert_problem, open_api
from tests.test_schemathesis import live_server


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


def _applications(url: str, forwarded_for: list[str]) -> list[int]:
    """The statuses of applications to join sent one after the other, each claiming to
    come through a proxy from the given address."""
    statuses = []
    body = json.dumps({"display_name": "Far", "neighbourhood": "Drouot", "languages": ["fr"]})
    for address in forwarded_for:
        request = urllib.request.Request(
            f"{url}/api/v1/members/applications",
            data=body.encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": address},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as refused:
            statuses.append(refused.code)
    return statuses


def test_forwarded_addresses_count_only_from_a_trusted_proxy(
    fresh_database: Callable[[str], Settings],
) -> None:
    """A client that sends X-Forwarded-For itself is still counted by its own address (no
    proxy is trusted by default, not even one on loopback); behind a proxy named in
    ``trusted_proxies``, each forwarded client is counted on its own."""
    limited = {"MUTUAL_RATE_LIMIT_ANONYMOUS": "2"}
    spoofed = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    with live_server(fresh_database("sqlite"), limited) as (url, _):
        assert _applications(url, spoofed) == [201, 201, 429]
    behind = {**limited, "MUTUAL_TRUSTED_PROXIES": '["127.0.0.1/32", "::1"]'}
    with live_server(fresh_database("sqlite"), behind) as (url, _):
        assert _applications(url, spoofed) == [201, 201, 201]
        # The proxy appends the address it saw: what the client wrote before it is not
        # trusted, so a client cannot escape its count by prefixing other addresses.
        chained = [f"198.51.100.{i}, 203.0.113.9" for i in range(3)]
        assert _applications(url, chained) == [201, 201, 429]
