"""Who may call what: the permission matrix, in one place.

Each operation of the HTTP API (by its ``operationId``) names the roles that may call it
for anything (``full``), the roles that may call it only for what is theirs (``own``: a
member's own accounts, the project they lead, the point they keep, the partner they sign
for; the use case narrows it), and the scope a service client's token needs (``None``:
no service client may). ``public`` operations need no token at all. The HTTP edge
refuses a call the matrix does not allow (401 without a token, 403 with one) before any
handler runs; ``contracts/permissions.md`` is rendered from this table, and a test calls
every operation as every role and checks each cell.

Project leads and collection-point keepers are residents acting within their scope;
an auditor reads everything and writes nothing but checkpoint cosignatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mutual.core.authority import Principal, Role


class Cell(StrEnum):
    YES = "yes"
    OWN = "own"
    NO = "—"


@dataclass(frozen=True, slots=True)
class Permission:
    full: frozenset[Role] = frozenset()
    own: frozenset[Role] = frozenset()
    scope: str | None = None
    public: bool = False
    # An administrative action: each success goes to the audit trail.
    audited: bool = False
    # About the caller only (who am I): every token may ask, a service client's too.
    any_token: bool = False

    def allows(self, principal: Principal | None) -> bool:
        if self.public:
            return True
        if principal is None:
            return False
        if self.any_token:
            return True
        if principal.has(Role.SERVICE):
            return self.scope is not None and self.scope in principal.scopes
        return bool(principal.roles & (self.full | self.own))

    def cell(self, role: Role) -> Cell:
        if self.public or role in self.full:
            return Cell.YES
        return Cell.OWN if role in self.own else Cell.NO


R = Role.MEMBER
C = Role.COORDINATION_MEMBER
F = Role.FACILITATOR
P = Role.PARTNER
A = Role.AUDITOR
O = Role.OPERATOR  # noqa: E741 -- the matrix reads as a table of role letters
COORD = frozenset({C, O})
PEOPLE = frozenset({R, C, F, P, A, O})

# Roles the matrix shows as columns (service clients: a column per scope held or not).
COLUMNS = (R, C, F, P, A, O)


class Scope(StrEnum):
    """What a service client's token admits: reading (or writing) one part of the service."""

    LEDGER_READ = "ledger:read"
    LEDGER_WRITE = "ledger:write"
    MEMBERS_READ = "members:read"
    OFFERS_READ = "offers:read"
    PROJECTS_READ = "projects:read"
    ROUNDS_READ = "rounds:read"
    FUND_READ = "fund:read"
    GOODS_READ = "goods:read"
    PLEDGES_READ = "pledges:read"
    REPORTS_READ = "reports:read"
    EVENTS_READ = "events:read"
    NOTIFICATIONS_READ = "notifications:read"
    # A survey tool recording needs and offers in a consenting resident's name.
    INTAKE_WRITE = "intake:write"


SCOPES = tuple(s.value for s in Scope)


def _read(
    scope: str, *, own: frozenset[Role] = frozenset(), full: frozenset[Role] = PEOPLE
) -> Permission:
    """A read: everyone in ``full`` (auditors always), ``own`` for their own only."""
    return Permission(full | {A}, own - full - {A}, scope)


def _write(
    full: frozenset[Role],
    own: frozenset[Role] = frozenset(),
    scope: str | None = None,
    *,
    audited: bool = False,
) -> Permission:
    return Permission(full - {A}, own - full - {A}, scope, audited=audited)


def _admin(full: frozenset[Role], own: frozenset[Role] = frozenset()) -> Permission:
    """An administrative action: each success goes to the audit trail."""
    return _write(full, own, audited=True)


PUBLIC = Permission(public=True)
SELF = Permission(frozenset({R}))  # a member's own data: nobody else's

