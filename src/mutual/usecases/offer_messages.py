"""Answering an offer or a request: a message to its author, kept in the service and
told to the author through their notifications (and so by e-mail, as they chose); the
author answers whoever wrote to them the same way, so neither needs to show a contact.

Who reads a message: its sender and its recipient, no one else (a coordinator neither:
it is a conversation between two people, not a record of the territory).
"""

from __future__ import annotations

from uuid import UUID

from mutual.core.authority import Principal
from mutual.store import offer_messages as store
from mutual.store import timebank as timebank_store
from mutual.store.offer_messages import OfferMessage
from mutual.usecases.errors import IdempotencyKeyMismatch, InvalidRequest
from mutual.usecases.members import active_member
from mutual.usecases.offers import OfferClosed, OwnOffer, read_offer
from mutual.usecases.pagination import Page, cut_page, parse_time_key, time_key
from mutual.usecases.runtime import Runtime, chosen_id


async def answer(
    rt: Runtime,
    sender: Principal,
    offer_id: UUID,
    *,
    message_id: UUID | None,
    text: str,
    to: UUID | None = None,
) -> tuple[OfferMessage, bool]:
    """Write to the author of an open offer, or, as its author, to one who wrote about it
    (``to``); returns the message and whether it is new. Sending the same message again
    with its id answers the one kept."""
    if not text.strip():
        raise InvalidRequest("a message says something", field="text")
    chosen = chosen_id(message_id)
    await active_member(rt, sender.id, field="sender")
    offer = await read_offer(rt, offer_id)
    if offer.member_id != sender.id:
        if to is not None and to != offer.member_id:
            raise InvalidRequest("a message about an offer goes to its author", field="to")
        recipient: UUID = offer.member_id
    elif to is None:
        raise OwnOffer(
            "one answers someone else's offer or request; its author names in `to` whom "
            "they answer",
            field="id",
        )
    else:
        async with rt.db.reading() as conn:
            wrote = await store.messages_on(conn, offer.id, party=to, after=None, limit=1)
        if not wrote:
            raise InvalidRequest("its author answers only who wrote about it", field="to")
        recipient = to
    now = rt.clock()
    message = OfferMessage(chosen, offer.id, sender.id, recipient, text, now)
    async with rt.db.writing() as conn:
        existing = await store.get_message(conn, chosen)
        if existing is not None:
            same = (
                existing.offer_id,
                existing.sender_id,
                existing.recipient_id,
                existing.text,
            ) == (
                offer.id,
                sender.id,
                recipient,
                text,
            )
            if not same:
                raise IdempotencyKeyMismatch(
                    "a different message was sent with this id", field="id"
                )
            return existing, False
        # Checked after the replay: a retry of a message sent just before the offer
        # closed answers what was sent, not a refusal.
        if offer.closed_at is not None or offer.expires_at <= now:
            raise OfferClosed("the offer is closed or has expired", field="id")
        await store.insert_message(conn, message)
        await timebank_store.notify(
            conn,
            recipient,
            "offer_message",
            {
                "offer_id": str(offer.id),
                "message_id": str(chosen),
                "sender": str(sender.id),
                "title": offer.title,
                "text": text,
            },
            source=str(chosen),
            now=now,
        )
    return message, True


async def read_messages(
    rt: Runtime, reader: Principal, offer_id: UUID, *, cursor: str | None, limit: int
) -> Page[OfferMessage]:
    """Oldest first: every message about it to its author; to anyone else, those they
    sent or were sent."""
    offer = await read_offer(rt, offer_id)
    after = None if cursor is None else parse_time_key("offer_messages", cursor)
    party = None if offer.member_id == reader.id else reader.id
    async with rt.db.reading() as conn:
        found = await store.messages_on(conn, offer.id, party=party, after=after, limit=limit + 1)
    return cut_page("offer_messages", found, limit, lambda m: time_key(m.created_at, m.id))
