"""Signing in from a web page, on SQLite and PostgreSQL: a login and an argon2id-hashed
password, a session in an HttpOnly cookie whose writes need its CSRF token, answers that
do not tell unknown logins from wrong passwords, lockout and recovery, signing out, and
one-time links delivered through the notification outbox a gateway reads."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from argon2 import PasswordHasher
from litestar.testing import transport as litestar_transport
from sqlalchemy import select, update

from mutual.core.permissions import MATRIX
from mutual.settings import Settings
from mutual.store.sign_in import credentials, sessions
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_permissions import service
from tests.test_projects import api
from tests.test_timebank import Member, join

__all__ = ["api"]

PASSWORD = "une phrase de passe assez longue"
START = datetime(2027, 3, 1, 9, tzinfo=UTC)
PROFILE = {"display_name": "Awa", "neighbourhood": "Drouot", "languages": ["fr"]}


def set_now(api: Api, moment: datetime) -> None:
    api.client.app.state.runtime.clock = lambda: moment


class ThroughTestClient(httpx.AsyncBaseTransport):
    """Requests go through the test client's transport: the app runs in that client's
    event loop, whose database connections this one must not use."""

    def __init__(self, api: Api) -> None:
        self._transport = litestar_transport.TestClientTransport(client=api.client)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transport.handle_async_request(request)


@asynccontextmanager
async def browser(
    api: Api, base_url: str = "http://testserver.local"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar, as a web page's browser has."""
    async with httpx.AsyncClient(transport=ThroughTestClient(api), base_url=base_url) as client:
        yield client


async def with_password(api: Api, name: str, login: str) -> Member:
    member = await join(api, name)
    answer = await api.client.put(
        f"{API}/members/me/credentials",
        json={"login": login, "password": PASSWORD},
        headers=member.headers,
    )
    assert answer.status_code == 200, answer.text
    return member


