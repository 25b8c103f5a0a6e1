"""Every refusal has words for people in French and English, from one catalogue the
service serves to the page; amounts no one means are refused with nothing written."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mutual.api.problems import STATUS_BY_CODE
from mutual.core.accounts import Account, OwnerKind
from mutual.core.bounds import BoundsChange, apply_bounds_change
from mutual.core.errors import (
    BoundsExcludeBalance,
    ExceedsBalanceMax,
    ExceedsBalanceMin,
    LedgerError,
)
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.ledger import check_bounds
from mutual.core.messages import LANGUAGES, PROBLEM_TITLES
from mutual.core.problem_words import (
    CATEGORY_NAMES,
    FIELD_NAMES,
    PROBLEM_TEXTS,
    placeholders,
    words_document,
)
from mutual.core.timebank import (
    CATEGORIES,
    EXCHANGE_MINUTES_MAX,
    LIMIT_MINUTES_MAX,
    PLEDGE_MINUTES_MAX,
    USUAL_EXCHANGE_MINUTES,
    USUAL_LIMIT_MINUTES,
    USUAL_PLEDGE_MINUTES,
    ImplausibleAmount,
    check_plausible,
)
from mutual.core.units import TIME
from mutual.settings import Settings
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_timebank import join, propose

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "src" / "mutual" / "web" / "js"
DOCUMENTED = re.compile(r"^\| `([a-z_]+)` \| \d{3} \|", re.MULTILINE)


def _codes() -> set[str]:
    documented = set(DOCUMENTED.findall((ROOT / "contracts" / "problems.md").read_text()))
    return documented | set(STATUS_BY_CODE)


def test_every_problem_code_has_french_and_english_words() -> None:
    """Each code the contract lists or the API answers has a title in both languages,
    neither empty, the French not the English."""
    lacking = [
        code
        for code in sorted(_codes())
        if code not in PROBLEM_TITLES
        or any(not PROBLEM_TITLES[code].get(lang, "").strip() for lang in LANGUAGES)
        or PROBLEM_TITLES[code]["fr"] == PROBLEM_TITLES[code]["en"]
    ]
    assert lacking == []


def test_every_text_is_for_a_known_code_in_both_languages_with_the_same_facts() -> None:
    """A text (or a variant's) belongs to a code, is said in both languages, differently,
    and both name the same facts, so neither language loses one."""
    wrong = [
        key
        for key, text in PROBLEM_TEXTS.items()
        if key.split("/")[0] not in PROBLEM_TITLES
        or set(text) != set(LANGUAGES)
        or text["fr"] == text["en"]
        or placeholders(text["fr"]) != placeholders(text["en"])
    ]
    assert wrong == []
    assert all(set(words) == set(LANGUAGES) for words in FIELD_NAMES.values())
    assert set(CATEGORY_NAMES) == set(CATEGORIES)


def test_the_served_words_cover_every_code() -> None:
    """/app/words.json names every problem code, with a title in each language."""
    served = words_document()["problems"]
    assert set(served) >= _codes()
    assert all(set(words["title"]) == set(LANGUAGES) for words in served.values())


def test_the_page_spells_no_code_of_its_own_and_never_shows_a_detail() -> None:
    """The page's dictionary holds no problem or category words (they come from the
    service's catalogue), writes no "(s)" (plurals are the language's rules), and no
    module reads a problem's English `detail` to show it."""
    i18n = (WEB / "i18n.js").read_text()
    assert re.findall(r'"(?:problem|category)\.[a-z_]+"\s*:', i18n) == []
    assert "(s)" not in i18n
    for module in [*WEB.glob("*.js"), *(WEB / "views").glob("*.js")]:
        source = module.read_text()
        assert re.search(r"problem\??\.detail", source) is None, module