MATRIX: dict[str, Permission] = {
    # Health and the log's public face: anyone may watch the log and check a checkpoint.
    "getHealth": PUBLIC,
    "getReadiness": PUBLIC,
    "getLiveness": PUBLIC,
    "getLogInfo": PUBLIC,
    "getLatestCheckpoint": PUBLIC,
    "getCheckpoint": PUBLIC,
    "applyToJoin": PUBLIC,
    "getCharter": PUBLIC,
    # What the territory chose to publish (``Settings.public_page_items``); no person.
    "getPublicPage": PUBLIC,
    "getMetrics": _read("reports:read", full=frozenset({O})),
    # The ledger.
    "listAccounts": _read("ledger:read", own=PEOPLE, full=frozenset({O})),
    "getAccount": _read("ledger:read", own=PEOPLE, full=frozenset({O})),
    "getAccountStatement": _read("ledger:read", own=PEOPLE, full=frozenset({O})),
    "createAccount": _admin(frozenset({O})),
    "recordTransactions": _write(COORD, frozenset({R, F, P}), "ledger:write"),
    "getTransaction": _read("ledger:read", own=PEOPLE, full=frozenset({O})),
    "reverseTransaction": _admin(COORD, frozenset({R})),
    # Auditors too, for their own keys: a witness registers the key it cosigns with.
    "recordKeyEvent": Permission(frozenset({O}), PEOPLE - {O}),
    "listKeys": _read("ledger:read"),
    # Who signs for whom: the operator's page, coordinators, auditors.
    "listCustodians": _read("ledger:read", full=COORD),
    "getKey": _read("ledger:read"),
    # A member's own recoveries (their page completes or cancels them); operators, any.
    "listKeyRecoveries": Permission(frozenset({O}), PEOPLE - {O}),
    # A coordinator's operator key: asked for from their page, registered by an operator.
    "askOperatorKey": _write(frozenset({C})),
    "listOperatorKeyRequests": Permission(frozenset({O}), frozenset({C})),
    "registerOperatorKey": _admin(frozenset({O})),
    "signCheckpoint": Permission(PEOPLE, scope="ledger:read"),  # a signed note, no entry
    "addCosignature": Permission(frozenset({A, O, P})),
    "getConsistencyProof": _read("ledger:read"),
    "getInclusionProof": _read("ledger:read"),
    "getMe": Permission(PEOPLE, any_token=True),
    "getProblemType": Permission(public=True),
    "createToken": _admin(frozenset({O})),
    "createServiceClient": _admin(frozenset({O})),
    "listServiceClients": _read("reports:read", full=frozenset({O})),
    "revokeServiceClientToken": _admin(frozenset({O})),
    "rotateServiceClientToken": _admin(frozenset({O})),
    "listAuditEvents": _read("reports:read", full=frozenset({O})),
    # Members and the time bank.
    "listMembers": _read("members:read", own=frozenset({R, F, P}), full=COORD),
    "getMember": _read("members:read", own=frozenset({R, F, P}), full=COORD),
    "acceptMember": _admin(COORD),
    "inviteMember": _admin(COORD),
    "refuseMember": _admin(COORD),
    "eraseMember": _admin(COORD, frozenset({R})),
    "setMemberLimits": _admin(COORD),
    "membersNearLimits": _read("members:read", full=COORD),
    "getMemberStanding": _read("members:read", own=frozenset({R}), full=COORD),
    "getTerritoryLimits": _read("members:read"),
    "setTerritoryLimits": _admin(COORD),
    "exportMyData": SELF,
    "listMyLoans": SELF,
    "updateMyProfile": SELF,
    "myStatementCsv": SELF,
    "myStatement": SELF,
    "searchDirectory": _read("members:read", own=frozenset({R, F, P}), full=COORD),
    "directoryNeighbourhoods": _read("members:read", own=frozenset({R, F, P}), full=COORD),
    "myNotifications": Permission(frozenset(), PEOPLE),
    "getMyNotificationPreferences": SELF,
    "setMyNotificationPreferences": SELF,
    # Intake: a resident's consent is theirs alone; a tool with the scope records in
    # their name; coordinators read what came in, by neighbourhood.
    "listIntakeTools": SELF,
    "listIntakeConsents": SELF,
    "grantIntakeConsent": SELF,
    "withdrawIntakeConsent": SELF,
    "recordIntake": Permission(scope="intake:write"),
    "listIntake": _read("offers:read", full=COORD),
    # What goes to a group: its members and facilitator (the use case narrows it).
    "listGroupIntake": _read("offers:read", own=frozenset({R, F, P}), full=COORD),
    "recordWellbeing": Permission(scope="intake:write"),
    "wellbeingReport": _read("reports:read", full=COORD),
    "wellbeingReportCsv": _read("reports:read", full=COORD),
    "quarterlyPack": _read("reports:read", full=COORD),
    "quarterlyPackCsv": _read("reports:read", full=COORD),
    # The territory's own lists: everyone reads them (a survey tool too, to name what
    # it records); coordinators edit them.
    **{
        f"{verb}Territory{name}": permission
        for plural, singular in (
            ("Categories", "Category"),
            ("Neighbourhoods", "Neighbourhood"),
            ("WellbeingCriteria", "WellbeingCriterion"),
        )
        for verb, name, permission in (
            ("list", plural, _read("intake:write")),
            ("add", singular, _admin(COORD)),
            ("change", singular, _admin(COORD)),
        )
    },
    "searchOffers": _read("offers:read"),
    "getOffer": _read("offers:read"),
    "publishOffer": _write(frozenset({R})),
    "closeOffer": _write(COORD, frozenset({R})),
    "renewOffer": _write(COORD, frozenset({R})),
    "editOffer": _write(COORD, frozenset({R})),
    "answerOffer": _write(frozenset({R})),
    # A conversation between two members: its sender's and the offer's author's only,
    # not a record of the territory, so neither auditors nor service clients read it.
    "listOfferMessages": Permission(own=frozenset({R})),
    "listProposals": _read("ledger:read", own=frozenset({R}), full=COORD),
    "getProposal": _read("ledger:read", own=frozenset({R}), full=COORD),
    "proposeExchange": _write(COORD, frozenset({R})),
    "confirmProposal": _write(COORD, frozenset({R})),
    "rejectProposal": _write(COORD, frozenset({R})),
    "recordReceived": _write(frozenset(), frozenset({R})),
    "recordExchangeGroup": _write(frozenset(), frozenset({R})),
    "getExchangeGroup": _read("ledger:read", own=frozenset({R}), full=COORD),
    "timeBankReport": _read("reports:read", full=COORD),
    "timeBankReportCsv": _read("reports:read", full=COORD),
    "territoryReport": _read("reports:read", full=COORD),
    "territoryReportCsv": _read("reports:read", full=COORD),
    # Projects, pledges, the fund, shared goods.
    "listProjects": _read("projects:read"),
    "getProject": _read("projects:read"),
    "createProject": _write(COORD),
    "changeProjectLead": _admin(COORD),
    # A project followed after funding (usecases.project_sheets, project_followups): its
    # lead edits its sheet and files its follow-ups; its group (members and facilitator,
    # residents acting as such) agrees its indicators, decides ideas submitted to it and
    # co-evaluates; partners read what the projects they fund achieved.
    "updateProjectSheet": _write(COORD, frozenset({R})),
    "submitProjectIdea": _write(frozenset({R})),
    "listProjectIdeas": _read("projects:read", own=frozenset({R, F}), full=COORD),
    "decideProjectIdea": _write(COORD, frozenset({R, F})),
    "defineProjectIndicator": _write(COORD, frozenset({R, F})),
    "listProjectIndicators": _read("projects:read", own=frozenset({R, F}), full=COORD | {P}),
    "fileProjectFollowup": _write(frozenset(), frozenset({R})),
    "listProjectFollowups": _read("projects:read", own=frozenset({R, F}), full=COORD | {P}),
    "evaluateProjectFollowup": _write(frozenset(), frozenset({R, F})),
    "getProjectResults": _read("projects:read", own=frozenset({R, F}), full=COORD | {P}),
    "confirmDelivery": _write(COORD, frozenset({R})),
    "recordDisbursement": _write(COORD, frozenset({R})),
    "listDisbursements": _read("fund:read", own=frozenset({R}), full=COORD),
    "listProjectVolunteers": _read("pledges:read", own=frozenset({R}), full=COORD),
    "listPledges": _read("pledges:read", own=frozenset({R}), full=COORD),
    "pledgeHours": _write(COORD, frozenset({R})),
    "allocatePledges": _write(COORD),
    "getPledgePool": _read("pledges:read", full=COORD),
    "releasePledges": _write(COORD),
    # The commons pot: a member gives their own hours; the coordination pays from it
    # (the ledger also wants the signature of a coordinator the log appointed for it).
    "getCommonsPot": _read("ledger:read"),
    "giveToCommonsPot": _write(frozenset(), frozenset({R})),
    "payFromCommonsPot": _write(COORD),
    "appointPotCoordinator": _admin(frozenset({O})),
    # Associations: a coordinator registers one and appoints who acts for it (the
    # ledger wants that member's signature on its behalf to spend its hours).
    "registerAssociation": _admin(COORD),
    "listAssociations": _read("members:read"),
    "getAssociation": _read("members:read"),
    "associationStatement": _read("ledger:read"),
    "appointAssociationMember": _admin(COORD),
    "removeAssociationMember": _admin(COORD),
    # Coordination groups: a coordinator records each change (a log entry); members
    # and auditors read who sits where.
    "createGroup": _admin(COORD),
    "listGroups": _read("members:read"),
    "getGroup": _read("members:read"),
    "addGroupMember": _admin(COORD),
    "removeGroupMember": _admin(COORD),
    "setGroupFacilitator": _admin(COORD),
    "appointGroupRepresentative": _admin(COORD),
    "endGroupMandate": _admin(COORD),
    # The territorial pact: a coordinator publishes its versions; every person signs it
    # and invites others; coordinators and auditors count signatories per quarter.
    "getPact": _read("members:read"),
    "publishPactVersion": _admin(COORD),
    "signPact": _write(PEOPLE),
    "inviteToPact": _write(PEOPLE),
    "listPactSignatories": _read("reports:read", full=COORD),
    "getFund": _read("fund:read"),
    "listPartners": _read("fund:read", own=frozenset({R, P}), full=COORD),
    "getPartner": _read("fund:read", own=frozenset({R, P}), full=COORD),
    "tracePartner": _read("fund:read", own=frozenset({R, P}), full=COORD),
    "createPartner": _admin(COORD),
    "recordContribution": _write(COORD, frozenset({R, P})),
    "recordRepayment": _write(COORD),
    "recordGrant": _write(COORD),
    "listGoodKinds": _read("goods:read"),
    "getGoodKind": _read("goods:read"),
    "getGoodKindHistory": _read("goods:read"),
    "createGoodKind": _write(COORD),
    "listCollectionPoints": _read("goods:read"),
    "getCollectionPoint": _read("goods:read"),
    "createCollectionPoint": _write(COORD),
    "changeCollectionPointKeepers": _admin(COORD),
    "listCollectionPointLoans": _read("goods:read", own=frozenset({R}), full=COORD),
    "depositGoods": _write(COORD, frozenset({R})),
    "lendGoods": _write(COORD, frozenset({R})),
    "returnGoods": _write(COORD, frozenset({R})),
    "transferGoods": _write(COORD, frozenset({R})),
    "giveGoods": _write(COORD, frozenset({R})),
    "setCollectionPointHours": _write(COORD, frozenset({R})),
    "remindBorrower": _write(COORD, frozenset({R})),
    # Allocation rounds: the facilitator runs them, voters on the roll take part.
    "listRounds": _read("rounds:read"),
    "getRound": _read("rounds:read"),
    "getRoundResult": _read("rounds:read"),
    "createRound": _write(COORD | {F}),
    # The facilitator puts a project forward for its lead, as a coordinator may.
    "submitProject": _write(COORD | {F}, frozenset({R})),
    "snapshotRound": _write(COORD | {F}),
    "proposeAllocation": _write(COORD | {F}),
    "takeStance": _write(frozenset(), frozenset({R})),
    "closeConsent": _write(COORD | {F}),
    "castBallot": _write(frozenset(), frozenset({R, C})),
    "closeBallot": _write(COORD | {F}),
    "executeRound": _write(COORD | {F}),
    "cancelRound": _admin(COORD | {F}),
    # Sign-in for people. Only the caller's own credentials and session, so every person
    # may; the outbox carries live sign-in tokens, so only the gateway reads it.
    "setMyCredentials": Permission(PEOPLE),
    "setMemberLogin": _admin(COORD),
    "signIn": PUBLIC,
    "signOut": Permission(PEOPLE),
    "requestSignInLink": PUBLIC,
    "redeemSignInLink": PUBLIC,
    # Passwords: an invitation or a reset code stands in for a session; a change needs
    # the current password on top of the session.
    "redeemInvitation": PUBLIC,
    "requestPasswordReset": PUBLIC,
    "resetPassword": PUBLIC,
    "changeMyPassword": Permission(PEOPLE),
    "notificationOutbox": Permission(scope="notifications:read"),
    # Events and webhooks (entries added with their routes).
    # The log as it grows, pseudonymous like the export; a client manages its own hooks.
    "listEvents": _read("events:read", full=frozenset({O})),
    "streamEvents": _read("events:read", full=frozenset({O})),
    "listWebhooks": _read("events:read", full=frozenset({O})),
    "listWebhookDeliveries": _read("events:read", full=frozenset({O})),
    "getWebhook": _read("events:read", full=frozenset({O})),
    "createWebhook": _write(frozenset({O}), scope="events:read", audited=True),
    "updateWebhook": _write(frozenset({O}), scope="events:read", audited=True),
    "rollWebhookSecret": _write(frozenset({O}), scope="events:read", audited=True),
    "disableWebhook": _write(frozenset({O}), scope="events:read", audited=True),
    "replayWebhook": _write(frozenset({O}), scope="events:read"),
}


