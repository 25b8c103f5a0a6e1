"""The page's canonical JSON (``web/js/canonical.js``) against ``mutual.core.signing``, byte
for byte, run in the browser: on the RFC 8785 test vectors, on the payloads the page
signs (transactions and key events, as the core builds them), and on generated
documents; and a signature made by WebCrypto in the page verifies in Python."""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from playwright.sync_api import BrowserContext, Page

from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.registry import Capacity, KeyAction, KeyEvent, key_event_payload
from mutual.core.signing import Domain, KeyId, canonical, signed_message, verify
from mutual.core.transactions import Posting, Transaction, TransactionKind, transaction_payload
from mutual.core.units import Unit
from tests.browser.conftest import Live

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "rfc8785"
CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
ORIGIN = "mulhouse.example/mutual"
MAX_AMOUNT = 2**53 - 1
DOMAINS = {"transaction": Domain.TRANSACTION, "keyEvent": Domain.KEY_EVENT}

# Characters that canonical JSON escapes, keeps, or orders in surprising ways.
ALPHABET = [
    *"aAzZ09 _-",
    "é",
    "€",
    "😂",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1f",
    "\x7f",
    "\x80",
    '"',
    "\\",
    "/",
    "\u2028",
    "\ufb33",
    "A\u030a",
    "\ud7ff",
    "\ue000",
    "\U0010ffff",
    "</script>",
]


def _vectors() -> list[tuple[str, str, bytes]]:
    if not VECTORS.is_dir():
        pytest.fail(f"the RFC 8785 vectors are missing at {VECTORS}")
    return [
        (path.stem, path.read_text(), (VECTORS / "output" / path.name).read_bytes())
        for path in sorted((VECTORS / "input").glob("*.json"))
    ]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 8)))


def _number(rng: random.Random) -> int | float:
    return rng.choice(
        [
            rng.randint(-MAX_AMOUNT, MAX_AMOUNT),
            rng.randint(-1000, 1000),
            rng.uniform(-1e6, 1e6),
            rng.choice([0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, -0.0, 1e20, 123e-20]),
        ]
    )


