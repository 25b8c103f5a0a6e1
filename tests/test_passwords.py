"""Joining and passwords through the API, on SQLite and PostgreSQL: the charter accepted
with an application; the coordinator's acceptance gives an invitation (a link's token
and a short code) that chooses a login and a first password once, before it expires; a
password changes only with the current one; a forgotten one resets with a one-time code,
asked for without telling whether the login exists; and every refusal writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select

from mutual.store.invitations import invitations, password_resets
from mutual.store.sign_in import credentials, sessions
from mutual.store.tables import notifications
from mutual.usecases.access import token_hash
from mutual.usecases.invitations import CODE_ALPHABET
from tests.test_api import API, Api, assert_problem
from tests.test_projects import api
from tests.test_sign_in import PASSWORD, START, browser, set_now, sign_in, with_password

__all__ = ["api"]

NEW_PASSWORD = "une autre phrase de passe"
CODE = re.compile(f"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")
APPLICATION = {
    "display_name": "Chloé",
    "neighbourhood": "Drouot",
    "languages": ["fr"],
    "contact": {"email": {"value": "chloe@example.org", "visibility": "coordinators"}},
}


async def rows(api: Api, table: Any) -> list[dict[str, Any]]:
    async with api.db.read_engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(select(table))]


async def everything(api: Api) -> list[list[dict[str, Any]]]:
    """What a refused attempt must leave as it was."""
    return [await rows(api, t) for t in (credentials, sessions, invitations, password_resets)]


async def accepted(api: Api, **changes: Any) -> dict[str, Any]:
    """An application with the charter accepted, and the coordinator's acceptance."""
    charter = (await api.client.get(f"{API}/charter")).json()
    body = APPLICATION | {"charter_version": charter["version"]} | changes
    applied = await api.client.post(f"{API}/members/applications", json=body)
    assert applied.status_code == 201, applied.text
    answer = await api.client.post(
        f"{API}/members/{applied.json()['id']}/accept", headers=api.operator
    )
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def redeem(api: Api, invitation: str, login: str = "chloe") -> Any:
    body = {"invitation": invitation, "login": login, "password": PASSWORD}
    return await api.client.post(f"{API}/invitations/redeem", json=body)


async def test_the_charter_accepted_is_kept_with_the_application(api: Api) -> None:
    """The charter's version is a hash of its text; an application keeps the version
    accepted (seen by the coordinator), and one made on a changed text is refused."""
    charter = (await api.client.get(f"{API}/charter")).json()
    assert "Charte" in charter["text"]
    assert re.fullmatch("[0-9a-f]{16}", charter["version"])
    done = await accepted(api)
    assert done["member"]["charter_version"] == charter["version"]
    stale = {**APPLICATION, "charter_version": "0" * 16}
    refused = await api.client.post(f"{API}/members/applications", json=stale)
    assert_problem(refused, 422, "invalid_request", "charter_version")


async def test_an_invitation_chooses_a_password_once(api: Api) -> None:
    """The acceptance gives a link to the page and a short code, kept only as hashes; the
    code (typed in lower case, without its dash) chooses the login and password and signs
    in; the link, the same invitation, then no longer works, and its refusal writes
    nothing."""
    done = await accepted(api)
    invitation = done["invitation"]
    assert CODE.match(invitation["code"]), invitation
    token = invitation["link"].removeprefix("/app/#/invitation/")
    assert invitation["link"] == f"/app/#/invitation/{token}"
    assert invitation["mailed"] is False  # no mail server in this test
    [kept] = await rows(api, invitations)
    assert (kept["token_hash"], kept["code_hash"]) == (
        token_hash(token),
        token_hash(invitation["code"].replace("-", "")),
    )

    typed = invitation["code"].replace("-", "").lower()
    async with browser(api) as page:
        body = {"invitation": typed, "login": "Chloé", "password": PASSWORD}
        signed_in = await page.post(f"{API}/invitations/redeem", json=body)
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["principal_id"] == done["member"]["id"]
        me = await page.get(f"{API}/me")
        assert (me.status_code, me.json()["principal_id"]) == (200, done["member"]["id"])
    async with browser(api) as page:
        assert (await sign_in(page, "chloé", PASSWORD)).status_code == 200

    before = await everything(api)
    for again in (token, typed):
        assert_problem(await redeem(api, again, "autre"), 422, "invitation_invalid", "invitation")
    assert await everything(api) == before


async def test_an_expired_or_wrong_invitation_writes_nothing(api: Api) -> None:
    """A wrong invitation and one past its days are refused alike, leaving no login; a
    login someone holds is refused and leaves the invitation usable."""
    set_now(api, START)
    await with_password(api, "Awa", "awa")
    done = await accepted(api)
    code = done["invitation"]["code"]
    before = await everything(api)
    assert_problem(await redeem(api, "ABCD-EFGH"), 422, "invitation_invalid")
    assert_problem(await redeem(api, "x" * 43), 422, "invitation_invalid")
    assert_problem(await redeem(api, code, "AWA"), 409, "login_taken")
    assert await everything(api) == before

    set_now(api, START + timedelta(days=14, seconds=1))
    assert_problem(await redeem(api, code), 422, "invitation_invalid")
    assert await everything(api) == before
    # A coordinator's new invitation works, and the old one stays spent.
    again = await api.client.post(
        f"{API}/members/{done['member']['id']}/invitation", headers=api.operator
    )
    assert again.status_code == 201, again.text
    assert_problem(await redeem(api, code), 422, "invitation_invalid")
    assert (await redeem(api, again.json()["code"])).status_code == 200


