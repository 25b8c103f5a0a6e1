"""Notices and sign-in codes by e-mail over SMTP, in the member's language, as each member
chose: every notice as it happens, one digest a day, or none.

A background mailer (started with the service when ``smtp_host`` is set) takes every
new notification into the mail outbox (``store.mail``), in the same transaction as it
moves its cursor, so none is taken in twice or passed over; it then sends what is due
over one connection per round, and records each e-mail as sent only once the server
took it. An e-mail the server did not take stays queued and is tried again after an
exponential back-off with jitter, however long the server is away; one the server
refuses for good (an unknown recipient) is marked failed with the server's answer.

A notice is sent at most once unless the process dies between the server's acceptance
and its record (then again, with the same Message-ID, after the lease runs out).
Several processes may each run a mailer: a row is claimed by an update only one wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import aiosmtplib

from mutual.core.authority import Principal
from mutual.core.mail import (
    DEFAULT_DELIVERY,
    Notice,
    NoticeDelivery,
    Recipient,
    compose,
    delivery_of,
    next_digest_at,
    recipient_address,
)
from mutual.core.messages import choose_language
from mutual.store import mail as store
from mutual.store.errors import StoreUnavailable
from mutual.store.mail import Intake, NewNotice, OutboxRow
from mutual.usecases.events import LogWatch
from mutual.usecases.exchanges import expire_due
from mutual.usecases.members import member_or_404
from mutual.usecases.notifications import catch_up, rendered
from mutual.usecases.retries import backoff
from mutual.usecases.runtime import Runtime

log = logging.getLogger(__name__)

# Notifications taken in per transaction, and rows sent per round.
INTAKE_BATCH = 500
SEND_BATCH = 50
# A notification older than this when the mailer first sees it (e-mail was off, or the
# service was down for days) is not sent: it is in the member's feed, and news that old
# is no longer news.
STALE_AFTER = timedelta(days=3)
# A claim covers each e-mail's timeout and this margin: if the process dies, another
# one sends the rows after it.
LEASE_MARGIN_SECONDS = 30.0
# The shortest time between two rounds: what a notice may wait beyond its commit.
POLL_GAP_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class MailPreferences:
    notices: NoticeDelivery
    # Where the member's e-mails go (None: no address known, nothing is sent).
    address: str | None
    # Whether this service sends e-mail at all (a mail server is configured).
    enabled: bool


async def preferences(rt: Runtime, member: Principal) -> MailPreferences:
    """The member's choice (``immediate`` until they make one) and their address."""
    await member_or_404(rt, member.id)
    async with rt.db.reading() as conn:
        chosen = await store.preference(conn, member.id)
        contact = (await store.contacts(conn, [member.id]))[member.id]
    address = recipient_address(contact.contact, contact.login)
    return MailPreferences(
        chosen or DEFAULT_DELIVERY,
        None if address is None else address.addr_spec,
        rt.settings.smtp_host is not None,
    )


async def choose(rt: Runtime, member: Principal, notices: NoticeDelivery) -> MailPreferences:
    """Record the member's choice; what waits for their digest follows it (sent now for
    ``immediate``, set aside for ``never``)."""
    await member_or_404(rt, member.id)
    now = rt.clock()
    async with rt.db.writing() as conn:
        await store.set_preference(conn, member.id, notices, now=now)
        await store.requeue_member(conn, member.id, notices, now=now)
    return await preferences(rt, member)


def intake(notice: NewNotice, *, now: datetime, digest_hour: int) -> Intake:
    """What becomes of a new notification: queued for now or for the member's digest,
    or set aside (the member wants none, or it is stale)."""
    delivery = delivery_of(notice.kind, notice.chosen or DEFAULT_DELIVERY)

    def becomes(state: str, due: datetime | None) -> Intake:
        return Intake(notice.seq, notice.member_id, notice.kind, delivery, state, due)

    if delivery is NoticeDelivery.NEVER:
        return becomes("skipped", None)
    if now - notice.created_at > STALE_AFTER:
        return becomes("expired", None)
    if delivery is NoticeDelivery.DIGEST:
        return becomes("queued", next_digest_at(now, digest_hour))
    return becomes("queued", now)


async def take_in(rt: Runtime) -> bool:
    """Take the next notifications into the outbox; whether more are waiting."""
    async with rt.db.reading() as conn:
        if await store.newest_notification(conn) <= await store.last_taken(conn):
            return False
    now = rt.clock()
    async with rt.db.writing() as conn:
        last = await store.claim_intake(conn)
        found = await store.new_notices(conn, last, INTAKE_BATCH)
        if not found:
            return False
        hour = rt.settings.mail_digest_hour
        intakes = [intake(n, now=now, digest_hour=hour) for n in found]
        await store.take_in(conn, intakes, last_seq=found[-1].seq, now=now)
    return len(found) == INTAKE_BATCH


