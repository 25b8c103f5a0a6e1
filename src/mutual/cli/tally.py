"""``mutual tally-pb``: tally any standard Pabulib ``.pb`` file, offline.

Runs on the pure core and click only (no database, web or settings module), like
``mutual verify``: anyone can recompute a published round's money side.
"""

from __future__ import annotations

from pathlib import Path

import click

from mutual.core.pabulib import PbFormatError, parse_pb, tally_input
from mutual.core.tally import Rule, TallyError, tally


@click.command("tally-pb")
@click.argument("pb_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rule",
    type=click.Choice([rule.value for rule in Rule]),
    default=Rule.MES_ADD1_GREEDY.value,
    show_default=True,
    help="Equal Shares with Add1 then greedy completion, Add1 only, plain, or greedy.",
)
@click.option(
    "--seed",
    default="",
    help="Tie seed (UTF-8). Ties: lowest cost, most approvals, then SHA-256(seed || id).",
)
def tally_pb(pb_file: Path, rule: str, seed: str) -> None:
    """Print the selected project ids, one per line, then the total cost.

    Ids come in the order the rule selected them. The total is the sum of the
    selected projects' costs in the file's currency units, exact: an integer when
    whole (costs written 75000.0 count as 75000), else a decimal. Add1 raises each
    voter's share by one currency unit per step, as pabutools' increment of 1.
    """
    try:
        pb = parse_pb(pb_file.read_bytes().decode("utf-8-sig"))
        data, scale = tally_input(pb, Rule(rule), seed=seed.encode())
        result = tally(data)
    except (PbFormatError, TallyError) as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail}") from exc
    for project_id in result.selected_ids:
        click.echo(project_id)
    click.echo(decimal_text(result.total_eur, scale))


def decimal_text(amount: int, scale: int) -> str:
    """``amount / scale`` (scale a power of ten) exactly, without a trailing ``.0``."""
    whole, rest = divmod(amount, scale)
    if rest == 0:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}.{rest:0{digits}d}".rstrip("0")
