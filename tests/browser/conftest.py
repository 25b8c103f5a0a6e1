"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, and a live
server (``mutual serve`` in its own process) on a fresh SQLite or PostgreSQL database,
with residents who have a login and a password, as the sign-in page needs.

Outside CI a machine without Chromium (and no way to install it) skips these tests; with
``MUTUAL_REQUIRE_POSTGRES=1``, the mark of CI, it fails them instead.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from tests.browser.chromium import CHROMIUM_ARGS, ensure_chromium
from tests.conftest import REQUIRE_PG, Templates, _fresh
from tests.test_schemathesis import live_server, token

PASSWORD = "une phrase de passe assez longue"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
T = TypeVar("T")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = ensure_chromium()
    if found is None:
        message = "Chromium is missing at /usr/bin/chromium and could not be installed"
        if REQUIRE_PG:
            pytest.fail(message)
        pytest.skip(message)
    return found


# Package scope, not session: Playwright's sync API keeps an event loop running in this
# thread while it is started, and every asyncio test after the browser tests would then
# fail ("Runner.run() cannot be called from a running event loop").
@pytest.fixture(scope="package")
def playwright(chromium_path: str, templates: Templates) -> Iterator[Playwright]:
    # The database templates are made (and later dropped) outside Playwright's event loop.
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass(frozen=True)
class Resident:
    id: str
    account_id: str
    login: str
    name: str
    token: str = field(repr=False)


@dataclass
class Live:
    """A running server and an operator who sets up the territory through its API."""

    url: str
    operator: str

    def call(self, method: str, path: str, body: Any = None, bearer: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/api/v1{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {bearer or self.operator}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None

    def resident(self, name: str, login: str, neighbourhood: str = "Bourtzwiller") -> Resident:
        """Apply, be accepted, and choose a login and a password with the first token."""
        applied = self.call(
            "POST",
            "/members/applications",
            {"display_name": name, "neighbourhood": neighbourhood, "languages": ["fr"]},
        )
        accepted = self.call("POST", f"/members/{applied['id']}/accept")
        first_token = accepted["token"]["token"]
        self.call(
            "PUT", "/members/me/credentials", {"login": login, "password": PASSWORD}, first_token
        )
        return Resident(applied["id"], accepted["member"]["account_id"], login, name, first_token)

    def balance(self, resident: Resident) -> int:
        value: int = self.call("GET", f"/accounts/{resident.account_id}")["balance"]
        return value


def _off_loop(work: Callable[[], T]) -> T:
    """Run ``work`` in another thread: the database fixtures call ``asyncio.run``, which
    refuses the thread where Playwright's sync API keeps its event loop running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@pytest.fixture
def serve(templates: Templates, tmp_path: Path) -> Iterator[Callable[..., Live]]:
    """Start a live server on a fresh database of the given backend (and, optionally,
    extra ``MUTUAL_*`` settings)."""
    with ExitStack() as stack:

        def start(backend: str, extra: dict[str, str] | None = None) -> Live:
            folder = tmp_path / uuid.uuid4().hex
            folder.mkdir()
            database = _fresh(backend, templates, folder)
            settings = _off_loop(lambda: next(database))
            stack.callback(lambda: _off_loop(lambda: next(database, None)))
            url, env = stack.enter_context(live_server(settings, extra))
            return Live(url, token(env, "operator"))

        yield start


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts (each its own cookies, storage and keys), closed after the test."""
    opened: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(**{"viewport": PHONE, **options})
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


def sign_in(page: Page, live: Live, resident: Resident) -> None:
    page.goto(f"{live.url}/")
    page.get_by_label("Identifiant").fill(resident.login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # Each role lands on its own page (a resident on "Mon solde", a coordinator on theirs).
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Connexion")


def other_device_key(principal_id: str) -> Keypair:
    """The key ``register_key`` registers for a principal (test data, protecting nothing)."""
    return Keypair(uuid.UUID(principal_id).bytes * 2)


def register_key(live: Live, principal_id: str, bearer: str) -> Keypair:
    """A member key registered through the API, signed by itself (as another client's)."""
    key = other_device_key(principal_id)
    principal = PrincipalId(uuid.UUID(principal_id))
    event = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        principal,
        by=principal,
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )
    body = key.key_event_request(live.call("GET", "/log")["origin"], event)
    live.call("POST", "/key-events", body, bearer)
    return key


def put_forward(live: Live, leads: Iterable[tuple[str, Resident]]) -> dict[str, str]:
    """Projects (name, lead) as a coordinator records them; their ids by name."""
    projects: dict[str, str] = {}
    for name, lead in leads:
        body = {
            "name": name,
            "category": "land_buildings",
            "group": {"kind": "neighbourhood", "name": f"Groupe {name}"},
            "lead": lead.id,
            "pays_time": True,
        }
        projects[name] = live.call("POST", "/projects", body)["id"]
    return projects