def _document(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(7 if depth < 3 else 4)
    if choice == 0:
        return rng.choice([None, True, False])
    if choice == 1:
        return _number(rng)
    if choice in (2, 3):
        return _text(rng)
    if choice == 4:
        return [_document(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {_text(rng): _document(rng, depth + 1) for _ in range(rng.randrange(5))}


def _payloads() -> list[tuple[str, dict[str, Any]]]:
    """Payloads as the core builds them for the page to sign."""
    ids = [uuid.UUID(int=n) for n in range(1, 5)]
    exchange = Transaction(
        TransactionId(ids[0]),
        TransactionKind.EXCHANGE,
        (
            Posting(AccountId(ids[1]), Unit("TIME"), -90),
            Posting(AccountId(ids[2]), Unit("TIME"), 90),
        ),
        PrincipalId(ids[3]),
        "Réparation de vélo – 1 h 30, « merci » 😂",
        {"proposal": str(ids[0]), "category": "santé"},
        None,
        b"0123456789abcdef",
    )
    extreme = Transaction(
        TransactionId(ids[1]),
        TransactionKind.CORRECTION,
        (
            Posting(AccountId(ids[2]), Unit("EUR"), MAX_AMOUNT),
            Posting(AccountId(ids[3]), Unit("EUR"), -MAX_AMOUNT),
        ),
        PrincipalId(ids[0]),
        "",
        {},
        TransactionId(ids[0]),
    )
    register = KeyEvent(
        ids[2],
        KeyAction.REGISTER,
        PrincipalId(ids[3]),
        by=PrincipalId(ids[3]),
        public_key=bytes(range(32)),
        capacity=Capacity.MEMBER,
    )
    revoke = KeyEvent(
        ids[3],
        KeyAction.REVOKE,
        PrincipalId(ids[3]),
        by=PrincipalId(ids[3]),
        key_id=KeyId("ab" * 32),
    )
    return [
        ("transaction", transaction_payload(ORIGIN, exchange)),
        ("transaction", transaction_payload(ORIGIN, extreme)),
        ("keyEvent", key_event_payload(ORIGIN, register)),
        ("keyEvent", key_event_payload(ORIGIN, revoke)),
    ]


CANONICAL_IN_PAGE = """async ({texts, signed}) => {
  const c = await import("/app/js/canonical.js");
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const attempt = (work) => { try { return hex(work()); } catch (e) { return null; } };
  return {
    texts: texts.map((t) => attempt(() => c.canonicalBytes(JSON.parse(t)))),
    signed: signed.map(([d, t]) => attempt(() => c.signedMessage(c.DOMAIN[d], JSON.parse(t)))),
  };
}"""


@pytest.fixture
def page(serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]) -> Page:
    """The web page, served by a live server (the module is the one residents load)."""
    live = serve("sqlite")
    opened = new_context().new_page()
    opened.goto(f"{live.url}/app/")
    return opened


def _in_page(page: Page, texts: list[str], signed: list[tuple[str, str]]) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(CANONICAL_IN_PAGE, {"texts": texts, "signed": signed})
    return found


def test_rfc8785_vectors_match_python_and_the_rfc(page: Page) -> None:
    """Each RFC 8785 vector canonicalises in the page to the RFC's bytes and Python's."""
    vectors = _vectors()
    found = _in_page(page, [text for _, text, _ in vectors], [])
    for (name, text, expected), actual in zip(vectors, found["texts"], strict=True):
        assert expected == rfc8785.dumps(json.loads(text)), name
        assert expected.hex() == actual, name


def test_signed_messages_match_python(page: Page) -> None:
    """The exact bytes a signer signs, prefix included, are the core's for every payload
    kind the page signs, however its JSON was escaped on the way."""
    payloads = _payloads()
    signed = [(d, json.dumps(p, ensure_ascii=a)) for d, p in payloads for a in (True, False)]
    found = _in_page(page, [], signed)
    expected = [signed_message(DOMAINS[d], p).hex() for d, p in payloads for _ in (True, False)]
    assert expected == found["signed"]


def test_generated_documents_match_python(page: Page) -> None:
    """Generated documents (escapes, astral characters, key order by UTF-16 code units,
    integers up to 2^53 - 1, doubles at their extremes) canonicalise alike."""
    rng = random.Random(20261129)
    documents = [_document(rng) for _ in range(400)]
    texts = [json.dumps(d, ensure_ascii=rng.random() < 0.5) for d in documents]
    found = _in_page(page, texts, [])
    assert [canonical(d).hex() for d in documents] == found["texts"]


def test_a_lone_surrogate_is_refused_on_both_sides(page: Page) -> None:
    """A lone surrogate has no UTF-8 form: neither side produces bytes for it."""
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical({"memo": "\ud800"})
    assert _in_page(page, ['{"memo": "\\ud800"}', '{"\\udfff": 1}'], [])["texts"] == [None, None]


def test_a_signature_made_in_the_page_verifies_in_python(page: Page) -> None:
    """WebCrypto's Ed25519 over the page's bytes verifies with the core's check, and
    not over a payload that differs by one minute."""
    [(_, payload), *_] = _payloads()
    found = page.evaluate(
        """async (text) => {
      const keys = await import("/app/js/keys.js");
      const c = await import("/app/js/canonical.js");
      const pair = await crypto.subtle.generateKey({name: "Ed25519"}, false, ["sign", "verify"]);
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
      const signature = await keys.sign(pair.privateKey, c.DOMAIN.transaction, JSON.parse(text));
      return {public_key: keys.base64(raw), signature};
    }""",
        json.dumps(payload),
    )
    public_key = base64.b64decode(found["public_key"])
    signature = base64.b64decode(found["signature"])
    assert verify(public_key, signed_message(Domain.TRANSACTION, payload), signature)
    tampered = {
        **payload,
        "postings": [{**p, "amount": p["amount"] * 2} for p in payload["postings"]],
    }
    assert not verify(public_key, signed_message(Domain.TRANSACTION, tampered), signature)


def test_the_page_derives_the_published_vectors(page: Page) -> None:
    """The page's derivations (``web/js/flows.js``, from the table the service serves)
    give every id of contracts/derived-ids.json, as the core does."""
    published = json.loads((CONTRACTS / "derived-ids.json").read_text())
    found = page.evaluate(
        """async (vectors) => {
      const flows = await import("/app/js/flows.js");
      return Promise.all(vectors.map((v) => flows.derive(v.derivation, v.values)));
    }""",
        published["vectors"],
    )
    assert found == [v["id"] for v in published["vectors"]]


def test_the_page_signs_only_the_i_received_it_shows(page: Page) -> None:
    """``isReceived`` (``web/js/views/record_modes.js``) accepts the core's own "I
    received" payload, its memo digest computed in the page from the salt and the memo
    as the core computes it, and refuses it with any part changed: the amount, either
    account, the receiver named, an added reference, the memo."""
    me, mine, theirs = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    salt = bytes(range(16))
    tx = Transaction(
        TransactionId(uuid.uuid4()),
        TransactionKind.EXCHANGE,
        (Posting(AccountId(mine), Unit("TIME"), -45), Posting(AccountId(theirs), Unit("TIME"), 45)),
        PrincipalId(me),
        "Courses du samedi — « merci »",
        {"received": str(me), "category": "elderly"},
        None,
        salt,
    )
    payload = transaction_payload(ORIGIN, tx)
    changed = [
        {**payload, "postings": [{**p, "amount": p["amount"] * 2} for p in payload["postings"]]},
        {**payload, "postings": list(reversed(payload["postings"]))},
        {**payload, "references": {"received": str(uuid.uuid4()), "category": "elderly"}},
        {**payload, "references": {**payload["references"], "offer": str(uuid.uuid4())}},
        {**payload, "memo_sha256": None},
        {**payload, "id": str(uuid.uuid4())},
    ]
    found = page.evaluate(
        """async ({ payloads, expected, salt, memo }) => {
      const modes = await import("/app/js/views/record_modes.js");
      const digest = await modes.memoDigest(Uint8Array.from(salt), memo);
      return payloads.map((p) => modes.isReceived(p, { ...expected, digest }));
    }""",
        {
            "payloads": [payload, *changed],
            "expected": {
                "origin": ORIGIN,
                "id": str(tx.id),
                "me": str(me),
                "mine": str(mine),
                "theirs": str(theirs),
                "minutes": 45,
                "extra": {"category": "elderly"},
            },
            "salt": list(salt),
            "memo": tx.memo,
        },
    )
    assert found == [True] + [False] * len(changed)
