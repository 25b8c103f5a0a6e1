"""The demo as a newcomer meets it: the README's first command (``python3 dev.py demo``,
on a fresh data directory and a free port) prints its progress, then one login per role
with the demo's password and the page's address; a resident's printed login signs in
through that page at phone size and lands on the resident's page. Screenshots and no
serious or critical axe-core violation."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import SCREENSHOTS, check
from tests.test_serve import _free_port

ROOT = Path(__file__).resolve().parents[2]
ROLES = [
    "resident",
    "resident",
    "coordinator",
    "facilitator",
    "project lead",
    "keeper",
    "partner",
    "auditor",
    "operator",
]
LOGIN_LINE = re.compile(
    r"^  (?P<what>[a-z ]+?)\s{2,}(?P<login>\S+)\s{2,}(?P<name>.+) \[(?P<roles>.*)\]$"
)


@dataclass(frozen=True)
class Printed:
    lines: list[str]
    logins: list[tuple[str, str, str, set[str]]]  # (role, login, who, roles held)
    password: str
    page: str


def _read_way_in(process: subprocess.Popen[str], errors: Path) -> Printed:
    """Everything the demo prints up to the page's address, read as a person would."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 600
    while not (lines and lines[-1].startswith("Open ")):
        assert time.monotonic() < deadline, "\n".join(lines)
        line = process.stdout.readline()
        if not line:
            # The demo stopped before printing its way in: what it said on the way out.
            process.wait(timeout=30)
            said = errors.read_text(errors="replace").splitlines()[-40:]
            raise AssertionError("\n".join([*lines, "--- standard error:", *said]))
        lines.append(line.rstrip("\n"))
    logins = [
        (m["what"], m["login"], m["name"], set(m["roles"].split(", ")))
        for line in lines
        if (m := LOGIN_LINE.match(line))
    ]
    [password] = [line.split(": ", 1)[1] for line in lines if line.startswith("Password")]
    page = lines[-1].split()[1]
    return Printed(lines, logins, password, page)


def wait_listening(process: subprocess.Popen[str], url: str, errors: Path) -> None:
    """Until the demo that printed its way in answers at ``url`` (it listens a moment
    after printing); its standard error if it stopped instead."""
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, errors.read_text(errors="replace")[-4000:]
        try:
            urllib.request.urlopen(f"{url}/api/v1/health", timeout=2)
            break
        except OSError:
            assert time.monotonic() < deadline, "the demo server did not start"
            time.sleep(0.3)
    # Answered by this demo, not by another test's server on a port taken meanwhile.
    assert process.poll() is None, errors.read_text(errors="replace")[-4000:]


@contextmanager
def running_demo(data_dir: Path) -> Iterator[Printed]:
    """``python3 dev.py demo`` on its own data directory and port, until the block ends;
    its standard error (the service's JSON log) is kept in the data directory."""
    python3 = shutil.which("python3")
    assert python3 is not None
    env = {k: v for k, v in os.environ.items() if k != "MUTUAL_DATABASE_URL"}
    env["MUTUAL_DATA_DIR"] = str(data_dir)
    port = _free_port()
    errors = data_dir / "demo.stderr"
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [python3, "dev.py", "demo", "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        ) as process,
    ):
        try:
            printed = _read_way_in(process, errors)
            assert printed.page == f"http://127.0.0.1:{port}/app/"
            wait_listening(process, f"http://127.0.0.1:{port}", errors)
            yield printed
        finally:
            # dev.py became the server (exec): the signal reaches it.
            process.terminate()
            process.wait(timeout=15)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Printed]:
    with running_demo(tmp_path) as printed:
        yield printed


def test_the_demo_prints_its_way_in_and_a_resident_signs_in(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    # Its progress, a line per part of the territory, with counts.
    progress = [line for line in demo.lines if line.startswith("[")]
    assert any("residents: 300 accepted" in line for line in progress), demo.lines
    assert any(re.search(r"exchanges: \d{4} recorded", line) for line in progress), demo.lines
    assert len(progress) >= 8
    # One login per role, each holding the roles it is printed for.
    assert [role for role, _, _, _ in demo.logins] == ROLES, demo.lines
    held = {role: roles for role, _, _, roles in demo.logins}
    assert held["coordinator"] >= {"member", "coordination_member"}
    assert held["facilitator"] >= {"member", "facilitator"}
    assert held["project lead"] >= {"member", "project_lead"}
    assert held["keeper"] >= {"member", "keeper"}
    assert held["partner"] == {"partner"}
    assert held["auditor"] == {"auditor"}
    assert held["operator"] == {"operator"}
    assert len({login for _, login, _, _ in demo.logins}) == len(ROLES)

    _, login, name, _ = demo.logins[0]
    page = new_context(viewport=PHONE).new_page()
    page.goto(demo.page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.get_by_label("Identifiant").first.fill(login)
    page.get_by_label("Mot de passe").fill(demo.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon solde")
    expect(page.get_by_role("main")).to_contain_text(f"Bonjour {name}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert check(page, "demo-resident") == []
