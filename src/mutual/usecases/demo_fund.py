"""The demo's co-responsibility fund: five partners (the City of Mulhouse, a foundation, a
company, an association and a resident), their gifts and two deposits (one due within
two quarters, one later), grants to the demo projects by recorded decisions, a partial
repayment and a few payments by the projects' leads.

Everything goes through the fund's use cases with real signatures; ids derive from
fixed names, so a reload composes the same transactions and the journal answers them
as replays. The one value that depends on the day of the first load (the near
deposit's repayment date) is read back from the fund's table on a reload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import partial
from uuid import UUID

from mutual.core.authority import Principal, Role
from mutual.core.derived import named_client_id
from mutual.core.fund import ContributionKind, PartnerKind
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.store import fund as fund_store
from mutual.store.principals import ensure_principal
from mutual.usecases import fund
from mutual.usecases.flows import sign_and_record_or_raise
from mutual.usecases.keys import submit_key_event
from mutual.usecases.runtime import Runtime

ORGANISATIONS = (
    ("city", "Ville de Mulhouse", PartnerKind.CITY),
    ("foundation", "Fondation du Crédit Mutuel Alsace", PartnerKind.FOUNDATION),
    ("company", "Transports Haut-Rhinois", PartnerKind.COMPANY),
    ("association", "Association Bourtzwiller Solidaire", PartnerKind.ASSOCIATION),
)
RESIDENT = 10  # members[10] is also a partner (the leads are members[3..5])
GRANTS = (
    (0, 1_200_000, "CA 2027-01-15 n°3"),
    (1, 800_000, "CA 2027-01-15 n°4"),
    (2, 600_000, "CA 2027-02-12 n°2"),
    (0, 250_000, "CA 2027-02-12 n°5"),
)
PAYMENTS = (
    (0, 350_000, "Jardinerie du Rebberg", "F-2027-0012"),
    (0, 90_000, "Location de bennes Haute-Alsace", "F-2027-0031"),
    (1, 120_000, "Ressourcerie Emmaüs Mulhouse", "F-2027-0007"),
    (2, 80_000, "Librairie 47° Nord", "F-2027-0101"),
)


def _demo_id(name: str) -> UUID:
    return named_client_id(f"https://mutual.invalid/demo/fund/{name}")


def _project_id(n: int) -> UUID:
    return named_client_id(f"https://mutual.invalid/demo/project/{n}")


def partner_principal(slug: str) -> PrincipalId:
    """The principal that signs for a demo organisation."""
    return PrincipalId(_demo_id(f"principal/{slug}"))


def partner_keypair(slug: str) -> Keypair:
    """A demo partner's key: derived from a public name, so it protects nothing."""
    return Keypair(hashlib.sha256(f"mutual demo key/partner/{slug}".encode()).digest())


async def _organisation(
    rt: Runtime, operator: Principal, slug: str, name: str, kind: PartnerKind
) -> tuple[UUID, Keypair]:
    """A partner organisation: a principal with role partner and a registered key in
    the ``member`` capacity (the one that signs for a principal's own accounts)."""
    pid = partner_principal(slug)
    await ensure_principal(rt.db, pid, [Role.PARTNER], now=rt.clock())
    key = partner_keypair(slug)
    event = KeyEvent(
        _demo_id(f"key/{slug}"),
        KeyAction.REGISTER,
        pid,
        by=pid,
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )
    # Signed and asked as the partner itself, whose generated key the demo holds.
    asking = Principal(pid, frozenset({Role.PARTNER}))
    outcome = await submit_key_event(rt, asking, event, [key.sign_key_event(rt.log.origin, event)])
    if not outcome.accepted:
        raise RuntimeError(f"demo partner key refused: {outcome.body}")
    partner = await fund.create_partner(
        rt, operator, _demo_id(f"partner/{slug}"), fund.NewPartner(name, kind, pid)
    )
    return partner.id, key


async def _contribute(
    rt: Runtime,
    operator: Principal,
    name: str,
    partner_id: UUID,
    key: Keypair,
    kind: ContributionKind,
    amount: int,
    due: date | None,
) -> UUID:
    tx_id = _demo_id(f"contribution/{name}")
    async with rt.db.reading() as conn:
        done = await fund_store.get_contribution(conn, tx_id)
    if done is not None:
        due = done.repayment_due  # as first recorded: the reload is then a replay
    new = fund.NewContribution(partner_id, kind, amount, due)
    await sign_and_record_or_raise(
        lambda s: fund.record_contribution(rt, operator, tx_id, new, s), key
    )
    return tx_id


async def load_fund_demo(
    rt: Runtime,
    operator: Principal,
    operator_key: Keypair,
    members: Sequence[Principal],
    keys: Mapping[PrincipalId, Keypair],
) -> None:
    """Partners, contributions, deposits, grants, a repayment and payments (idempotent)."""
    partners: dict[str, tuple[UUID, Keypair]] = {}
    for slug, name, kind in ORGANISATIONS:
        partners[slug] = await _organisation(rt, operator, slug, name, kind)
    resident = members[RESIDENT]
    partner = await fund.create_partner(
        rt,
        operator,
        _demo_id("partner/resident"),
        fund.NewPartner("Amina K.", PartnerKind.RESIDENT, resident.id),
    )
    partners["resident"] = (partner.id, keys[resident.id])

    today = rt.clock().date()
    gift, deposit = ContributionKind.GIFT, ContributionKind.DEPOSIT
    plan = (
        ("city-2027", "city", gift, 5_000_000, None),
        ("foundation-2027", "foundation", gift, 2_000_000, None),
        ("association-2027", "association", gift, 300_000, None),
        ("resident-2027", "resident", gift, 5_000, None),
        # Due within two quarters: kept aside from what is available.
        ("company-deposit", "company", deposit, 1_500_000, today + timedelta(days=75)),
        # Due in two years: available to grant meanwhile.
        ("association-deposit", "association", deposit, 400_000, date(today.year + 2, 6, 30)),
    )
    recorded: dict[str, UUID] = {}
    for name, slug, contribution_kind, amount, due in plan:
        partner_id, key = partners[slug]
        recorded[name] = await _contribute(
            rt, operator, name, partner_id, key, contribution_kind, amount, due
        )

    for n, (project, amount, decision) in enumerate(GRANTS):
        grant_id = _demo_id(f"grant/{n}")
        await sign_and_record_or_raise(
            partial(
                fund.record_grant, rt, operator, grant_id, _project_id(project), amount, decision
            ),
            operator_key,
        )

    repayment_id = _demo_id("repayment/company-deposit/1")
    await sign_and_record_or_raise(
        lambda s: fund.record_repayment(
            rt, operator, recorded["company-deposit"], repayment_id, 500_000, s
        ),
        operator_key,
    )

    for n, (project, amount, payee, receipt) in enumerate(PAYMENTS):
        lead = members[3 + project]
        payment_id = _demo_id(f"disbursement/{n}")
        new = fund.NewDisbursement(amount, payee, receipt)
        await sign_and_record_or_raise(
            partial(fund.record_disbursement, rt, lead, _project_id(project), payment_id, new),
            keys[lead.id],
            on_behalf_of=_project_id(project),
        )