def test_the_page_asks_before_the_amounts_the_service_would_accept_but_rarely_sees() -> None:
    """The thresholds the page confirms from are below the bounds the service refuses
    beyond, and are the ones the service states (served with the words)."""
    usual = words_document()["usual_minutes"]
    assert usual == {
        "exchange": USUAL_EXCHANGE_MINUTES,
        "pledge": USUAL_PLEDGE_MINUTES,
        "limit": USUAL_LIMIT_MINUTES,
    }
    assert USUAL_EXCHANGE_MINUTES < EXCHANGE_MINUTES_MAX
    assert USUAL_PLEDGE_MINUTES < PLEDGE_MINUTES_MAX
    assert USUAL_LIMIT_MINUTES < LIMIT_MINUTES_MAX


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


async def test_implausible_amounts_are_refused_with_nothing_written(api: Api) -> None:
    """An exchange over a day, a pledge over 500 h a quarter, a limit beyond ±1,000 h are
    refused as `implausible_amount` with the amount and the most allowed as facts; the
    most itself is accepted."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    size = await api.log_size()
    body = {"receiver": bob.id, "minutes": EXCHANGE_MINUTES_MAX + 15, "memo": "Déménagement"}
    over = await api.client.post(f"{API}/proposals", json=body, headers=alice.headers)
    assert_problem(over, 422, "implausible_amount", "minutes")
    facts = {"unit": "TIME", "amount": EXCHANGE_MINUTES_MAX + 15, "most": EXCHANGE_MINUTES_MAX}
    assert over.json()["facts"] == facts
    pledge = {"quarter": "2027-Q1", "minutes": PLEDGE_MINUTES_MAX + 15}
    too_much = await api.client.post(f"{API}/pledges", json=pledge, headers=alice.headers)
    assert_problem(too_much, 422, "implausible_amount", "minutes")
    limits = {"balance_min": -LIMIT_MINUTES_MAX - 60, "balance_max": 2400}
    deep = await api.client.put(f"{API}/members/{bob.id}/limits", json=limits, headers=api.operator)
    assert_problem(deep, 422, "implausible_amount", "balance_min")
    territory = {"balance_min": -1200, "balance_max": LIMIT_MINUTES_MAX + 60}
    high = await api.client.put(f"{API}/territory/limits", json=territory, headers=api.operator)
    assert_problem(high, 422, "implausible_amount", "balance_max")
    assert await api.log_size() == size
    assert (await propose(api, alice, bob, EXCHANGE_MINUTES_MAX))["minutes"] == 1440


def test_the_facts_a_refusal_carries_fill_its_text() -> None:
    """Each refusal with facts names every fact its text (or its variant's) needs: the
    lower and upper bound of a move, the bounds of a change, an implausible amount."""
    account = Account(AccountId(uuid.uuid4()), TIME, OwnerKind.MEMBER, "m", -600, 600, balance=-500)
    refusals: list[LedgerError] = []
    for amount in (-200, 1200):
        with pytest.raises((ExceedsBalanceMin, ExceedsBalanceMax)) as moved:
            check_bounds(account, amount, field="postings[0].amount")
        refusals.append(moved.value)
    for low, high in ((-300, 600), (-900, -700)):
        change = BoundsChange(uuid.uuid4(), PrincipalId(uuid.uuid4()), low, high, account.id)
        with pytest.raises(BoundsExcludeBalance) as changed:
            apply_bounds_change(change, {account.id: account}, {})
        refusals.append(changed.value)
    with pytest.raises(ImplausibleAmount) as implausible:
        check_plausible(-LIMIT_MINUTES_MAX - 1, LIMIT_MINUTES_MAX, field="balance_min")
    refusals.append(implausible.value)
    for refusal in refusals:
        variant = refusal.facts.get("variant")
        key = refusal.code if variant is None else f"{refusal.code}/{variant}"
        for language in LANGUAGES:
            assert placeholders(PROBLEM_TEXTS[key][language]) <= set(refusal.facts), key
