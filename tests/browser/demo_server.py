"""The demo as the role tests meet it: ``mutual serve --demo`` on a fresh SQLite or
PostgreSQL database, once per test module, and what it prints (a login per role, the
password, an operator token for the API, the page's address), read as a newcomer reads
it. The tests sign in with those printed logins through the page; the printed operator
token reads effects back through the API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from mutual.settings import Settings
from tests.browser.conftest import _off_loop
from tests.browser.test_demo_way_in import Printed, _read_way_in, wait_listening
from tests.conftest import Templates, _fresh
from tests.test_schemathesis import _env
from tests.test_serve import _free_port

TOKEN_LINE = re.compile(r"^demo operator token \(for the API\): (?P<token>mutual_\S+)$")


@dataclass(frozen=True)
class Demo:
    printed: Printed
    url: str  # the server's root (the page is at /app/)
    token: str  # the printed operator token

    def login(self, role: str) -> tuple[str, str]:
        """The printed login of ``role`` and who it is, in words."""
        [(login, name)] = [(lg, nm) for what, lg, nm, _ in self.printed.logins if what == role]
        return login, name

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/api/v1{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None

    def sign_in(self, page: Page, role: str) -> str:
        """Sign in with ``role``'s printed login and the printed password; who it is."""
        login, name = self.login(role)
        self.sign_in_as(page, login)
        return name

    def sign_in_as(self, page: Page, login: str) -> None:
        """Sign in with a printed login (one of the two residents') and the password."""
        assert login in {lg for _, lg, _, _ in self.printed.logins}, login
        page.goto(self.printed.page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
        page.get_by_label("Identifiant").first.fill(login)
        page.get_by_label("Mot de passe").fill(self.printed.password)
        page.get_by_role("button", name="Se connecter", exact=True).click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text("Connexion")


@contextmanager
def demo_server(
    backend: str, templates: Templates, folder: Path, extra: Mapping[str, str] | None = None
) -> Iterator[Demo]:
    """``mutual serve --demo`` on a fresh database of ``backend`` (``extra``: more of the
    service's settings, as environment variables), stopped afterwards."""
    database = _fresh(backend, templates, folder)
    settings: Settings = _off_loop(lambda: next(database))
    try:
        port = _free_port()
        env = {**_env(settings), **(extra or {})}
        errors = folder / "demo.stderr"
        with (
            errors.open("w") as stderr,
            subprocess.Popen(
                [sys.executable, "-m", "mutual", "serve", "--demo", "--port", str(port)],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env,
            ) as process,
        ):
            try:
                printed = _read_way_in(process, errors)
                [token] = [m["token"] for ln in printed.lines if (m := TOKEN_LINE.match(ln))]
                url = f"http://127.0.0.1:{port}"
                wait_listening(process, url, errors)
                yield Demo(printed, url, token)
            finally:
                process.terminate()
                process.wait(timeout=15)
    finally:
        _off_loop(lambda: next(database, None))
