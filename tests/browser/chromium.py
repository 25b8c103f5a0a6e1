"""Debian's Chromium, which the browser tests drive: installed by the tests themselves,
since Playwright's own browser download is not reachable from where they run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

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


def _apt_get(*args: str) -> bool:
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        return False
    done = subprocess.run(
        [apt_get, *args],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )
    return done.returncode == 0


def ensure_chromium() -> str | None:
    """The browser's path, installing Debian's package when missing and we are root;
    None when it cannot be had. The package lists are refreshed only if a first
    install fails, since on a machine that has them that costs a minute for nothing."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.geteuid() == 0:
        install = ("install", "-y", "--no-install-recommends", "chromium")
        if not _apt_get(*install) and _apt_get("update"):
            _apt_get(*install)
    return str(CHROMIUM) if CHROMIUM.exists() else None
