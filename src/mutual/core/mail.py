"""Notices by e-mail, as the member reads them: what each member chose (each notice as it
happens, one digest a day, or none), when a digest falls due, and the message itself.

Pure: the time, the texts (already put into words in the member's language) and the
addresses are arguments. Sending is ``usecases.mail``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum

from mutual.core.messages import (
    digest_intro,
    digest_subject,
    mail_closing,
    mail_greeting,
    mail_subject,
)


class NoticeDelivery(StrEnum):
    """How a member wants their notices by e-mail."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"
    NEVER = "never"


DEFAULT_DELIVERY = NoticeDelivery.IMMEDIATE

# Kinds that go at once whatever the member chose: the person asked for them just now,
# and they are worthless a few minutes later (a sign-in code lasts a quarter of an hour);
# an invitation is the new member's only way in.
ALWAYS_AT_ONCE = frozenset({"sign_in_link", "password_reset", "invitation"})


def delivery_of(kind: str, chosen: NoticeDelivery) -> NoticeDelivery:
    """How a notice of ``kind`` goes to a member who chose ``chosen``."""
    return NoticeDelivery.IMMEDIATE if kind in ALWAYS_AT_ONCE else chosen


def next_digest_at(now: datetime, hour: int) -> datetime:
    """The first ``hour``:00 UTC after ``now``: every notice of a day waits for the same
    moment, so a member's day goes out as one e-mail."""
    moment = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)


def mail_address(value: str | None) -> Address | None:
    """``value`` as an e-mail address (``local@domain``), or None when it is not one."""
    if not value or "@" not in value or any(c in value for c in "\r\n<>,;"):
        return None
    try:
        address = Address(addr_spec=value.strip())
    except (ValueError, IndexError):  # the parser raises either on malformed text
        return None
    return address if address.username and address.domain else None


def recipient_address(
    contact: Mapping[str, Mapping[str, str]], login: str | None
) -> Address | None:
    """Where a member's e-mail goes: the address in their contact details, else their
    login when it is an e-mail address (as it often is); None when neither is one."""
    given = contact.get("email", {}).get("value")
    return mail_address(given) or mail_address(login)


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification put into words for its reader."""

    seq: int
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Recipient:
    address: Address
    name: str | None
    language: str


def compose(
    *,
    sender: str,
    recipient: Recipient,
    notices: Sequence[Notice],
    digest: bool,
    now: datetime,
) -> EmailMessage:
    """One notice on its own, or a member's digest of several, as a plain-text e-mail.

    Its Message-ID names the notices it carries, so that a copy sent again (a process
    that died between the server's acceptance and recording it) is recognisable as the
    same message by the receiving side."""
    language = recipient.language
    # A profile's name may hold any whitespace; a line break in a header would be refused
    # (or, with a laxer library, start a header of its own).
    name = " ".join((recipient.name or "").split()) or None
    first = notices[0]
    if digest:
        subject = digest_subject(len(notices), language)
        lines = [digest_intro(language), "", *(f"• {n.text}" for n in notices)]
        reason = "digest"
        ident = f"digest-{first.seq}-{notices[-1].seq}-{len(notices)}"
    else:
        subject = mail_subject(first.kind, language)
        lines = [first.text]
        reason = first.kind if first.kind in ALWAYS_AT_ONCE else "immediate"
        ident = f"notice-{first.seq}"
    body = "\n".join(
        [
            mail_greeting(name, language),
            "",
            *lines,
            "",
            "-- ",
            mail_closing(reason, language),
            "",
        ]
    )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(name or "", addr_spec=recipient.address.addr_spec)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    domain = sender_domain(sender)
    message["Message-ID"] = f"<{ident}@{domain}>"
    # RFC 3834: an automatic message, so that out-of-office replies are not sent back.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    # After set_content, which replaces every Content-* header.
    message["Content-Language"] = language
    return message


def sender_domain(sender: str) -> str:
    """The domain of the sender's address, which names our Message-IDs."""
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rsplit("@", 1)[-1] if "@" in address else "mutual.localhost"
