"""Notices and sign-in codes by e-mail, on SQLite and PostgreSQL, through a real SMTP
server (aiosmtpd) the test starts on 127.0.0.1: a notice reaches the mailbox in its
member's language with the feed's own text; a sign-in code arrives and signs in; a
daily digest groups a day's notices into one e-mail at its hour; "never" sends none;
and a mail server stopped and restarted mid-way, or refusing for a while, loses no
notice and sends none twice."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from prometheus_client.parser import text_string_to_metric_families

from mutual.core.mail import Notice, Recipient, compose, next_digest_at, recipient_address
from mutual.core.messages import _TEMPLATES, LANGUAGES, MAIL_SUBJECTS
from mutual.settings import Settings
from mutual.store import mail as mail_store
from mutual.store import timebank as timebank_store
from mutual.store.mail import OutboxRow
from mutual.usecases.mail import Mailer
from mutual.usecases.members import Profile, accept, apply
from mutual.usecases.startup import open_runtime
from tests.conftest import OPERATOR
from tests.test_api import API, Api, open_api
from tests.test_timebank import Member, join, propose

SENDER = "Banque du temps <temps@mulhouse.example>"
# Long enough for a loaded machine, bounded so a lost e-mail fails the test.
WAIT_SECONDS = 30.0
START = datetime(2027, 3, 1, 9, tzinfo=UTC)
INVITATION_SUBJECTS = frozenset(MAIL_SUBJECTS["invitation"].values())


@dataclass
class MailServer:
    """An SMTP server on a fixed loopback port that keeps what it receives; it can be
    stopped and started again on the same port, and told to refuse for a while."""

    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    # DATA commands still to answer "451 try again later" (a server in trouble).
    refusals: int = 0
    controller: Controller | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            if self.refusals > 0:
                self.refusals -= 1
                return "451 4.3.0 Please try again later"
            content = envelope.content
            assert isinstance(content, bytes)
            message = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        """What reached ``address`` after their invitation (every member joined here with
        an address gets one, tested in test_passwords)."""
        return [m for m in self.all_to(address) if m["Subject"] not in INVITATION_SUBJECTS]

    def all_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.received if rcpt == [address]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[MailServer]:
    server = MailServer(_free_port())
    server.start()
    yield server
    server.stop()


def mailed(settings: Settings, port: int) -> Settings:
    """The settings with e-mail on through the test's server, and quick retries."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_tls": "none",
            "smtp_sender": SENDER,
            "smtp_timeout_seconds": 5.0,
            "events_poll_seconds": 0.1,
            "mail_backoff_base_seconds": 0.2,
            "mail_backoff_max_seconds": 1.0,
        }
    )


@pytest.fixture
async def api(backend_settings: Settings, mailbox: MailServer) -> AsyncIterator[Api]:
    async with open_api(mailed(backend_settings, mailbox.port)) as api:
        yield api


def contact(address: str) -> dict[str, Any]:
    return {"contact": {"email": {"value": address, "visibility": "coordinators"}}}


def set_now(api: Api, moment: datetime) -> None:
    api.client.app.state.runtime.clock = lambda: moment


