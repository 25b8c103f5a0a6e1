"""Rows beside the log for projects followed after funding: residents' project ideas,
the indicators a group agreed for a project, and the lead's quarterly follow-ups with
the group's co-evaluation (``core.project_sheets`` says what they mean)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import project_followups, project_ideas, project_indicators


@dataclass(frozen=True, slots=True)
class IdeaRecord:
    id: UUID
    group_id: UUID
    author_id: UUID
    title: str
    description: str
    neighbourhood: str | None
    status: str
    reason: str | None
    project_id: UUID | None
    decided_by: UUID | None
    decided_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IndicatorRecord:
    id: UUID
    project_id: UUID
    name: str
    unit: str
    target: int
    defined_by: UUID
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FollowupRecord:
    id: UUID
    project_id: UUID
    quarter: str
    results: str
    obstacles: str
    needs: str
    indicator_values: dict[UUID, int]
    filed_by: UUID
    filed_at: datetime
    assessment: str | None
    evaluation_comment: str | None
    evaluated_by: UUID | None
    evaluated_at: datetime | None

    @property
    def closed(self) -> bool:
        """Co-evaluated: what the group assessed is no longer rewritten."""
        return self.assessment is not None


def _idea(row: Row[Any]) -> IdeaRecord:
    return IdeaRecord(**row._mapping)


def _indicator(row: Row[Any]) -> IndicatorRecord:
    return IndicatorRecord(**row._mapping)


def _followup(row: Row[Any]) -> FollowupRecord:
    values = dict(row._mapping)
    values["indicator_values"] = {
        UUID(k): int(v) for k, v in json.loads(values["indicator_values"]).items()
    }
    return FollowupRecord(**values)


def values_text(values: Mapping[UUID, int]) -> str:
    return json.dumps({str(k): v for k, v in sorted(values.items())})


# --- Ideas ------------------------------------------------------------------------------


async def insert_idea(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(project_ideas.insert().values(**values))


async def get_idea(conn: AsyncConnection, idea_id: UUID) -> IdeaRecord | None:
    row = (await conn.execute(select(project_ideas).where(project_ideas.c.id == idea_id))).first()
    return None if row is None else _idea(row)


async def ideas_of(conn: AsyncConnection, group_id: UUID) -> list[IdeaRecord]:
    query = (
        select(project_ideas)
        .where(project_ideas.c.group_id == group_id)
        .order_by(project_ideas.c.created_at, project_ideas.c.id)
    )
    return [_idea(row) for row in await conn.execute(query)]


async def decide_idea(conn: AsyncConnection, idea_id: UUID, values: Mapping[str, Any]) -> bool:
    """Record the decision unless one was recorded first (two deciders at once: one wins)."""
    done = await conn.execute(
        update(project_ideas)
        .where(project_ideas.c.id == idea_id, project_ideas.c.status == "submitted")
        .values(**values)
    )
    return bool(done.rowcount)


# --- Indicators -------------------------------------------------------------------------


async def insert_indicator(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(project_indicators.insert().values(**values))


async def indicators_of(conn: AsyncConnection, project_id: UUID) -> list[IndicatorRecord]:
    query = (
        select(project_indicators)
        .where(project_indicators.c.project_id == project_id)
        .order_by(project_indicators.c.created_at, project_indicators.c.id)
    )
    return [_indicator(row) for row in await conn.execute(query)]


# --- Follow-ups -------------------------------------------------------------------------


async def get_followup(
    conn: AsyncConnection, project_id: UUID, quarter: str
) -> FollowupRecord | None:
    row = (
        await conn.execute(
            select(project_followups).where(
                project_followups.c.project_id == project_id,
                project_followups.c.quarter == quarter,
            )
        )
    ).first()
    return None if row is None else _followup(row)


async def followups_of(conn: AsyncConnection, project_id: UUID) -> list[FollowupRecord]:
    """Newest quarter first: what a reader asks for first is how it is going now."""
    query = (
        select(project_followups)
        .where(project_followups.c.project_id == project_id)
        .order_by(project_followups.c.quarter.desc())
    )
    return [_followup(row) for row in await conn.execute(query)]


async def insert_followup(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(project_followups.insert().values(**values))


async def rewrite_followup(
    conn: AsyncConnection, followup_id: UUID, values: Mapping[str, Any]
) -> bool:
    """Rewrite a follow-up still open (False: the group evaluated it meanwhile)."""
    done = await conn.execute(
        update(project_followups)
        .where(project_followups.c.id == followup_id, project_followups.c.assessment.is_(None))
        .values(**values)
    )
    return bool(done.rowcount)


async def evaluate_followup(
    conn: AsyncConnection, followup_id: UUID, values: Mapping[str, Any]
) -> bool:
    """Close a follow-up with the group's assessment, once (False: evaluated before)."""
    return await rewrite_followup(conn, followup_id, values)


# --- Erasure ----------------------------------------------------------------------------


async def ideas_by(conn: AsyncConnection, author_id: UUID) -> list[IdeaRecord]:
    query = select(project_ideas).where(project_ideas.c.author_id == author_id)
    return [_idea(row) for row in await conn.execute(query.order_by(project_ideas.c.created_at))]


async def erase_texts_of(conn: AsyncConnection, member_id: UUID) -> None:
    """A member's words beside the projects: their ideas' text and their co-evaluations'
    comments. A follow-up stays whole: it is the project's report, filed by its lead as
    such; an idea taken up lives on in its project's own sheet."""
    await conn.execute(
        update(project_ideas)
        .where(project_ideas.c.author_id == member_id)
        .values(title="", description="", neighbourhood=None)
    )
    await conn.execute(
        update(project_followups)
        .where(project_followups.c.evaluated_by == member_id)
        .values(evaluation_comment="")
    )
