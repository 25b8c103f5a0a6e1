"""The Pabulib ``.pb`` reader and writer, and the tally against pabutools on real files."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from load_tests.bench_pabutools import make_instance, pabutools_outcome

from mutual.cli.main import cli
from mutual.core.pabulib import (
    PbFile,
    PbFormatError,
    PbSection,
    format_pb,
    parse_pb,
    pb_from_tally_input,
    tally_input,
)
from mutual.core.tally import Rule, TallyInput, TallyParameters, TallyProject, tally

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pabulib"
INSTANCES = sorted(DATA.glob("*.pb"))


def _short(path: Path) -> str:
    return path.name[:24]


def test_the_six_instances_are_there() -> None:
    """The shared data holds the six real instances the comparison runs on."""
    assert len(INSTANCES) == 6


@pytest.mark.parametrize("path", INSTANCES, ids=_short)
def test_real_instances_parse_and_write_back_byte_for_byte(path: Path) -> None:
    """Every real instance parses, keeps its counts, and is written back unchanged."""
    raw = path.read_bytes()
    pb = parse_pb(raw.decode())
    assert format_pb(pb).encode() == raw
    assert str(len(pb.projects.rows)) == pb.meta_value("num_projects")
    assert str(len(pb.votes.rows)) == pb.meta_value("num_votes")
    data, _ = tally_input(pb, Rule.MES)
    assert len(data.ballots) == len(pb.votes.rows)


_CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"),
    min_size=1,
    max_size=8,
).filter(lambda s: s.strip() != "" and s.strip().upper() not in ("META", "PROJECTS", "VOTES"))


@st.composite
def _sections(draw: st.DrawFn) -> PbSection:
    width = draw(st.integers(min_value=2, max_value=4))
    row = st.tuples(*[_CELL] * width)
    return PbSection(draw(row), tuple(draw(st.lists(row, max_size=5))))


@given(
    meta=_sections(),
    projects=_sections(),
    votes=_sections(),
    newline=st.sampled_from(["\r\n", "\n"]),
)
@settings(max_examples=150, deadline=None)
def test_format_then_parse_round_trips(
    meta: PbSection, projects: PbSection, votes: PbSection, newline: str
) -> None:
    """parse(format(x)) == x for any file, and formatting it again gives the same bytes."""
    pb = PbFile(meta, projects, votes, newline)
    text = format_pb(pb)
    assert parse_pb(text) == pb
    assert format_pb(parse_pb(text)).encode() == text.encode()


def test_lf_files_quotes_and_extra_columns_are_read() -> None:
    """LF line ends, quoted fields with ``;`` and extra columns are tolerated."""
    text = (
        "META\nkey;value\nbudget;10.5\nvote_type;approval\n"
        'PROJECTS\nproject_id;cost;name;extra\na;4.25;"x; ""y""";1\nb/2;5;z;2\n'
        "VOTES\nvoter_id;vote;age\nv1;a,b/2;30\nv2;a;\n"
    )
    pb = parse_pb(text)
    assert pb.newline == "\n"
    assert pb.projects.records()[0]["name"] == 'x; "y"'
    assert format_pb(pb) == text
    data, scale = tally_input(pb, Rule.GREEDY)
    assert (scale, data.budget_eur) == (100, 1050)
    assert [(p.project_id, p.cost_eur) for p in data.projects] == [("a", 425), ("b/2", 500)]
    assert data.ballots == {"v1": frozenset({"a", "b/2"}), "v2": frozenset({"a"})}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("PROJECTS\nproject_id;cost\n", "missing_section"),
        ("x;y\nMETA\nkey;value\n", "no_section"),
        (
            "META\nkey;value\nbudget;1\nvote_type;ordinal\nPROJECTS\nproject_id;cost\n"
            "VOTES\nvoter_id;vote\n",
            "unsupported_vote_type",
        ),
        (
            "META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost\na;1\n"
            "VOTES\nvoter_id;vote\nv;b\n",
            "unknown_project",
        ),
        (
            "META\nkey;value\nbudget;x\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
            "VOTES\nvoter_id;vote\n",
            "invalid_number",
        ),
    ],
)
def test_bad_files_are_refused_with_a_code(text: str, code: str) -> None:
    """A malformed file is refused with a stable code, never half-read."""
    with pytest.raises(PbFormatError) as caught:
        tally_input(parse_pb(text), Rule.MES)
    assert caught.value.code == code


