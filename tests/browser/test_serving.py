"""The web page is served by the service itself, public and outside the API: its files
need no token, carry a policy that keeps other origins' scripts out, and appear in
neither the OpenAPI document nor the permission matrix, while the API stays guarded."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext

from mutual.api.openapi import openapi_document, render
from mutual.api.routes.web import WEB_DIR
from tests.browser.conftest import Live, sign_in

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "openapi.json"
DERIVED_IDS = CONTRACT.with_name("derived-ids.json")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def test_the_page_and_its_modules_are_served_without_a_token(
    serve: Callable[[str], Live],
) -> None:
    """``/`` leads to ``/app/``; every file under ``web/`` is served as itself with the
    content security policy, and the API next to it still refuses a caller without one."""
    live = serve("sqlite")
    status, headers, _ = fetch(f"{live.url}/")
    assert (status, headers["location"]) == (302, "/app/")
    status, headers, body = fetch(f"{live.url}/app/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert b'<html lang="fr">' in body
    files = sorted(p for p in WEB_DIR.rglob("*") if p.is_file())
    assert len(files) >= 10
    for path in files:
        status, headers, body = fetch(f"{live.url}/app/{path.relative_to(WEB_DIR).as_posix()}")
        assert (status, body) == (200, path.read_bytes()), path
        assert headers["x-content-type-options"] == "nosniff"
    # The derivations the page recomputes account ids with: the published contract.
    status, headers, body = fetch(f"{live.url}/app/derived-ids.json")
    assert (status, json.loads(body)) == (200, json.loads(DERIVED_IDS.read_text()))
    assert "script-src 'self'" in headers["content-security-policy"]
    status, _, _ = fetch(f"{live.url}/app/../../settings.py")
    assert status == 404
    status, _, _ = fetch(f"{live.url}/api/v1/me")
    assert status == 401


def test_the_page_is_not_part_of_the_api_contract() -> None:
    """The OpenAPI document, regenerated from the app, describes the API alone."""
    document = openapi_document()
    assert [p for p in document["paths"] if not p.startswith("/api/v1/")] == []
    assert json.loads(CONTRACT.read_text()) == json.loads(render(document))


def test_an_invalid_static_path_is_not_found(serve: Callable[[str], Live]) -> None:
    """A static path the file system cannot even look up (a NUL byte, a name longer than
    the system allows, an undecodable byte) answers 404 like any missing file, never 500."""
    live = serve("sqlite")
    for path in ("%00", "js/%00.js", "a%00b.js", "a" * 5000, "js/" + "b" * 300 + ".js", "%ff"):
        status, _, body = fetch(f"{live.url}/app/{path}")
        assert (status, json.loads(body)["code"]) == (404, "not_found"), path


def test_the_api_schema_pages_load_no_third_party_script(serve: Callable[[str], Live]) -> None:
    """No page under ``/api/v1/schema`` pulls a script from another origin (a CDN's
    script there would run on the page's origin, next to its session): the schema is
    served as JSON and YAML, and the HTML viewers are gone."""
    live = serve("sqlite")
    status, _, body = fetch(f"{live.url}/api/v1/schema/openapi.json")
    assert (status, json.loads(body)["info"]["title"]) == (200, "mutual")
    status, _, body = fetch(f"{live.url}/api/v1/schema")
    assert (status, json.loads(body)["info"]["title"]) == (200, "mutual")
    for viewer in ("/swagger", "/redoc", "/elements", "/rapidoc", "/scalar"):
        status, _, body = fetch(f"{live.url}/api/v1/schema{viewer}")
        assert (status, b"<script" in body) == (404, False), viewer


def test_the_csrf_token_is_not_kept_in_local_storage(
    serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """After signing in, the page's CSRF token is in no storage shared by the origin's
    other pages and kept after the tab closes (localStorage); the page still writes."""
    live = serve("sqlite")
    awa = live.resident("Awa Diallo", "awa")
    page = new_context().new_page()
    sign_in(page, live, awa)
    kept = page.evaluate("() => JSON.stringify(Object.entries(localStorage))")
    assert "csrf" not in kept.lower()
    page.reload()
    page.get_by_role("heading", name="Mon solde", level=1).wait_for()
