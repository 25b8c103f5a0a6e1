"""A client generated from contracts/openapi.json by ``openapi-python-client``, as another
tool's developer would make it, works against a live server on both databases: it is
generated without a warning, pages through the members and the projects to the end,
syncs them again with only what changed (``updated_since``; the accounts by
``after_index``) and records a signed transaction (the body is the transaction itself,
not a framework's wrapper)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import Unit
from mutual.settings import Settings
from tests.conftest import BACKENDS
from tests.test_schemathesis import CONTRACT, live_server, token

PACKAGE = "mutual_client"
MEMBERS = 5
PAGE = 2


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, imported; its generator's output has no warning."""
    folder = tmp_path_factory.mktemp("generated")
    # The generator formats its output with ruff, which it looks for on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(CONTRACT), "--meta", "none"),
            *("--output-path", str(folder / PACKAGE)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": path},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    """A module of the generated package (each operation is one, imported on demand)."""
    return importlib.import_module(f"{PACKAGE}.{name}")


def _ok(answer: Any, status: int) -> Any:
    assert answer.status_code == status, (answer.status_code, answer.content[:500])
    return answer.parsed


def _walk(operation: str, client: Any, **params: Any) -> tuple[list[Any], int]:
    """Every item of a list through the generated client, following ``next_cursor`` (the
    cursor of the ``next`` link) to the end; with the number of pages read."""
    items: list[Any] = []
    cursor: Any = _module("types").UNSET
    pages = 0
    while True:
        page = _ok(
            _module(operation).sync_detailed(client=client, limit=PAGE, cursor=cursor, **params),
            200,
        )
        pages += 1
        items += page.items
        # The generator names the field `next_` (not to shadow the builtin).
        assert (page.next_ is None) == (page.next_cursor is None)
        if page.next_cursor is None:
            return items, pages
        assert f"cursor={page.next_cursor}" in page.next_
        cursor = page.next_cursor


def _project(operator: Any, lead: str, index: int) -> str:
    body = _module("models").ProjectIn.from_dict(
        {
            "name": f"Projet {index}",
            "category": "land_buildings",
            "group": {"kind": "thematic", "name": "Jardins"},
            "lead": lead,
        }
    )
    created = _module("api.projects.create_project").sync_detailed(client=operator, body=body)
    return str(_ok(created, 201).id)


def _join(public: Any, operator: Any, index: int) -> tuple[str, str, str]:
    """Apply (no token) and be accepted: the member's id, first token and TIME account."""
    profile = _module("models").ProfileIn.from_dict({"display_name": f"Membre {index}"})
    applied = _ok(
        _module("api.members.apply_to_join").sync_detailed(client=public, body=profile), 201
    )
    accepted = _ok(
        _module("api.members.accept_member").sync_detailed(applied.id, client=operator), 201
    )
    return str(applied.id), accepted.token.token, str(accepted.member.account_id)


def _register_key(client: Any, origin: str, principal: str) -> Keypair:
    """The member's own key, registered by a key event it alone signs."""
    key = Keypair(os.urandom(32))
    owner = PrincipalId(uuid.UUID(principal))
    event = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        owner,
        by=owner,
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )
    body = _module("models").KeyEventIn.from_dict(key.key_event_request(origin, event))
    _ok(_module("api.keys.record_key_event").sync_detailed(client=client, body=body), 201)
    return key


def _signed_exchange(key: Keypair, origin: str, payer: str, payee: str) -> dict[str, Any]:
    tx = Transaction(
        TransactionId(uuid.uuid4()),
        TransactionKind.EXCHANGE,
        (
            Posting(AccountId(uuid.UUID(payer)), Unit("TIME"), -30),
            Posting(AccountId(uuid.UUID(payee)), Unit("TIME"), 30),
        ),
        PrincipalId(uuid.UUID(int=0)),  # not signed: the service sets the initiator
    )
    return {
        "id": str(tx.id),
        "kind": tx.kind.value,
        "postings": [
            {"account_id": str(p.account_id), "unit": p.unit, "amount": p.amount}
            for p in tx.postings
        ],
        "signatures": [key.sign_transaction(origin, tx).document()],
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_client_pages_syncs_and_records_a_signed_transaction(
    backend: str, fresh_database: Callable[[str], Settings], generated: ModuleType
) -> None:
    """Through the generated client only: every accepted member and every project is seen
    exactly once when paging to the end; a sync from the latest change seen brings what
    changed since; and a member's signed exchange sent as the body itself gets 201, after
    which the accounts changed past the log index seen are the two it moved."""
    settings = fresh_database(backend)
    with live_server(settings) as (url, env), ExitStack() as clients:
        # Each client holds its connections until closed.
        operator = clients.enter_context(
            generated.AuthenticatedClient(base_url=url, token=token(env, "operator"))
        )
        public = clients.enter_context(generated.Client(base_url=url))
        origin = _ok(_module("api.log.get_log_info").sync_detailed(client=public), 200).origin
        joined = [_join(public, operator, i) for i in range(MEMBERS)]

        members, pages = _walk("api.members.list_members", operator)
        assert sorted(str(m.id) for m in members) == sorted(member for member, _, _ in joined)
        assert pages >= MEMBERS // PAGE
        made = [_project(operator, joined[i % MEMBERS][0], i) for i in range(MEMBERS)]
        projects, pages = _walk("api.projects.list_projects", operator)
        assert sorted(str(p.id) for p in projects) == sorted(made)
        assert pages >= MEMBERS // PAGE

        # An incremental sync from the latest change seen: the changed member and the new
        # project, and (changed at that very time, `updated_since` being inclusive) at
        # most the rows last seen.
        mark: datetime = max(x.updated_at for x in [*members, *projects])
        last_seen = {str(x.id) for x in [*members, *projects] if x.updated_at == mark}
        renamed, renamed_token, _ = joined[1]
        member_client = clients.enter_context(
            generated.AuthenticatedClient(base_url=url, token=renamed_token)
        )
        profile = _module("models").ProfileIn.from_dict({"display_name": "Nouveau nom"})
        _ok(
            _module("api.members.update_my_profile").sync_detailed(
                client=member_client, body=profile
            ),
            200,
        )
        added = _project(operator, joined[0][0], MEMBERS)
        changed_members, _ = _walk("api.members.list_members", operator, updated_since=mark)
        assert {str(m.id) for m in changed_members} - last_seen == {renamed}
        assert [m.display_name for m in changed_members if str(m.id) == renamed] == ["Nouveau nom"]
        changed_projects, _ = _walk("api.projects.list_projects", operator, updated_since=mark)
        assert {str(p.id) for p in changed_projects} - last_seen == {added}

        (payer, payer_token, payer_account), (_, _, payee_account) = joined[:2]
        payer_client = clients.enter_context(
            generated.AuthenticatedClient(base_url=url, token=payer_token)
        )
        key = _register_key(payer_client, origin, payer)
        before = _ok(_module("api.log.get_log_info").sync_detailed(client=public), 200).tree_size
        body = _signed_exchange(key, origin, payer_account, payee_account)
        recorded = _ok(
            _module("api.transactions.record_transactions").sync_detailed(
                client=payer_client,
                body=_module("models").TransactionIn.from_dict(body),
                idempotency_key=body["id"],
            ),
            201,
        )
        assert str(recorded.id) == body["id"]

        # The accounts the exchange moved, and only they, by the log index seen before it.
        moved, _ = _walk("api.accounts.list_accounts", operator, after_index=before - 1)
        assert sorted(str(a.id) for a in moved) == sorted([payer_account, payee_account])