def test_a_round_exports_to_pb_and_reads_back() -> None:
    """The money side of a round written as ``.pb`` reads back to the same tally input."""
    data = TallyInput(
        projects=(TallyProject("p1", 500, 0), TallyProject("p2", 700, 0)),
        ballots={"v2": frozenset({"p1"}), "v1": frozenset({"p1", "p2"}), "v3": frozenset()},
        budget_eur=1000,
        budget_hours=0,
        parameters=TallyParameters(Rule.MES),
        conflicts={},
    )
    pb = pb_from_tally_input(data, {"description": "round 2027-Q1", "currency": "EUR"})
    back, scale = tally_input(parse_pb(format_pb(pb)), Rule.MES)
    assert scale == 1
    assert (back.projects, back.ballots, back.budget_eur) == (
        data.projects,
        data.ballots,
        data.budget_eur,
    )
    assert tally(back).selected_ids == tally(data).selected_ids


# --- pabutools as the oracle -------------------------------------------------------------


@cache
def pabutools_selection(path: Path, rule: Rule) -> frozenset[str]:
    """What pabutools selects on the file with the given rule and our tie order."""
    from pabutools.election import parse_pabulib  # type: ignore[import-untyped]

    instance, profile = parse_pabulib(str(path))
    return frozenset(project.name for project in pabutools_outcome(instance, profile, rule))


@pytest.mark.parametrize("rule", list(Rule), ids=str)
@pytest.mark.parametrize("path", INSTANCES, ids=_short)
def test_tally_selects_exactly_what_pabutools_selects(path: Path, rule: Rule) -> None:
    """With hours at zero, each rule selects exactly pabutools' projects on real files."""
    data, _ = tally_input(parse_pb(path.read_text(encoding="utf-8")), rule)
    assert frozenset(tally(data).selected_ids) == pabutools_selection(path, rule)


@given(
    voters=st.integers(5, 80),
    projects=st.integers(1, 10),
    seed=st.integers(0, 10**6),
    rule=st.sampled_from(list(Rule)),
)
@settings(max_examples=15, deadline=None)
def test_generated_instances_select_what_pabutools_selects(
    tmp_path_factory: pytest.TempPathFactory, voters: int, projects: int, seed: int, rule: Rule
) -> None:
    """On generated approval elections (``load_tests/bench_pabutools.py``'s, smaller),
    written as ``.pb`` and read back by both libraries, each rule selects exactly what
    pabutools selects."""
    path = tmp_path_factory.mktemp("pb") / "generated.pb"
    path.write_text(format_pb(make_instance(voters, projects, seed, unit=1)))
    data, _ = tally_input(parse_pb(path.read_bytes()), rule)
    assert frozenset(tally(data).selected_ids) == pabutools_selection(path, rule)


# --- the command line ---------------------------------------------------------------------


def test_tally_pb_prints_ids_then_the_total() -> None:
    """`mutual tally-pb` prints the selected ids in selection order, then the total cost."""
    chicago = DATA / "US_Stanford_Dataset_PB_Chicago_35th_Ward_2019_vote_approvals.pb"
    result = CliRunner().invoke(cli, ["tally-pb", str(chicago), "--rule", "mes"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["961", "963", "964", "340000"]
    toulouse = next(p for p in INSTANCES if "Toulouse_2022_17" in p.name)
    result = CliRunner().invoke(cli, ["tally-pb", str(toulouse), "--rule", "greedy"])
    assert result.output.splitlines() == ["182", "183", "400000"]


def test_tally_pb_refuses_a_bad_file(tmp_path: Path) -> None:
    """A file that is not ``.pb`` ends with a message and exit code 1."""
    bad = tmp_path / "bad.pb"
    bad.write_text("hello\n")
    result = CliRunner().invoke(cli, ["tally-pb", str(bad)])
    assert result.exit_code == 1
    assert "no_section" in result.output


def test_tally_pb_runs_on_the_pure_core_alone() -> None:
    """`mutual tally-pb` loads no database, web or settings module."""
    path = next(p for p in INSTANCES if "Zabrze" in p.name)
    probe = (
        "import sys\n"
        "from mutual.cli.main import cli\n"
        f"try:\n    cli(['tally-pb', {str(path)!r}, '--rule', 'mes-add1-greedy'])\n"
        "except SystemExit as e:\n    code = e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy', 'litestar', 'pydantic', 'asyncpg', 'aiosqlite'} "
        "or m.startswith(('mutual.store', 'mutual.usecases', 'mutual.api', 'mutual.settings')))\n"
        "print('EXIT', code, 'HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert "P0008\n155000\nEXIT 0 HEAVY []" in out, out
