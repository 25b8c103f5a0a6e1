"""What several browser tests share: screenshots with the accessibility check, the
device key made in the page, and API calls whose answer may be a refusal or a composed
flow to sign."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
import uuid
from typing import Any

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Locator, Page, expect

from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.signing import Domain
from tests.browser.conftest import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    Live,
    Resident,
    other_device_key,
)

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


# The page makes a key and signs its registration with it; the test adds the signature of
# the resident's other device (``register_key``), as a member adding a device does.
_NEW_DEVICE_KEY = """async ({ principal, origin, eventId }) => {
  const keys = await import("/app/js/keys.js");
  const { DOMAIN } = await import("/app/js/canonical.js");
  const { pair, publicRaw, keyId } = await keys.newKeyPair();
  const event = { id: eventId, action: "register", principal, by: principal,
                  public_key: keys.base64(publicRaw), capacity: "member", version: 2 };
  const signature = await keys.sign(pair.privateKey, DOMAIN.keyEvent, { log: origin, ...event });
  await keys.keepKey({ principal_id: principal, key_id: keyId, public_key: event.public_key,
    private_key: pair.privateKey, capacity: "member", event_id: eventId, registered: true });
  return { key_id: keyId, public_key: event.public_key, signature };
}"""


def add_device_key(page: Page, live: Live, resident: Resident) -> str:
    """This browser as a second device of ``resident``, whose first key another client
    holds (``register_key``): the custody rules ask that key to co-sign the new one."""
    origin = live.call("GET", "/log")["origin"]
    event_id = uuid.uuid4()
    made = page.evaluate(
        _NEW_DEVICE_KEY, {"principal": resident.id, "origin": origin, "eventId": str(event_id)}
    )
    principal = PrincipalId(uuid.UUID(resident.id))
    event = KeyEvent(
        event_id,
        KeyAction.REGISTER,
        principal,
        by=principal,
        public_key=base64.b64decode(made["public_key"]),
        capacity=Capacity.MEMBER,
    )
    other = other_device_key(resident.id)
    body = other.key_event_request(origin, event)
    body["signatures"].insert(0, {"key_id": made["key_id"], "signature": made["signature"]})
    live.call("POST", "/key-events", body, resident.token)
    page.get_by_role("link", name="Mon appareil").click()
    device = page.get_by_test_id("device-key")
    expect(device).to_have_attribute("data-key-id", made["key_id"])
    return str(made["key_id"])[:16]


def create_key(page: Page) -> str:
    """Make and register this device's key from the page; the first 16 hex digits of its
    key id, which the page keeps beside the words it shows ("made on <date>")."""
    page.get_by_role("link", name="Mon appareil").click()
    page.get_by_role("button", name="Créer et enregistrer la clé de cet appareil").click()
    expect(page.get_by_role("main")).to_contain_text("Clé créée et enregistrée.")
    device = page.get_by_test_id("device-key")
    expect(device).to_contain_text("La clé de cet appareil, créée le ")
    key_id = device.get_attribute("data-key-id")
    assert key_id is not None
    assert len(key_id) == 64
    return key_id[:16]


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


def choose_person(scope: Page | Locator, label: str, typed: str, option: str) -> None:
    """Type part of a name into the person picker labelled ``label``, then pick the
    option whose text contains ``option`` with the keyboard, as the combobox pattern
    lets anyone do."""
    box = scope.get_by_role("combobox", name=label)
    box.fill(typed)
    listbox = scope.get_by_role("listbox", name=label)
    expect(listbox.get_by_role("option", name=option)).to_be_visible()
    names = listbox.get_by_role("option").all_inner_texts()
    index = next(n for n, text in enumerate(names) if option in text)
    for _ in range(index + 1):
        box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value(re.compile(re.escape(option)))
