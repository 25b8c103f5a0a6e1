"""The territory's own lists (categories, neighbourhoods, well-being criteria), seeded
with what the service had until now so that no existing row stops being valid; and the
well-being scores survey tools record.

Categories: the fifteen the code had (core.timebank.CATEGORIES then), with their names.
Neighbourhoods: Mulhouse's, as the demo and the seeds name them, and every neighbourhood
a row already holds (a profile, an offer, an association, a collection point, an intake
record; a group's, in the log, stays valid as an old row). Well-being criteria: the
eight families of criteria of the SPIRAL method the action plan builds on (annex 2), for
the territory to refine.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lists as this revision knows them; later changes are the territory's own edits.
CATEGORIES = (
    ("childhood", "Enfance", "Childhood"),
    ("youth", "Jeunesse", "Youth"),
    ("work", "Travail", "Work"),
    ("citizenship", "Citoyenneté", "Citizenship"),
    ("family", "Famille", "Family"),
    ("lifelong_learning", "Apprendre tout au long de la vie", "Lifelong learning"),
    ("elderly", "Personnes âgées", "Elderly people"),
    ("culture_sport", "Culture et sport", "Culture and sport"),
    ("health", "Santé", "Health"),
    ("social_reintegration", "Réinsertion sociale", "Social reintegration"),
    ("energy", "Énergie", "Energy"),
    ("land_buildings", "Terrains et bâtiments", "Land and buildings"),
    ("time", "Temps", "Time"),
    ("money", "Argent", "Money"),
    ("information", "Information", "Information"),
)
NEIGHBOURHOODS = (
    "Bourtzwiller",
    "Drouot",
    "Drouot-Barbanègre",
    "Coteaux",
    "Franklin-Fridolin",
    "Vauban-Neppert",
    "Briand",
    "Dornach",
    "Rebberg",
    "Centre historique",
    "Nordfeld",
    "Wolf-Wagner",
)
CRITERIA = (
    ("access_to_resources", "Accès aux moyens de vie", "Access to the means of living"),
    ("living_environment", "Cadre de vie", "Living environment"),
    (
        "relations_with_organisations",
        "Relations avec et entre les organisations",
        "Relations with and between organisations",
    ),
    ("personal_relations", "Relations personnelles", "Personal relations"),
    ("social_balance", "Équilibres sociétaux", "Balance in society"),
    ("personal_balance", "Équilibres personnels", "Personal balance"),
    ("feelings", "Sentiments de bien-être ou de mal-être", "Feelings of well-being or ill-being"),
    ("attitudes_initiatives", "Attitudes et initiatives", "Attitudes and initiatives"),
)
# Where a neighbourhood is already written (table, column).
HELD = (
    ("members", "neighbourhood"),
    ("offers", "neighbourhood"),
    ("associations", "neighbourhood"),
    ("collection_points", "neighbourhood"),
    ("intake_records", "neighbourhood"),
)


def upgrade() -> None:
    entries = op.create_table(
        "territory_list_entries",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("code", sa.String(length=120), nullable=False),
        sa.Column("label_fr", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('category', 'neighbourhood', 'wellbeing_criterion')",
            name=op.f("ck_territory_list_entries_kind_known"),
        ),
        sa.PrimaryKeyConstraint("kind", "code", name=op.f("pk_territory_list_entries")),
    )
    op.create_table(
        "wellbeing_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("criterion", sa.String(length=120), nullable=False),
        sa.Column("neighbourhood", sa.String(length=120), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("score_total", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "respondents > 0", name=op.f("ck_wellbeing_records_respondents_positive")
        ),
        sa.CheckConstraint(
            "score_total >= 0", name=op.f("ck_wellbeing_records_score_total_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wellbeing_records")),
    )
    op.create_index("ix_wellbeing_records_recorded_at", "wellbeing_records", ["recorded_at"])

    bind = op.get_bind()
    held: set[str] = set()
    for table, column in HELD:
        found = bind.execute(sa.text(f"SELECT DISTINCT {column} FROM {table}"))  # noqa: S608
        held |= {r[0] for r in found if r[0]}
    names = list(NEIGHBOURHOODS) + sorted(held - set(NEIGHBOURHOODS))
    now = datetime.now(UTC)
    rows: list[dict[str, object]] = []
    for kind, seeded in (
        ("category", CATEGORIES),
        ("neighbourhood", [(n, n, n) for n in names]),
        ("wellbeing_criterion", CRITERIA),
    ):
        rows += [
            {
                "kind": kind,
                "code": code,
                "label_fr": fr,
                "label_en": en,
                "position": n,
                "created_at": now,
                "retired_at": None,
            }
            for n, (code, fr, en) in enumerate(seeded)
        ]
    op.bulk_insert(entries, rows)


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
