"""Messages about an offer or a request, between its author and one who wrote to them:
each read by its sender and its recipient only; a member's words go when they are
erased."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.tables import offer_messages, offers


@dataclass(frozen=True, slots=True)
class OfferMessage:
    id: UUID
    offer_id: UUID
    sender_id: UUID
    recipient_id: UUID
    text: str
    created_at: datetime


def _message(row: Row[Any]) -> OfferMessage:
    return OfferMessage(
        row.id, row.offer_id, row.sender_id, row.recipient_id, row.text, row.created_at
    )


async def insert_message(conn: AsyncConnection, message: OfferMessage) -> None:
    await conn.execute(
        offer_messages.insert().values(
            id=message.id,
            offer_id=message.offer_id,
            sender_id=message.sender_id,
            recipient_id=message.recipient_id,
            text=message.text,
            created_at=message.created_at,
        )
    )


async def get_message(conn: AsyncConnection, message_id: UUID) -> OfferMessage | None:
    query = select(offer_messages).where(offer_messages.c.id == message_id)
    row = (await conn.execute(query)).first()
    return None if row is None else _message(row)


async def messages_on(
    conn: AsyncConnection,
    offer_id: UUID,
    *,
    party: UUID | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[OfferMessage]:
    """The messages on one offer, oldest first; only those ``party`` sent or was sent
    when given."""
    query = (
        select(offer_messages)
        .where(offer_messages.c.offer_id == offer_id)
        .order_by(offer_messages.c.created_at, offer_messages.c.id)
        .limit(limit)
    )
    if party is not None:
        query = query.where(
            or_(offer_messages.c.sender_id == party, offer_messages.c.recipient_id == party)
        )
    if after is not None:
        created, message_id = after
        query = query.where(
            or_(
                offer_messages.c.created_at > created,
                (offer_messages.c.created_at == created) & (offer_messages.c.id > message_id),
            )
        )
    return [_message(row) for row in await conn.execute(query)]


async def messages_sent_by(conn: AsyncConnection, sender_id: UUID) -> list[OfferMessage]:
    query = (
        select(offer_messages)
        .where(offer_messages.c.sender_id == sender_id)
        .order_by(offer_messages.c.created_at)
    )
    return [_message(row) for row in await conn.execute(query)]


async def erase_messages_of(conn: AsyncConnection, member_id: UUID) -> None:
    """The member's words go: the messages they sent, and those sent to them (a
    conversation with someone who is gone has no reader left)."""
    theirs = select(offers.c.id).where(offers.c.member_id == member_id)
    await conn.execute(
        offer_messages.delete().where(
            or_(
                offer_messages.c.sender_id == member_id,
                offer_messages.c.recipient_id == member_id,
                offer_messages.c.offer_id.in_(theirs),
            )
        )
    )
