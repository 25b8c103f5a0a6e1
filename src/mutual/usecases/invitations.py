"""The way in after acceptance: the coordinator's acceptance gives the new member an
invitation, a link (``/app/#/invitation/<token>``) and a short code to type instead,
delivered by e-mail when the applicant gave an address and shown to the coordinator to
hand over otherwise. With either, the member chooses their login and password in the
page and is signed in; the invitation is then spent (``usecases.passwords.redeem``).

Both secrets are kept as SHA-256 hashes only. The token carries 256 random bits; the
code almost 40 (eight characters of 31, without the look-alikes 0/O, 1/I/L), enough for
a secret that lives a fortnight behind the per-address limit on unsigned calls and dies
at first use. A wrong one writes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.settings import Settings
from mutual.store import invitations as store
from mutual.store import timebank as timebank_store
from mutual.usecases.access import token_hash
from mutual.usecases.errors import UseCaseError
from mutual.usecases.runtime import Runtime, new_id

# Readable aloud and unambiguous on paper: no 0/O, no 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class InvitationInvalid(UseCaseError):
    code = "invitation_invalid"

    def __init__(self) -> None:
        super().__init__("the invitation is unknown, used or expired", field="invitation")


def new_code() -> str:
    """Eight characters, shown in two groups of four (``ABCD-EFGH``) to read out."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normal_code(text: str) -> str:
    """A typed code as it was made: capitals, without the spaces and dashes people add."""
    return "".join(c for c in text.upper() if c not in " -\t")


def code_hash(code: str) -> bytes:
    return token_hash(normal_code(code))


def page_link(settings: Settings, fragment: str) -> str:
    """The page's address for ``fragment``, on the configured public address (a path
    only without one: never the request's Host, which the sender chooses)."""
    base = (settings.public_url or "").rstrip("/")
    return f"{base}/app/#/{fragment}"


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    token: str
    code: str
    link: str
    expires_at: datetime


def secrets_of(invitation: str) -> tuple[bytes, bytes]:
    """The hashes a typed or followed invitation may match: a link's token or a code."""
    return token_hash(invitation.strip()), code_hash(invitation)


async def invite(conn: AsyncConnection, rt: Runtime, member_id: UUID) -> IssuedInvitation:
    """A new invitation for the member (their earlier ones are spent), in their feed as an
    ``invitation`` notice, which the mailer sends at once to the address they gave."""
    now = rt.clock()
    token = secrets.token_urlsafe(32)
    code = new_code()
    days = rt.settings.invitation_days
    expires_at = now + timedelta(days=days)
    invitation_id = new_id()
    await store.insert_invitation(
        conn,
        invitation_id,
        member_id,
        token_hash=token_hash(token),
        code_hash=code_hash(code),
        now=now,
        expires_at=expires_at,
    )
    link = page_link(rt.settings, f"invitation/{token}")
    data = {
        "token": token,
        "code": code,
        "link": link,
        "days": days,
        "expires_at": expires_at.isoformat(),
    }
    await timebank_store.notify(
        conn, member_id, "invitation", data, source=str(invitation_id), now=now
    )
    return IssuedInvitation(token, code, link, expires_at)