async def sign_in(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.post(f"{API}/sign-in", json={"login": login, "password": password})


def cookie_attributes(answer: httpx.Response) -> dict[str, str]:
    [header] = [h for h in answer.headers.get_list("set-cookie") if "mutual_session=" in h]
    attributes = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value.lower()
    return attributes


async def stored(api: Api, member: Member) -> dict[str, Any]:
    async with api.db.read_engine.connect() as conn:
        row = (
            await conn.execute(
                select(credentials).where(credentials.c.principal_id == UUID(member.id))
            )
        ).one()
    return dict(row._mapping)


async def test_password_session_cookie_and_csrf(api: Api) -> None:
    """The hash kept is argon2id, never the password; a session reads with its cookie
    alone and writes only with its CSRF token (a bearer token needs none); signing out
    ends it, and a password change ends the other sessions."""
    awa = await with_password(api, "Awa", "Awa@Example.org")
    row = await stored(api, awa)
    assert row["login"] == "awa@example.org"
    assert row["password_hash"].startswith("$argon2id$")
    assert all(PASSWORD not in str(value) for value in row.values())

    async with browser(api) as page:
        signed_in = await sign_in(page, "  AWA@example.ORG ", PASSWORD)
        assert signed_in.status_code == 200, signed_in.text
        body = signed_in.json()
        assert (body["principal_id"], body["roles"]) == (awa.id, ["member"])
        assert cookie_attributes(signed_in) == {
            "httponly": "",
            "max-age": str(8 * 3600),
            "path": "/api",
            "samesite": "lax",
        }
        cookie = signed_in.cookies["mutual_session"]
        async with api.db.read_engine.connect() as conn:
            [kept] = (await conn.execute(select(sessions))).all()
        assert kept.id_hash == hashlib.sha256(cookie.encode()).digest()
        assert cookie not in {str(v) for v in kept}

        me = await page.get(f"{API}/me")
        assert (me.status_code, me.json()["principal_id"]) == (200, awa.id)
        profile = f"{API}/members/me/profile"
        assert_problem(await page.put(profile, json=PROFILE), 403, "csrf_token_invalid")
        forged = await page.put(profile, json=PROFILE, headers={"X-CSRF-Token": "forged"})
        assert_problem(forged, 403, "csrf_token_invalid", "X-CSRF-Token")
        csrf = {"X-CSRF-Token": body["csrf_token"]}
        written = await page.put(profile, json=PROFILE, headers=csrf)
        assert written.status_code == 200, written.text
        assert (await api.client.put(profile, json=PROFILE, headers=awa.headers)).status_code == 200

        async with browser(api) as other_device:
            assert (await sign_in(other_device, "awa@example.org", PASSWORD)).status_code == 200
            changed = await page.put(
                f"{API}/members/me/credentials",
                json={"login": "awa@example.org", "password": PASSWORD + " neuve"},
                headers=csrf,
            )
            assert changed.status_code == 200, changed.text
            assert_problem(await other_device.get(f"{API}/me"), 401, "not_authenticated")
        assert (await page.get(f"{API}/me")).status_code == 200

        assert_problem(await page.post(f"{API}/sign-out"), 403, "csrf_token_invalid")
        ended = await page.post(f"{API}/sign-out", headers=csrf)
        assert ended.status_code == 204, ended.text
        assert cookie_attributes(ended)["max-age"] == "0"
        assert "mutual_session" not in page.cookies
    async with browser(api) as replay:
        replay.cookies.set("mutual_session", cookie, domain="testserver.local", path="/api")
        assert_problem(await replay.get(f"{API}/me"), 401, "not_authenticated")
    async with api.db.read_engine.connect() as conn:
        ended_at = (await conn.execute(select(sessions.c.revoked_at))).scalars().all()
    assert all(at is not None for at in ended_at)


async def test_wrong_password_and_unknown_login_answer_alike(api: Api) -> None:
    """Nothing in the answer (status, problem, headers that matter) tells them apart; no
    cookie is set. Logins are unique without regard to case; passwords are 12 or more."""
    awa = await with_password(api, "Awa", "awa")
    async with browser(api) as page:
        wrong = await sign_in(page, "awa", "pas le bon mot de passe")
        unknown = await sign_in(page, "personne", "pas le bon mot de passe")
        for answer in (wrong, unknown):
            assert_problem(answer, 401, "sign_in_failed")
            assert "set-cookie" not in answer.headers
            assert answer.json() == wrong.json()
        # A NUL character is refused as input, for every login alike (never stored text).
        impossible = await sign_in(page, "awa\x00", "pas le bon mot de passe")
        assert_problem(impossible, 422, "invalid_request")
        asked = await page.post(f"{API}/sign-in/links", json={"login": "awa\x00"})
        assert_problem(asked, 422, "invalid_request")
    bob = await join(api, "Bob")
    taken = await api.client.put(
        f"{API}/members/me/credentials",
        json={"login": "AWA", "password": PASSWORD},
        headers=bob.headers,
    )
    assert_problem(taken, 409, "login_taken", "login")
    short = await api.client.put(
        f"{API}/members/me/credentials",
        json={"login": "bob", "password": "trop court"},
        headers=bob.headers,
    )
    assert_problem(short, 422, "invalid_request")
    assert (await stored(api, awa))["failed_attempts"] == 1


async def test_lockout_after_failures_then_recovery(api: Api) -> None:
    """Five failures lock the login for fifteen minutes: even the right password is
    answered 429 with Retry-After; after the lock it signs in, and the count restarts."""
    awa = await with_password(api, "Awa", "awa")
    set_now(api, START)
    async with browser(api) as page:
        for _ in range(5):
            assert_problem(
                await sign_in(page, "awa", "devine devine devine"), 401, "sign_in_failed"
            )
        locked = await sign_in(page, "awa", PASSWORD)
        assert_problem(locked, 429, "too_many_requests")
        assert int(locked.headers["Retry-After"]) == 15 * 60
        set_now(api, START + timedelta(minutes=10))
        still = await sign_in(page, "awa", PASSWORD)
        assert_problem(still, 429, "too_many_requests")
        assert int(still.headers["Retry-After"]) == 5 * 60
        set_now(api, START + timedelta(minutes=16))
        assert_problem(await sign_in(page, "awa", "devine encore"), 401, "sign_in_failed")
        recovered = await sign_in(page, "awa", PASSWORD)
        assert recovered.status_code == 200, recovered.text
    assert (await stored(api, awa))["failed_attempts"] == 0


async def test_a_hash_made_under_older_parameters_is_redone_at_sign_in(api: Api) -> None:
    awa = await with_password(api, "Awa", "awa")
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    async with api.db.writing() as conn:
        await conn.execute(
            update(credentials)
            .where(credentials.c.principal_id == UUID(awa.id))
            .values(password_hash=weaker)
        )
    async with browser(api) as page:
        assert (await sign_in(page, "awa", PASSWORD)).status_code == 200
    redone = (await stored(api, awa))["password_hash"]
    assert redone != weaker
    assert not PasswordHasher().check_needs_rehash(redone)


async def test_one_time_link_through_the_gateway(api: Api) -> None:
    """A coordinator gives a member a login (never a password, and only once); a link
    asked for it reaches the outbox of a gateway holding notifications:read (not another
    service client), redeems once into a session, not twice, and not once expired."""
    awa = await join(
        api, "Awa", contact={"sms": {"value": "+33 6 00 00 00 00", "visibility": "coordinators"}}
    )
    given = await api.client.put(
        f"{API}/members/{awa.id}/login", json={"login": "awa"}, headers=api.operator
    )
    assert given.status_code == 200, given.text
    assert given.json()["has_password"] is False
    again = await api.client.put(
        f"{API}/members/{awa.id}/login", json={"login": "awa2"}, headers=api.operator
    )
    assert_problem(again, 403, "not_authorised")
    gateway = await service(api, ["notifications:read"])
    other = await service(api, ["members:read", "events:read"])
    set_now(api, START)

    async with browser(api) as page:
        for login in ("awa", "personne"):
            asked = await page.post(f"{API}/sign-in/links", json={"login": login})
            assert (asked.status_code, asked.content) == (202, b"")
        outbox = await api.client.get(f"{API}/notifications/outbox", headers=gateway)
        assert outbox.status_code == 200, outbox.text
        [item] = [i for i in outbox.json()["items"] if i["kind"] == "sign_in_link"]
        assert (item["member_id"], item["language"]) == (awa.id, "fr")
        assert item["contact"]["sms"]["value"] == "+33 6 00 00 00 00"
        token = item["data"]["token"]
        assert token in item["message"]
        assert "15 min" in item["message"]
        assert_problem(
            await api.client.get(f"{API}/notifications/outbox", headers=other),
            403,
            "not_authorised",
        )
        feed = (await api.client.get(f"{API}/notifications", headers=awa.headers)).json()
        assert [n["kind"] for n in feed["items"]] == ["sign_in_link"]

        redeemed = await page.post(f"{API}/sign-in/links/redeem", json={"token": token})
        assert redeemed.status_code == 200, redeemed.text
        assert redeemed.json()["principal_id"] == awa.id
        assert "mutual_session" in page.cookies
        chosen = await page.put(
            f"{API}/members/me/credentials",
            json={"login": "awa", "password": PASSWORD},
            headers={"X-CSRF-Token": redeemed.json()["csrf_token"]},
        )
        assert chosen.status_code == 200, chosen.text
        twice = await page.post(f"{API}/sign-in/links/redeem", json={"token": token})
        assert_problem(twice, 401, "sign_in_failed", "token")

        cursor = outbox.json()["next_cursor"]
        assert (await page.post(f"{API}/sign-in/links", json={"login": "AWA"})).status_code == 202
        later = await api.client.get(
            f"{API}/notifications/outbox", params={"cursor": cursor}, headers=gateway
        )
        [fresh] = later.json()["items"]
        set_now(api, START + timedelta(minutes=16))
        expired = await page.post(
            f"{API}/sign-in/links/redeem", json={"token": fresh["data"]["token"]}
        )
        assert_problem(expired, 401, "sign_in_failed")


async def test_secure_cookie_over_https(api: Api) -> None:
    await with_password(api, "Awa", "awa")
    async with browser(api, "https://testserver.local") as page:
        signed_in = await sign_in(page, "awa", PASSWORD)
        assert signed_in.status_code == 200, signed_in.text
        attributes = cookie_attributes(signed_in)
        assert {"secure", "httponly"} <= set(attributes)
        assert attributes["samesite"] == "lax"
        assert (await page.get(f"{API}/me")).status_code == 200


async def test_signing_in_is_under_the_anonymous_rate_limit(
    fresh_database: Callable[[str], Settings],
) -> None:
    assert all(MATRIX[op].public for op in ("signIn", "requestSignInLink", "redeemSignInLink"))
    settings = fresh_database("sqlite").model_copy(update={"rate_limit_anonymous": 2})
    async with open_api(settings) as api, browser(api) as page:
        for _ in range(2):
            assert_problem(await sign_in(page, "awa", PASSWORD), 401, "sign_in_failed")
        flooded = await sign_in(page, "awa", PASSWORD)
        assert_problem(flooded, 429, "too_many_requests")
        assert "Retry-After" in flooded.headers


async def test_erasure_ends_signing_in(api: Api) -> None:
    """A member's erasure removes their login and password hash and ends their sessions:
    the cookie no longer reads, the login no longer signs in."""
    nour = await with_password(api, "Nour", "nour@example.org")
    async with browser(api) as page:
        signed_in = await sign_in(page, "nour@example.org", PASSWORD)
        assert signed_in.status_code == 200, signed_in.text
        erased = await api.client.delete(f"{API}/members/{nour.id}/profile", headers=api.operator)
        assert erased.status_code == 204, erased.text
        await api.client.app.state.authenticator.forget_all()
        assert_problem(await page.get(f"{API}/me"), 401, "not_authenticated")
        assert_problem(await sign_in(page, "nour@example.org", PASSWORD), 401, "sign_in_failed")
    async with api.db.read_engine.connect() as conn:
        left = (
            await conn.execute(
                select(credentials).where(credentials.c.principal_id == UUID(nour.id))
            )
        ).all()
    assert left == []