async def test_changing_a_password_needs_the_current_one(api: Api) -> None:
    """A wrong current password is refused and changes nothing; the right one changes it,
    ends the other sessions and keeps this one."""
    awa = await with_password(api, "Awa", "awa")
    async with browser(api) as page, browser(api) as other:
        session = (await sign_in(page, "awa", PASSWORD)).json()
        assert (await sign_in(other, "awa", PASSWORD)).status_code == 200
        csrf = {"X-CSRF-Token": session["csrf_token"]}
        path = f"{API}/members/me/password"
        [hash_before] = [r["password_hash"] for r in await rows(api, credentials)]
        wrong = await page.put(
            path,
            json={"current_password": "pas le bon mot de passe", "new_password": NEW_PASSWORD},
            headers=csrf,
        )
        assert_problem(wrong, 403, "current_password_wrong", "current_password")
        assert [r["password_hash"] for r in await rows(api, credentials)] == [hash_before]
        changed = await page.put(
            path, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=csrf
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["principal_id"] == awa.id
        assert (await page.get(f"{API}/me")).status_code == 200
        assert_problem(await other.get(f"{API}/me"), 401, "not_authenticated")
    async with browser(api) as page:
        assert_problem(await sign_in(page, "awa", PASSWORD), 401, "sign_in_failed")
        assert (await sign_in(page, "awa", NEW_PASSWORD)).status_code == 200


async def reset_codes(api: Api) -> list[str]:
    found = [r for r in await rows(api, notifications) if r["kind"] == "password_reset"]
    return [str(r["data"]["code"]) for r in found]


async def test_a_forgotten_password_resets_with_a_one_time_code(api: Api) -> None:
    """Asking answers the same for a login that exists and one that does not, and only
    the real one gets a code; a wrong code, or a code for another login, writes nothing;
    the right one sets the new password once, ends every session and lifts a lock."""
    set_now(api, START)
    awa = await with_password(api, "Awa", "awa")
    await with_password(api, "Bob", "bob")
    path = f"{API}/sign-in/password-resets"
    known = await api.client.post(path, json={"login": "AWA"})
    unknown = await api.client.post(path, json={"login": "personne"})
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert known.status_code == 202
    [code] = await reset_codes(api)
    assert CODE.match(code)
    feed = await api.client.get(f"{API}/notifications", headers=awa.headers)
    assert feed.json()["items"] == []  # a credential, not news

    before = await everything(api)
    redeem_path = f"{path}/redeem"
    for login, typed in (("awa", "ABCD-EFGH"), ("bob", code), ("personne", code)):
        body = {"login": login, "code": typed, "password": NEW_PASSWORD}
        answer = await api.client.post(redeem_path, json=body)
        assert_problem(answer, 422, "reset_code_invalid", "code")
    assert await everything(api) == before

    async with browser(api) as page:
        for _ in range(5):  # locked by wrong guesses
            await sign_in(page, "awa", "pas le bon mot de passe")
        assert_problem(await sign_in(page, "awa", PASSWORD), 429, "too_many_requests")
    body = {"login": "awa", "code": code.lower(), "password": NEW_PASSWORD}
    done = await api.client.post(redeem_path, json=body)
    assert done.status_code == 204, done.text
    assert_problem(await api.client.post(redeem_path, json=body), 422, "reset_code_invalid")
    async with browser(api) as page:
        assert (await sign_in(page, "awa", NEW_PASSWORD)).status_code == 200

    await api.client.post(path, json={"login": "awa"})
    [_, late] = await reset_codes(api)
    set_now(api, START + timedelta(minutes=31))
    body = {"login": "awa", "code": late, "password": PASSWORD}
    assert_problem(await api.client.post(redeem_path, json=body), 422, "reset_code_invalid")
    awa_row = [r for r in await rows(api, credentials) if r["principal_id"] == UUID(awa.id)]
    assert awa_row[0]["login"] == "awa"


async def test_erasure_spends_the_invitation_and_reset_codes(api: Api) -> None:
    """An erased member's live invitation and reset codes no longer work."""
    done = await accepted(api)
    member_id = done["member"]["id"]
    first = await redeem(api, done["invitation"]["code"])
    assert first.status_code == 200, first.text
    again = await api.client.post(f"{API}/members/{member_id}/invitation", headers=api.operator)
    asked = await api.client.post(f"{API}/sign-in/password-resets", json={"login": "chloe"})
    assert (again.status_code, asked.status_code) == (201, 202)
    [code] = await reset_codes(api)
    erased = await api.client.delete(f"{API}/members/{member_id}/profile", headers=api.operator)
    assert erased.status_code == 204, erased.text
    assert_problem(await redeem(api, again.json()["code"]), 422, "invitation_invalid")
    body = {"login": "chloe", "code": code, "password": NEW_PASSWORD}
    answer = await api.client.post(f"{API}/sign-in/password-resets/redeem", json=body)
    assert_problem(answer, 422, "reset_code_invalid")
    assert all(r["used_at"] is not None for r in await rows(api, invitations))
    assert all(r["used_at"] is not None for r in await rows(api, password_resets))