async def eventually(check: Callable[[], Any], what: str) -> Any:
    """Wait until ``check()`` (awaited when it is a coroutine) answers something true."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        found = check()
        if asyncio.iscoroutine(found):
            found = await found
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still waiting for {what}")
        await asyncio.sleep(0.05)


async def outbox(api: Api, member: Member) -> list[OutboxRow]:
    """The member's outbox rows but their invitation's (as ``MailServer.to``)."""
    async with api.db.reading() as conn:
        rows = await mail_store.outbox_of(conn, UUID(member.id))
    return [r for r in rows if r.kind != "invitation"]


async def feed_messages(api: Api, member: Member, language: str) -> list[str]:
    answer = await api.client.get(
        f"{API}/notifications", headers={**member.headers, "Accept-Language": language}
    )
    return [item["message"] for item in answer.json()["items"]]


async def choose(api: Api, member: Member, notices: str) -> dict[str, Any]:
    answer = await api.client.put(
        f"{API}/members/me/notification-preferences",
        json={"notices": notices},
        headers=member.headers,
    )
    assert answer.status_code == 200, answer.text
    chosen: dict[str, Any] = answer.json()
    return chosen


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    text: str = part.get_content()
    return text.replace("\r\n", "\n")  # as SMTP carried it


async def test_a_notice_reaches_the_mailbox_in_the_members_language(
    api: Api, mailbox: MailServer
) -> None:
    """A proposal's notice is e-mailed to its receiver at once, in French for a French
    member and in English for an English one, with the very text their feed shows,
    addressed by name, from the configured sender, with a Message-ID naming the notice."""
    awa = await join(api, "Awa", **contact("awa@example.org"))
    ben = await join(api, "Ben", languages=["en"], **contact("ben@example.org"))
    await propose(api, ben, awa, 90)
    await propose(api, awa, ben, 60)

    [french] = await eventually(lambda: mailbox.to("awa@example.org"), "Awa's e-mail")
    [english] = await eventually(lambda: mailbox.to("ben@example.org"), "Ben's e-mail")
    [awa_text] = await feed_messages(api, awa, "fr")
    assert awa_text == "Ben indique vous avoir rendu 1 h 30 : confirmez ou refusez."
    assert french["Subject"] == "Un échange à confirmer"
    assert french["From"] == SENDER
    assert french["To"] == "Awa <awa@example.org>"
    assert french["Content-Language"] == "fr"
    assert french["Auto-Submitted"] == "auto-generated"
    text = body(french)
    assert text.startswith("Bonjour Awa,\n\n" + awa_text + "\n")
    assert "préférences de notification" in text
    [row] = await outbox(api, awa)
    assert (row.state, row.attempts) == ("sent", 1)
    assert french["Message-ID"] == f"<notice-{row.seq}@mulhouse.example>"

    [ben_text] = await feed_messages(api, ben, "en")
    assert ben_text == "Awa says they gave you 1 h: confirm or reject it."
    assert english["Subject"] == "An exchange to confirm"
    assert body(english).startswith("Hello Ben,\n\n" + ben_text + "\n")
    chosen = await api.client.get(f"{API}/members/me/notification-preferences", headers=awa.headers)
    assert chosen.json() == {
        "notices": "immediate",
        "email": "awa@example.org",
        "email_enabled": True,
    }


async def test_a_sign_in_code_is_e_mailed_even_to_who_wants_no_notices(
    api: Api, mailbox: MailServer
) -> None:
    """A one-time sign-in code goes at once to the login's e-mail address (the member
    gave no other), though they chose to get no notices; the code in the e-mail signs
    in; their other notices stay out of the mailbox."""
    awa = await join(api, "Awa")
    ben = await join(api, "Ben", **contact("ben@example.org"))
    given = await api.client.put(
        f"{API}/members/{awa.id}/login", json={"login": "Awa@Example.org"}, headers=api.operator
    )
    assert given.status_code == 200, given.text
    assert (await choose(api, awa, "never"))["email"] == "awa@example.org"
    await propose(api, ben, awa, 30)
    asked = await api.client.post(f"{API}/sign-in/links", json={"login": "awa@example.org"})
    assert asked.status_code == 202, asked.text

    [message] = await eventually(lambda: mailbox.to("awa@example.org"), "the code's e-mail")
    assert message["Subject"] == "Votre code de connexion"
    text = body(message)
    line = next(x for x in text.splitlines() if x.startswith("Votre code de connexion"))
    assert "valable 15 min" in line
    code = line.rsplit(" ", 1)[-1]
    assert "Si ce n'est pas vous" in text
    redeemed = await api.client.post(f"{API}/sign-in/links/redeem", json={"token": code})
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["principal_id"] == awa.id
    states = sorted((r.kind, r.state) for r in await outbox(api, awa))
    assert states == [("proposal_received", "skipped"), ("sign_in_link", "sent")]
    assert len(mailbox.to("awa@example.org")) == 1


async def test_a_daily_digest_groups_the_days_notices(api: Api, mailbox: MailServer) -> None:
    """A member who chose the digest gets nothing during the day while others get their
    notices at once; at the digest's hour one e-mail carries the day's notices in order."""
    set_now(api, START)
    awa = await join(api, "Awa", **contact("awa@example.org"))
    ben = await join(api, "Ben", **contact("ben@example.org"))
    chosen = await choose(api, awa, "digest")
    assert chosen["notices"] == "digest"
    await propose(api, ben, awa, 90)
    await propose(api, ben, awa, 45)
    await propose(api, awa, ben, 60)

    await eventually(lambda: mailbox.to("ben@example.org"), "Ben's immediate e-mail")
    rows = await eventually(
        lambda: _when(outbox(api, awa), lambda rows: len(rows) == 2), "Awa's notices taken in"
    )
    assert {(r.delivery.value, r.state) for r in rows} == {("digest", "queued")}
    assert {r.next_attempt_at for r in rows} == {START.replace(hour=17)}
    assert mailbox.to("awa@example.org") == []

    set_now(api, START.replace(hour=17, minute=1))
    [digest] = await eventually(lambda: mailbox.to("awa@example.org"), "Awa's digest")
    assert digest["Subject"] == "Vos 2 notifications du jour"
    feed = await feed_messages(api, awa, "fr")
    assert body(digest).startswith(
        "Bonjour Awa,\n\nVoici ce qui s'est passé pour vous depuis le dernier résumé :\n\n"
        f"• {feed[0]}\n• {feed[1]}\n"
    )
    assert "un résumé par jour" in body(digest)
    sent = await outbox(api, awa)
    assert {r.state for r in sent} == {"sent"}
    assert digest["Message-ID"] == f"<digest-{sent[0].seq}-{sent[1].seq}-2@mulhouse.example>"


async def test_never_sends_none(api: Api, mailbox: MailServer) -> None:
    """A member who chose "never" gets no e-mail for their notices, while another member's
    notice of the same moment is delivered; switching to "never" also sets aside what
    waited for a digest; erasing the member erases the trace of their e-mails."""
    awa = await join(api, "Awa", **contact("awa@example.org"))
    ben = await join(api, "Ben", **contact("ben@example.org"))
    await choose(api, awa, "digest")
    await propose(api, ben, awa, 30)
    await eventually(
        lambda: _when(outbox(api, awa), lambda rows: len(rows) == 1), "the digest's notice"
    )
    await choose(api, awa, "never")
    await propose(api, ben, awa, 45)
    await propose(api, awa, ben, 60)

    await eventually(lambda: mailbox.to("ben@example.org"), "Ben's e-mail")
    rows = await eventually(
        lambda: _when(outbox(api, awa), lambda rows: len(rows) == 2), "Awa's notices taken in"
    )
    assert [(r.delivery.value, r.state) for r in rows] == [
        ("digest", "skipped"),
        ("never", "skipped"),
    ]
    assert mailbox.to("awa@example.org") == []
    assert len(await feed_messages(api, awa, "fr")) == 2

    erased = await api.client.delete(f"{API}/members/{awa.id}/profile", headers=api.operator)
    assert erased.status_code == 204, erased.text
    assert await outbox(api, awa) == []


async def test_a_mail_server_stopped_and_restarted_loses_nothing_and_sends_nothing_twice(
    api: Api, mailbox: MailServer
) -> None:
    """With the server down, notices wait in the outbox with their failed attempts
    recorded; once it is back (refusing the first e-mail it is offered with a 451),
    every notice arrives exactly once."""
    awa = await join(api, "Awa", **contact("awa@example.org"))
    ben = await join(api, "Ben", **contact("ben@example.org"))
    await propose(api, ben, awa, 30)
    await eventually(lambda: mailbox.to("awa@example.org"), "the first e-mail")

    mailbox.stop()
    for minutes in (45, 60, 75):
        await propose(api, ben, awa, minutes)
    waiting = await eventually(
        lambda: _when(
            outbox(api, awa),
            lambda rows: len(rows) == 4 and all(r.attempts >= 2 for r in rows[1:]),
        ),
        "failed attempts while the server is down",
    )
    assert [r.state for r in waiting] == ["sent", "queued", "queued", "queued"]
    assert all("Connect" in (r.last_error or "") for r in waiting[1:])
    assert await backlog(api) == 3
    assert len(mailbox.to("awa@example.org")) == 1

    mailbox.refusals = 1
    mailbox.start()
    await eventually(
        lambda: _when(outbox(api, awa), lambda rows: all(r.state == "sent" for r in rows)),
        "every notice sent",
    )
    await asyncio.sleep(1.0)  # a second copy, if one were to come, would come now
    delivered = mailbox.to("awa@example.org")
    rows = await outbox(api, awa)
    assert sorted(m["Message-ID"] for m in delivered) == sorted(
        f"<notice-{r.seq}@mulhouse.example>" for r in rows
    )
    assert sorted(body(m).splitlines()[2] for m in delivered) == sorted(
        await feed_messages(api, awa, "fr")
    )
    assert mailbox.refusals == 0  # the 451 was given, and its e-mail came later
    assert await backlog(api) == 0


async def test_two_mailers_on_one_database_send_each_notice_once(
    backend_settings: Settings, mailbox: MailServer
) -> None:
    """The mailers of two service processes (two runtimes on one database), racing each
    other while notices are written, send each notice exactly once."""
    settings = mailed(backend_settings, mailbox.port)
    async with (
        open_runtime(settings, migrate=False) as first,
        open_runtime(settings, migrate=False) as second,
    ):
        profile = Profile("Awa", None, contact("awa@example.org")["contact"], ["fr"], None)
        applied = await apply(first, profile)
        await accept(first, OPERATOR, applied.id)
        mailers = [Mailer(first), Mailer(second)]

        async def write(n: int) -> None:
            async with first.db.writing() as conn:
                data = {"transaction_id": f"t{n}", "minutes": 15 * (n + 1), "kind": "exchange"}
                await timebank_store.notify(
                    conn, applied.id, "hours_received", data, source=f"t{n}", now=first.clock()
                )

        async def rounds(mailer: Mailer) -> None:
            for _ in range(8):
                await mailer.run_once()

        try:
            await asyncio.gather(*(write(n) for n in range(20)), *map(rounds, mailers))
            for mailer in mailers:
                await mailer.run_once()
        finally:
            for mailer in mailers:
                await mailer.stop()
    delivered = await eventually(
        lambda: len(mailbox.to("awa@example.org")) >= 20 and mailbox.to("awa@example.org"),
        "twenty e-mails",
    )
    ids = [m["Message-ID"] for m in delivered]
    assert len(ids) == len(set(ids)) == 20


async def backlog(api: Api) -> float:
    text = (await api.client.get(f"{API}/metrics", headers=api.operator)).text
    return next(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "mutual_mail_backlog_notices"
    )


async def _when(rows: Any, ready: Callable[[list[OutboxRow]], bool]) -> list[OutboxRow] | None:
    found: list[OutboxRow] = await rows
    return found if ready(found) else None


def test_every_notice_kind_has_a_subject_in_each_language() -> None:
    """Each kind of notification has an e-mail subject in French and English."""
    assert set(MAIL_SUBJECTS) == set(_TEMPLATES)
    assert all(set(subjects) == set(LANGUAGES) for subjects in MAIL_SUBJECTS.values())


def test_a_digest_waits_for_the_next_digest_hour() -> None:
    """Notices of a day wait for the same hour: later today, or tomorrow once it passed."""
    morning = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    assert next_digest_at(morning, 17) == datetime(2027, 3, 1, 17, tzinfo=UTC)
    assert next_digest_at(morning.replace(hour=17), 17) == datetime(2027, 3, 2, 17, tzinfo=UTC)
    assert next_digest_at(morning, 0) - morning < timedelta(days=1)


def test_the_address_is_the_contact_e_mail_else_an_e_mail_login() -> None:
    """The contact's e-mail wins; a login that is an e-mail address is used otherwise;
    anything else (a phone number, a bare name, header injection) is no address."""
    given = {"email": {"value": "awa@example.org", "visibility": "members"}}
    assert str(recipient_address(given, "autre@example.org")) == "awa@example.org"
    assert str(recipient_address({}, "awa@example.org")) == "awa@example.org"
    phone = {"sms": {"value": "+33 6 00 00 00 00", "visibility": "coordinators"}}
    assert recipient_address(phone, "awa") is None
    injected = {"email": {"value": "a@example.org\r\nBcc: b@example.org", "visibility": "members"}}
    assert recipient_address(injected, None) is None


def test_a_name_cannot_add_a_header() -> None:
    """A profile name with line breaks stays inside the To header and the greeting."""
    address = recipient_address({}, "awa@example.org")
    assert address is not None
    message = compose(
        sender=SENDER,
        recipient=Recipient(address, "Awa\r\nBcc: eve@example.org", "fr"),
        notices=[Notice(7, "hours_received", "Vous avez reçu 1 h.")],
        digest=False,
        now=START,
    )
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed["To"] == '"Awa Bcc: eve@example.org" <awa@example.org>'
    assert parsed["Message-ID"] == "<notice-7@mulhouse.example>"
    assert body(parsed).startswith("Bonjour Awa Bcc: eve@example.org,\n\nVous avez reçu 1 h.\n")


def test_a_mail_host_without_a_sender_is_refused() -> None:
    """A service that would send e-mail without a From address does not start."""
    reasons = Settings(smtp_host="smtp.example.org").unsafe_for(workers=1)
    assert any("MUTUAL_SMTP_SENDER" in r for r in reasons)
    assert Settings(smtp_host="smtp.example.org", smtp_sender=SENDER).unsafe_for(workers=1) == []
