"""The README's first command, as a process: ``mutual serve --demo`` answers on its URL."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from mutual.cli.main import cli
from mutual.core.derived import named_client_id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_with_demo_answers_on_the_printed_url(tmp_path: Path) -> None:
    """The demo server prints its URL and an operator token that reads the demo accounts."""
    port = _free_port()
    env = {**os.environ, "MUTUAL_DATA_DIR": str(tmp_path), "MUTUAL_DATABASE_URL": ""}
    env.pop("MUTUAL_DATABASE_URL")
    with subprocess.Popen(
        [sys.executable, "-m", "mutual", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    ) as process:
        try:
            url, token = _check_demo_server(process, port)
            _check_inclusion_of_a_demo_exchange(url, token, tmp_path)
        finally:
            process.terminate()
            process.wait(timeout=15)


def _check_demo_server(process: subprocess.Popen[str], port: int) -> tuple[str, str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 180
    while not any("serving on" in line for line in lines) and time.monotonic() < deadline:
        lines.append(process.stdout.readline())
    token = next(line.split(": ", 1)[1].strip() for line in lines if "token" in line)
    url = next(line.split(" on ", 1)[1].split()[0] for line in lines if "serving on" in line)
    assert url == f"http://127.0.0.1:{port}/api/v1"
    health: dict[str, str] = {}
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                health = json.load(answer)
            break
        except OSError:
            time.sleep(0.2)
    assert health == {"status": "ok", "database": "ok", "writer": "ok"}
    request = urllib.request.Request(
        f"{url}/accounts?unit=TIME&limit=500", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        page = json.load(answer)
    kinds = [a["owner_kind"] for a in page["items"]]
    assert kinds.count("member") == 300
    assert kinds.count("commons_pool") == 1
    assert sum(a["balance"] for a in page["items"]) == 0
    return url, token


def _call(url: str, token: str, method: str = "GET") -> bytes:
    request = urllib.request.Request(
        url, method=method, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        body: bytes = answer.read()
        return body


def _check_inclusion_of_a_demo_exchange(url: str, token: str, tmp_path: Path) -> None:
    """A resident holding a signed checkpoint checks their exchange is in the log."""
    log_key = json.loads(_call(f"{url}/log", token))["verifier_key"]
    note = _call(f"{url}/log/checkpoints", token, method="POST")
    assert note == _call(f"{url}/log/checkpoint", token), "the latest checkpoint is served"
    checkpoint = tmp_path / "checkpoint.txt"
    checkpoint.write_bytes(note)
    exchange = str(named_client_id("https://mutual.invalid/demo/exchange/7"))
    args = ["verify-inclusion", "--url", url, "--token", token, "--id", exchange]
    args += ["--checkpoint", str(checkpoint), "--log-key", log_key]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "included" in result.output
    # The same proof against a checkpoint whose root was changed: refused by its signature.
    lines = note.decode().split("\n")
    lines[2] = base64.b64encode(bytes(32)).decode()
    checkpoint.write_text("\n".join(lines))
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code != 0
    assert "does not verify" in refused.output
