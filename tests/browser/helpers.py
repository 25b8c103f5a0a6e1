"""What several browser tests share: screenshots with the accessibility check, the
device key made in the page, and API calls whose answer may be a refusal or a composed
flow to sign."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page, expect

from mutual.core.keypair import Keypair
from mutual.core.signing import Domain
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, Live, Resident

SCREENSHOTS = ARTIFACTS / "screenshots"
BLOCKING = {"serious", "critical"}
# The quarter the round tests pledge for and vote on.
QUARTER = "2027-Q1"


def check(page: Page, name: str) -> list[str]:
    """Save the page at both sizes; the serious or critical violations axe finds there."""
    found: list[str] = []
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{size}.png", full_page=True)
        results = Axe().run(page)
        found += [
            f"{name} at {size}: {v['id']} ({v['impact']}) on "
            + ", ".join(str(n["target"]) for n in v["nodes"])
            for v in results.response["violations"]
            if v["impact"] in BLOCKING
        ]
    return found


def create_key(page: Page) -> str:
    """Make and register this device's key from the page; its key id as the page shows it."""
    page.get_by_role("link", name="Mon appareil").click()
    page.get_by_role("button", name="Créer et enregistrer la clé de cet appareil").click()
    expect(page.get_by_role("main")).to_contain_text("Clé créée et enregistrée.")
    shown = page.get_by_test_id("device-key").inner_text()
    assert len(shown) == 16
    return shown


def send(
    live: Live, method: str, path: str, body: Any = None, bearer: str | None = None
) -> tuple[int, bytes]:
    """A call whose answer may be a refusal or a signed note: its status and raw body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{live.url}/api/v1{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {bearer or live.operator}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def signed(live: Live, path: str, body: dict[str, Any], bearer: str, key: Keypair) -> Any:
    """Send unsigned, sign the transaction the service composed, send it again."""
    status, raw = send(live, "POST", path, body, bearer)
    problem = json.loads(raw)
    assert (status, problem["code"]) == (422, "unsigned"), raw
    payload = problem["signing_payload"]
    signature = key.sign_payload(Domain.TRANSACTION, payload).document()
    return live.call("POST", path, {**body, "id": payload["id"], "signatures": [signature]}, bearer)


def propose(live: Live, provider: Resident, receiver: Resident, minutes: int, memo: str) -> Any:
    body = {"receiver": receiver.id, "minutes": minutes, "memo": memo, "category": "time"}
    return live.call("POST", "/proposals", body, provider.token)
