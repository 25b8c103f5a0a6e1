"""Every list is read page by page the same way (contracts/pagination.md): following
``next`` from ``limit=1`` gives the whole list once, in the order of one large page, with
the ``Link`` header; a cursor of another list is refused."""

from __future__ import annotations

from typing import Any

from tests.test_api import API, Api, api, assert_problem
from tests.test_goods import create_kind, create_point
from tests.test_permissions import service
from tests.test_timebank import join

__all__ = ["api"]

LISTS = ("/goods/kinds", "/collection-points", "/service-clients", "/audit", "/members")


async def walk(api: Api, path: str) -> tuple[list[dict[str, Any]], int]:
    """Every item, one a page, following ``next``; with the number of pages read."""
    items: list[dict[str, Any]] = []
    answer = await api.client.get(f"{API}{path}", params={"limit": 1}, headers=api.operator)
    pages = 1
    while True:
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= 1
        items += page["items"]
        if page["next"] is None:
            assert (page["next_cursor"], answer.headers.get("Link")) == (None, None)
            return items, pages
        assert answer.headers["Link"] == f'<{page["next"]}>; rel="next"'
        answer = await api.client.get(page["next"], headers=api.operator)
        pages += 1


async def test_every_list_pages_to_its_end_once(api: Api) -> None:
    """Three of each: read one a page, each list is its single large page, in order."""
    for i in range(3):
        await create_kind(api, f"outil-{i}", f"Outil {i}")
        await create_point(api, f"Point {i}", await join(api, f"Membre {i}"))
        await service(api, ["ledger:read"])
    for path in LISTS:
        whole = await api.client.get(f"{API}{path}", params={"limit": 500}, headers=api.operator)
        assert whole.json()["next"] is None
        items, pages = await walk(api, path)
        assert items == whole.json()["items"], path
        assert len(items) >= 3, path
        assert pages == len(items), path


async def test_a_cursor_is_only_for_its_list(api: Api) -> None:
    """A cursor of the kinds' list is refused by the points' list and by the members'."""
    for i in range(2):
        await create_kind(api, f"outil-{i}", f"Outil {i}")
    first = await api.client.get(f"{API}/goods/kinds", params={"limit": 1}, headers=api.operator)
    cursor = first.json()["next_cursor"]
    for path in ("/collection-points", "/members"):
        refused = await api.client.get(
            f"{API}{path}", params={"cursor": cursor}, headers=api.operator
        )
        assert_problem(refused, 422, "invalid_cursor", "cursor")
    again = await api.client.get(
        f"{API}/goods/kinds", params={"cursor": cursor}, headers=api.operator
    )
    assert [k["slug"] for k in again.json()["items"]] == ["outil-1"]


async def test_updated_since_needs_an_offset(api: Api) -> None:
    """A time without an offset is ambiguous: refused, naming the parameter."""
    refused = await api.client.get(
        f"{API}/members", params={"updated_since": "2026-12-07T10:00:00"}, headers=api.operator
    )
    assert_problem(refused, 422, "invalid_request", "updated_since")
    taken = await api.client.get(
        f"{API}/members", params={"updated_since": "2026-12-07T10:00:00Z"}, headers=api.operator
    )
    assert taken.status_code == 200, taken.text
