""" "I received N hours from X": the receiver records the exchange and signs it at once.

Nothing waits for anyone: the transaction debits the receiver's own account, so their
signature is all the authority it needs (``core.authority``; ``core.kinds`` says why),
and it is written at once like any composed flow (``usecases.flows``: sent unsigned,
answered with what to sign; sent again signed, recorded). The provider is told
(``exchange_recorded``, delivered by e-mail like every notification) and sees the line
on their statement, with its description and category.

The memo's salt comes with the request, as for ``POST /transactions``: the two steps
must compose the same bytes, and a salt the service drew would differ between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.ids import PrincipalId, TransactionId
from mutual.core.signing import Signature
from mutual.core.timebank import (
    EXCHANGE_MINUTES_MAX,
    check_duration,
    check_parties,
    check_plausible,
)
from mutual.core.transactions import Posting, Transaction, TransactionKind, check_shape
from mutual.core.units import TIME
from mutual.store import timebank as store
from mutual.store.outcomes import Outcome
from mutual.usecases.associations import acting_account
from mutual.usecases.exchanges import exchange_category
from mutual.usecases.flows import Composed, record_composed
from mutual.usecases.members import active_member
from mutual.usecases.runtime import Runtime, chosen_id


async def record_received(
    rt: Runtime,
    receiver: Principal,
    *,
    tx_id: UUID | None,
    provider: UUID,
    minutes: int,
    memo: str,
    memo_salt: bytes,
    offer_id: UUID | None,
    category: str | None,
    signatures: Sequence[Signature],
    on_behalf_of: UUID | None = None,
) -> Outcome:
    """Record and sign "I received ``minutes`` from ``provider``"; answers like
    ``POST /transactions`` (the ledger's refusal, a bound say, is an outcome too). With
    ``on_behalf_of``, a member who acts for that association records that it received:
    its account pays, and the member signs on its behalf."""
    check_duration(minutes, step=rt.settings.duration_step_minutes)
    check_plausible(minutes, EXCHANGE_MINUTES_MAX, field="minutes")
    check_parties(PrincipalId(provider), receiver.id, field="provider")
    category = await exchange_category(
        rt, offer_id, category, parties=(PrincipalId(provider), receiver.id)
    )
    mine = await active_member(rt, receiver.id, field="receiver")
    theirs = await active_member(rt, provider, field="provider")
    assert mine.account_id is not None
    assert theirs.account_id is not None
    paying = (
        mine.account_id
        if on_behalf_of is None
        else await acting_account(rt, receiver, on_behalf_of)
    )
    # The mark names whose account received (``core.kinds``): the association's, when
    # a member records it for it.
    references = {"received": str(on_behalf_of or receiver.id)}
    if offer_id is not None:
        references["offer"] = str(offer_id)
    if category is not None:
        references["category"] = category
    tx = Transaction(
        TransactionId(chosen_id(tx_id)),
        TransactionKind.EXCHANGE,
        (Posting(paying, TIME, -minutes), Posting(theirs.account_id, TIME, minutes)),
        receiver.id,
        memo,
        references,
        None,
        memo_salt,
    )
    # A memo without its salt is refused before anything is shown to sign.
    check_shape(tx)
    outcome = await record_composed(rt, receiver, Composed(tx), signatures)
    if outcome.accepted:
        async with rt.db.writing() as conn:
            # Once per transaction (a replay adds nothing): the provider learns who.
            await store.notify(
                conn,
                theirs.id,
                "exchange_recorded",
                {"transaction_id": str(tx.id), "receiver": str(receiver.id), "minutes": minutes},
                source=str(tx.id),
                now=rt.clock(),
            )
    return outcome