def reads_everything(principal: Principal) -> bool:
    """Operators and auditors read every record; a service client every record its
    token's scope admits (the HTTP edge checked the scope)."""
    return (
        principal.has(Role.OPERATOR) or principal.has(Role.AUDITOR) or principal.has(Role.SERVICE)
    )


def render_markdown() -> str:
    """``contracts/permissions.md``: the matrix as a table, one row per operation."""
    names = {
        R: "resident",
        C: "coordination group",
        F: "facilitator",
        P: "partner",
        A: "auditor",
        O: "operator",
    }
    header = ["operation", "anonymous", *(names[r] for r in COLUMNS), "service scope", "audited"]
    lines = [
        "# Permissions",
        "",
        "Generated from `src/mutual/core/permissions.py` by `python -m mutual.api.openapi`;",
        "do not edit. `yes`: for anything; `own`: only for what is theirs (their accounts,",
        "the project they lead, the point they keep, the partner they sign for, a round they",
        "are on the roll of); `—`: refused (401 without a token, 403 with one) before anything",
        "is read or written. A service client's token must hold the scope named; project",
        "leads and keepers are residents acting within their scope. Each success of an",
        "`audited` operation goes to the audit trail (`GET /audit`): who, when, the",
        "operation and its path, the client's address and the request id.",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    for operation in sorted(MATRIX):
        perm = MATRIX[operation]
        cells = ["yes" if perm.public else "—", *(perm.cell(r).value for r in COLUMNS)]
        scope = "(public)" if perm.public else (f"`{perm.scope}`" if perm.scope else "—")
        if perm.any_token:
            scope = "(any token)"
        audited = "yes" if perm.audited else ""
        lines.append(f"| `{operation}` | " + " | ".join(cells) + f" | {scope} | {audited} |")
    return "\n".join(lines) + "\n"
