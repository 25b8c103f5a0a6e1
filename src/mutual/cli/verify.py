"""``mutual verify`` and ``mutual verify-inclusion``: the auditor's and the resident's checks.

Both run on the pure core and the standard library only (plus click): nothing here
touches the service's database, and the only key trusted is the one given on the
command line.
"""

from __future__ import annotations

import base64
import gc
import json
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterable
from contextlib import nullcontext
from pathlib import Path

import click

from mutual.cli.signature_pool import SignaturePool, default_jobs
from mutual.core.entries import log_entry
from mutual.core.merkle import MerkleProofError
from mutual.core.merkle import verify_inclusion as check_inclusion
from mutual.core.notes import (
    CheckpointError,
    NoteError,
    NoteKeyError,
    VerifierKey,
    open_checkpoint,
    parse_verifier_key,
)
from mutual.core.registry import RecoveryStatus
from mutual.core.verify import Finding, Verifier

GC_EVERY = 50_000


def _key(text: str, option: str) -> VerifierKey:
    try:
        return parse_verifier_key(text.strip())
    except NoteKeyError as exc:
        raise click.BadParameter(f"not a C2SP verifier key: {exc}", param_hint=option) from exc


def _log_key(text: str) -> VerifierKey:
    return _key(text, "--log-key")


def run_verifier(verifier: Verifier, lines: Iterable[bytes], *, jobs: int) -> list[Finding]:
    """Feed every line, with signatures checked on ``jobs`` other processes (0: inline)."""
    line_no = 0
    # The fold keeps every account and transaction it reads, and makes no reference
    # cycles: the collector's passes over that growing heap every 700 allocations
    # cost it about 5 %, for nothing to free.
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_EVERY, *thresholds[1:])
    try:
        if jobs > 0:
            with SignaturePool(verifier, jobs):
                for line_no, line in enumerate(lines, start=1):
                    verifier.feed(line_no, line)
        else:
            for line_no, line in enumerate(lines, start=1):
                verifier.feed(line_no, line)
    finally:
        gc.set_threshold(*thresholds)
    return verifier.finish(line_no + 1)


@click.command()
@click.argument("export", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--log-key", required=True, help="The log's verifier key (C2SP vkey), from a trusted source."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=default_jobs,
    show_default="the number of cores minus one",
    help="Processes checking signatures beside the ledger fold; 0 checks them inline.",
)
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    help="A witness's verifier key (C2SP vkey) the auditor trusts; repeatable.",
)
@click.option(
    "--witnesses-min",
    type=click.IntRange(min=0),
    default=None,
    show_default="1 when a witness is given, else 0",
    help="Cosignatures by distinct given witnesses that must cover every entry.",
)
@click.option("--quiet", is_flag=True, help="Print only the findings.")
def verify(
    export: str,
    log_key: str,
    jobs: int,
    witnesses: tuple[str, ...],
    witnesses_min: int | None,
    quiet: bool,
) -> None:
    """Verify an export offline; print every finding; exit 1 if there is any."""
    keys = tuple(_key(text, "--witness") for text in witnesses)
    needed = (1 if keys else 0) if witnesses_min is None else witnesses_min
    if needed > len({(k.name, k.public_key) for k in keys}):
        raise click.BadParameter(
            f"{needed} cosignatures cannot come from {len(keys)} distinct witnesses given",
            param_hint="--witnesses-min",
        )
    verifier = Verifier(_log_key(log_key), witnesses=keys, witnesses_min=needed)
    with nullcontext(sys.stdin.buffer) if export == "-" else Path(export).open("rb") as stream:
        findings = run_verifier(verifier, stream, jobs=jobs)
    for finding in findings:
        click.echo(str(finding))
    if not quiet:
        witnessed = (
            f" ({verifier.witness_cosignatures} by the {len(verifier.witnesses)} witnesses given)"
            if verifier.witnesses
            else ""
        )
        recovered = [r for r in verifier.recoveries if r.status is RecoveryStatus.COMPLETED]
        recoveries = (
            f"{len(recovered)} key recoveries (shortest wait {min(r.wait for r in recovered)} s), "
            if recovered
            else "0 key recoveries, "
        )
        # The origin names the territory whose log this is (each has its own, and its key).
        click.echo(
            f"log {verifier.origin or _log_key(log_key).name}: "
            f"{verifier.size} entries ({verifier.transactions} transactions), "
            + recoveries
            + f"{len(verifier.checkpoint_roots)} checkpoints, "
            f"{verifier.cosignatures_checked} cosignatures checked{witnessed}, "
            f"{len(verifier.accounts)} accounts: "
            + (f"{len(findings)} findings" if findings else "verified"),
            err=True,
        )
    sys.exit(1 if findings else 0)


@click.command("verify-inclusion")
@click.option(
    "--url", required=True, help="The service's API base, e.g. http://127.0.0.1:8000/api/v1"
)
@click.option("--token", required=True, envvar="MUTUAL_TOKEN", help="Your bearer token.")
@click.option("--id", "entry_id", required=True, help="The transaction (or key event) id.")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A signed checkpoint you hold.",
)
@click.option("--log-key", required=True, help="The log's verifier key (C2SP vkey).")
def verify_inclusion(
    url: str, token: str, entry_id: str, checkpoint_file: str, log_key: str
) -> None:
    """Check locally that a transaction is in the log a signed checkpoint commits to."""
    vkey = _log_key(log_key)
    try:
        cp, _ = open_checkpoint(Path(checkpoint_file).read_bytes(), vkey.name, vkey)
    except (NoteError, CheckpointError) as exc:
        raise click.ClickException(f"the checkpoint does not verify: {exc}") from exc
    query = urllib.parse.urlencode({"id": entry_id, "tree_size": cp.size})
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise click.BadParameter("the URL is http:// or https://", param_hint="--url")
    request = urllib.request.Request(  # noqa: S310 -- scheme checked above
        f"{url.rstrip('/')}/log/proofs/inclusion?{query}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 -- URL given by the user
        answer = json.loads(response.read())
    entry = answer["entry"]
    if entry.get("payload", {}).get("id") != entry_id:
        raise click.ClickException("the service answered with an entry for another id")
    # The leaf hash is recomputed here from the entry: the server's is not trusted.
    leaf = log_entry(entry).leaf_hash
    proof = [base64.b64decode(h) for h in answer["proof"]]
    try:
        check_inclusion(leaf, answer["log_index"], cp.size, proof, cp.root)
    except MerkleProofError as exc:
        raise click.ClickException(f"NOT included: {exc}") from exc
    click.echo(
        f"included: {entry['type']} {entry_id} at log index {answer['log_index']} "
        f"in the tree of size {cp.size} signed by {vkey.name}"
    )