@dataclass(frozen=True, slots=True)
class _Mail:
    seqs: tuple[int, ...]
    attempts: int  # this attempt's number
    message: EmailMessage


def _refused_for_good(exc: Exception) -> bool:
    """The server refused this e-mail with a permanent (5xx) answer: trying again is
    pointless."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(r.code >= 500 for r in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPDataError) and exc.code >= 500


def _about_this_mail(exc: Exception) -> bool:
    # Refusals of one e-mail's recipient or content; anything else (the connection, the
    # sender, authentication) concerns every e-mail of the round.
    return isinstance(exc, aiosmtplib.SMTPRecipientsRefused | aiosmtplib.SMTPDataError)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:400]


class Mailer:
    """The background task that e-mails notices: it wakes when this process's writer
    commits (hours received, limits), when a retry or a digest falls due, and every
    ``events_poll_seconds`` (proposals, sign-in codes, other processes' writes)."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._watch = LogWatch(rt.journal)
        self._task: asyncio.Task[None] | None = None
        # Rows this mailer holds and has not yet finished (handed back on shutdown).
        self._held: set[int] = set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mutual-mailer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._watch.close()

    def kick(self) -> None:
        """Look for work now."""
        self._watch.wake()

    def backoff(self, attempts: int) -> timedelta:
        settings = self._rt.settings
        return backoff(
            attempts,
            base_seconds=settings.mail_backoff_base_seconds,
            max_seconds=settings.mail_backoff_max_seconds,
        )

    async def _run(self) -> None:
        while True:
            ticket = self._watch.ticket()
            wait = self._rt.settings.events_poll_seconds
            try:
                wait = min(wait, await self.run_once())
            except StoreUnavailable:  # an outage is expected now and then: try again later
                log.warning("e-mail not sent: the database is unavailable")
            except asyncio.CancelledError:
                await self._hand_back()
                raise
            except Exception:  # the mailer must outlive anything else too
                log.exception("e-mail not sent")
            await asyncio.sleep(min(wait, POLL_GAP_SECONDS))
            await self._watch.wait(ticket, wait)

    async def run_once(self) -> float:
        """Take new notifications in and send what is due; the seconds until the next
        queued row falls due (at most the poll interval)."""
        rt = self._rt
        # Hours received and limit warnings are derived from the log on demand: derive
        # them now, or a member who never opens the page would never be told.
        await catch_up(rt)
        await expire_due(rt)
        while await take_in(rt):
            pass
        await self._send_due()
        async with rt.db.reading() as conn:
            soonest = await store.next_due(conn)
        poll = rt.settings.events_poll_seconds
        if soonest is None:
            return poll
        return min(poll, max(0.0, (soonest - rt.clock()).total_seconds()))

    async def _send_due(self) -> None:
        rt = self._rt
        now = rt.clock()
        async with rt.db.reading() as conn:
            rows = await store.due(conn, now, SEND_BATCH)
        if not rows:
            return
        lease = rt.settings.smtp_timeout_seconds * (len(rows) + 2) + LEASE_MARGIN_SECONDS
        async with rt.db.writing() as conn:
            got = await store.claim(
                conn, [r.seq for r in rows], now=now, until=now + timedelta(seconds=lease)
            )
        self._held |= got
        mails = await self._compose([r for r in rows if r.seq in got], now)
        if mails:
            await self._deliver(mails)

    async def _compose(self, rows: Sequence[OutboxRow], now: datetime) -> list[_Mail]:
        """The e-mails the claimed rows make: one per immediate row, one per member for
        the digest rows; rows that cannot or need not go are closed here."""
        rt = self._rt
        # `mutual serve` refuses a mail host without a sender; a runtime opened another way
        # (a tool, a test) still sends from a name at the mail server's host.
        sender = rt.settings.smtp_sender or f"mutual@{rt.settings.smtp_host}"
        async with rt.db.reading() as conn:
            contacts = await store.contacts(conn, {r.member_id for r in rows})
            records = await store.notices(conn, [r.seq for r in rows])
            languages = {
                m.member_id: choose_language(",".join(m.languages)) for m in contacts.values()
            }
            member_of = {r.seq: r.member_id for r in rows}
            texts = await rendered(conn, records, lambda n: languages.get(member_of[n.seq], "fr"))
        data = {n.seq: n.data for n in records}
        notices = {n.seq: Notice(n.seq, n.kind, n.message) for n in texts}
        groups: dict[tuple[UUID, int | None], list[OutboxRow]] = {}
        for row in rows:
            key = (row.member_id, None if row.delivery is NoticeDelivery.DIGEST else row.seq)
            groups.setdefault(key, []).append(row)
        mails = []
        for (member_id, single), group in groups.items():
            seqs = tuple(r.seq for r in group)
            attempts = max(r.attempts for r in group) + 1
            contact = contacts.get(member_id)
            address = None if contact is None else recipient_address(contact.contact, contact.login)
            kept = [notices[s] for s in seqs if s in notices]
            if contact is None or contact.status != "active" or address is None or not kept:
                await self._close(seqs, "skipped", attempts - 1, error="no e-mail address")
                continue
            if any(_code_expired(data.get(s, {}), now) for s in seqs):
                await self._close(seqs, "expired", attempts - 1, error="the code expired first")
                continue
            recipient = Recipient(address, contact.name, languages[member_id])
            try:
                message = compose(
                    sender=sender, recipient=recipient, notices=kept, digest=single is None, now=now
                )
            except (ValueError, TypeError) as exc:  # e.g. a sender the e-mail library refuses
                # Kept as failed with the reason, rather than blocking every round after it.
                await self._close(seqs, "failed", attempts, error=_describe(exc))
                continue
            mails.append(_Mail(seqs, attempts, message))
        return mails

    async def _deliver(self, mails: Sequence[_Mail]) -> None:
        """Send over one connection; a failure of the connection backs off the rest."""
        settings = self._rt.settings
        password = settings.smtp_password
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=None if password is None else password.get_secret_value(),
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            timeout=settings.smtp_timeout_seconds,
        )
        try:
            await client.connect()
        except Exception as exc:  # whatever failed, the round failed: every e-mail waits
            client.close()
            log.warning("mail server unavailable, %d e-mails wait: %s", len(mails), _describe(exc))
            for mail in mails:
                await self._retry(mail, exc)
            return
        try:
            for index, mail in enumerate(mails):
                try:
                    await client.send_message(mail.message)
                except Exception as exc:
                    if _refused_for_good(exc):
                        await self._close(mail.seqs, "failed", mail.attempts, error=_describe(exc))
                    elif _about_this_mail(exc):
                        log.warning("an e-mail refused for now: %s", _describe(exc))
                        await self._retry(mail, exc)
                    else:
                        log.warning(
                            "mail server lost, %d e-mails wait: %s",
                            len(mails) - index,
                            _describe(exc),
                        )
                        for rest in mails[index:]:
                            await self._retry(rest, exc)
                        return
                else:
                    await self._close(mail.seqs, "sent", mail.attempts)
        finally:
            try:
                # The e-mails are recorded: a rude close is fine.
                with contextlib.suppress(Exception):
                    await client.quit()
            finally:
                # Also when the service stops during QUIT (cancelled): the socket is closed
                # now, not left to the collector, which warns of an unclosed transport.
                client.close()

    async def _close(
        self, seqs: Sequence[int], state: str, attempts: int, *, error: str | None = None
    ) -> None:
        async with self._rt.db.writing() as conn:
            await store.finish(
                conn, seqs, state=state, attempts=attempts, now=self._rt.clock(), error=error
            )
        self._held -= set(seqs)

    async def _retry(self, mail: _Mail, exc: Exception) -> None:
        until = self._rt.clock() + self.backoff(mail.attempts)
        async with self._rt.db.writing() as conn:
            await store.back_off(
                conn, mail.seqs, attempts=mail.attempts, error=_describe(exc), until=until
            )
        self._held -= set(mail.seqs)

    async def _hand_back(self) -> None:
        """Shutting down: rows held and not finished are due again now rather than at
        the lease's end."""
        if self._held:
            with contextlib.suppress(Exception):
                async with self._rt.db.writing() as conn:
                    await store.release(conn, self._held, now=self._rt.clock())
            self._held.clear()


def _code_expired(data: Mapping[str, Any], now: datetime) -> bool:
    """Whether a sign-in code expired before it could go (other notices do not expire)."""
    expires_at = data.get("expires_at")
    return expires_at is not None and datetime.fromisoformat(str(expires_at)) <= now


@asynccontextmanager
async def sending(rt: Runtime) -> AsyncIterator[Mailer | None]:
    """A running mailer when a mail server is configured (None otherwise), stopped on
    exit with the rows it held handed back."""
    if rt.settings.smtp_host is None:
        yield None
        return
    mailer = Mailer(rt)
    mailer.start()
    try:
        yield mailer
    finally:
        await mailer.stop()
