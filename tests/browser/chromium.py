"""Debian's Chromium, which the browser tests drive: installed by the tests themselves,
since Playwright's own browser download is not reachable from where they run."""

from __future__ import annotations

from pathlib import Path

from load_tests.system_packages import ensure_package

CHROMIUM = Path("/usr/bin/chromium")
# Headless in a container, as root: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def ensure_chromium() -> str | None:
    """The browser's path, installed from Debian's package when missing (None when it
    cannot be had)."""
    return ensure_package(CHROMIUM, "chromium")
