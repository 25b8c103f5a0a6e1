"""Table definitions, shared by the migrations (as the model they must match) and the queries.

Ledger tables (transactions, postings, idempotency records) are append-only: triggers
created by the migrations refuse UPDATE and DELETE on both databases. Memos live in a
table of their own because they are personal data a resident may have erased.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from mutual.core.age_bands import AGE_BANDS
from mutual.core.project_sheets import ASSESSMENTS, PROJECT_STATUSES


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that comes back timezone-aware in UTC on both databases.

    SQLite has no timezone type and returns naive values; storing UTC and tagging it
    on the way out keeps every timestamp comparable.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

AMOUNT_LIMIT_SQL = str(2**53)

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tree_size", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
    CheckConstraint("tree_size >= 0", name="tree_size_non_negative"),
)

principals = Table(
    "principals",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

principal_roles = Table(
    "principal_roles",
    metadata,
    Column("principal_id", Uuid, ForeignKey("principals.id"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("principal_id", Uuid, ForeignKey("principals.id"), nullable=False, index=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=True),
    # A service client's token: its name, the scopes it admits (JSON list), when it was
    # last used (to within the authenticator's cache) and when it was revoked.
    Column("name", String(200), nullable=True),
    Column("scopes", JSON, nullable=True),
    Column("last_used_at", UTCDateTime(), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("unit", String(80), nullable=False),
    Column("owner_kind", String(32), nullable=False),
    Column("owner_id", String(200), nullable=False),
    Column("balance_min", BigInteger, nullable=True),
    Column("balance_max", BigInteger, nullable=True),
    Column("balance", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # The role signed in the opening (core.roles), as canonical JSON; and the scope the
    # writer finds the accounts a kind's rule reads by (every deposit, a member's loans).
    Column("role", Text, nullable=True),
    Column("role_scope", String(80), nullable=True),
    CheckConstraint(
        "balance_min IS NULL OR balance_max IS NULL OR balance_min <= balance_max",
        name="bounds_ordered",
    ),
    CheckConstraint("version >= 0", name="version_non_negative"),
    Index("ix_accounts_owner_id_unit_id", "owner_id", "unit", "id"),
    Index("ix_accounts_unit_id", "unit", "id"),
    Index("ix_accounts_role_scope", "role_scope"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("log_index", BigInteger, nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("initiator", Uuid, nullable=False),
    Column("references", Text, nullable=False),
    Column("reverses", Uuid, ForeignKey("transactions.id"), nullable=True, unique=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    CheckConstraint("log_index >= 0", name="log_index_non_negative"),
)

transaction_memos = Table(
    "transaction_memos",
    metadata,
    Column("transaction_id", Uuid, ForeignKey("transactions.id"), primary_key=True),
    Column("memo", Text, nullable=False),
    # Erased together with the memo: without it the signed SHA-256(salt || memo) in the
    # log cannot be used to confirm a guess of the memo.
    Column("salt", LargeBinary, nullable=True),
)

postings = Table(
    "postings",
    metadata,
    Column("transaction_id", Uuid, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("unit", String(80), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("account_version", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    # The bounds in force when the posting was written, so that the bound check below
    # is a plain CHECK and an auditor can re-check each posting without history.
    Column("balance_min", BigInteger, nullable=True),
    Column("balance_max", BigInteger, nullable=True),
    # Postings are inserted before their transaction row, whose insert trigger checks
    # that they balance; the foreign key is therefore checked at commit.
    ForeignKeyConstraint(
        ["transaction_id"], ["transactions.id"], deferrable=True, initially="DEFERRED"
    ),
    PrimaryKeyConstraint("transaction_id", "seq"),
    UniqueConstraint("account_id", "account_version"),
    CheckConstraint("amount <> 0", name="amount_non_zero"),
    CheckConstraint(
        f"amount BETWEEN -{AMOUNT_LIMIT_SQL} AND {AMOUNT_LIMIT_SQL}", name="amount_in_range"
    ),
    CheckConstraint("account_version >= 1", name="account_version_positive"),
    # Direction-aware: a debit may not end below balance_min, a credit not above
    # balance_max; a move towards a bound is always allowed.
    CheckConstraint(
        "amount > 0 OR balance_min IS NULL OR balance_after >= balance_min",
        name="debit_within_balance_min",
    ),
    CheckConstraint(
        "amount < 0 OR balance_max IS NULL OR balance_after <= balance_max",
        name="credit_within_balance_max",
    ),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("key", Uuid, primary_key=True),
    Column("request_hash", LargeBinary(32), nullable=False),
    Column("outcome", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

log_entries = Table(
    "log_entries",
    metadata,
    Column("log_index", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_type", String(16), nullable=False),
    # The transaction, account or key event the leaf records.
    Column("entity_id", Uuid, nullable=False, unique=True),
    Column("leaf_input", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    CheckConstraint("log_index >= 0", name="log_index_non_negative"),
)

# Only perfect subtrees are stored: node (level, idx) is the hash of leaves
# [idx * 2**level, (idx + 1) * 2**level). Any RFC 9162 root or proof needs O(log n) of them.
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", Integer, nullable=False),
    Column("idx", BigInteger, nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    PrimaryKeyConstraint("level", "idx"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("principal_id", Uuid, nullable=False, index=True),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("capacity", String(16), nullable=False),
    Column("name", String(200), nullable=True),
    Column("registered_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    CheckConstraint("revoked_at IS NULL OR revoked_at > registered_at", name="revoked_after"),
)

custodians = Table(
    "custodians",
    metadata,
    Column("principal_id", Uuid, nullable=False),
    Column("custodian_id", Uuid, nullable=False),
    Column("appointed_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("principal_id", "custodian_id"),
)

# Derived from the log's recovery entries in the same database transaction, like the
# key registry: each request, its signed time and wait, and how it ended. The writer
# reads a member's rows to apply the custody rules (``core.key_custody``).
key_recoveries = Table(
    "key_recoveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("principal_id", Uuid, nullable=False, index=True),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("by_id", Uuid, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("wait_seconds", BigInteger, nullable=False),
    Column("requested_at", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("closed_at", BigInteger, nullable=True),
    Column("completed_time", UTCDateTime(), nullable=True),
    CheckConstraint("status IN ('pending', 'cancelled', 'completed')", name="status_known"),
    CheckConstraint("wait_seconds >= 0", name="wait_not_negative"),
)

# A key event's free-text note (why a key was revoked, in the member's words): personal
# data, so outside the signed log, which carries only a reason code; erased with the
# member's other personal data.
key_event_notes = Table(
    "key_event_notes",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("principal_id", Uuid, nullable=False, index=True),
    Column("note", Text, nullable=False),
)

# Derived from the log's bounds entries in the same database transaction, like the key
# registry: which bounds hold now, which accounts a coordinator set apart from the
# territory's default, and what that default is. Append-only.
bounds_changes = Table(
    "bounds_changes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("log_index", BigInteger, nullable=False, unique=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=True, index=True),
    Column("unit", String(80), nullable=True),
    Column("owner_kind", String(32), nullable=True),
    Column("follows", Uuid, nullable=True),
    Column("decided_by", Uuid, nullable=False),
    Column("balance_min", BigInteger, nullable=True),
    Column("balance_max", BigInteger, nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    CheckConstraint(
        "(account_id IS NOT NULL AND unit IS NULL AND owner_kind IS NULL)"
        " OR (account_id IS NULL AND unit IS NOT NULL AND owner_kind IS NOT NULL"
        " AND follows IS NULL)",
        name="one_scope",
    ),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

cosignatures = Table(
    "cosignatures",
    metadata,
    Column("tree_size", BigInteger, ForeignKey("checkpoints.tree_size"), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("line", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tree_size", "key_id"),
)

APPEND_ONLY_TABLES = (
    "transactions",
    "postings",
    "idempotency_records",
    "log_entries",
    "merkle_nodes",
    "checkpoints",
    "cosignatures",
)

# Time bank (issue 4): people's data, kept apart from the ledger so it can be erased.


# When a row not in the log last changed, for tools that sync by ``updated_since``:
# stamped by SQLAlchemy on every insert and update of the row, so that no write path can
# forget it. The wall clock, not the runtime's: it is compared with the times a tool
# read at, which are the server's.
def _wall_clock() -> datetime:
    return datetime.now(UTC)


def updated_at_column() -> Column[datetime]:
    return Column(
        "updated_at",
        UTCDateTime(),
        nullable=False,
        index=True,
        default=_wall_clock,
        onupdate=_wall_clock,
    )


members = Table(
    "members",
    metadata,
    # The pseudonymous id used in the ledger: a principal id once accepted.
    Column("id", Uuid, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("display_name", Text, nullable=True),
    Column("neighbourhood", String(120), nullable=True),
    # {"email": {"value": ..., "visibility": "members" | "coordinators"}, ...}
    Column("contact", JSON, nullable=False),
    Column("languages", JSON, nullable=False),
    Column("pact_signed_on", Date, nullable=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=True),
    Column("applied_at", UTCDateTime(), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("erased_at", UTCDateTime(), nullable=True),
    # The version (a hash of its text) of the territory's charter the applicant accepted.
    Column("charter_version", String(64), nullable=True),
    # Given on acceptance, in its order (next free number), never reused: what tells two
    # residents of the same name apart where a person is chosen.
    Column("number", Integer, nullable=True),
    # One of core.age_bands.AGE_BANDS, given by the member for the reports by band.
    Column("age_band", String(16), nullable=True),
    updated_at_column(),
    CheckConstraint("status IN ('applied', 'active', 'refused', 'erased')", name="status_known"),
    CheckConstraint(
        "age_band IN (" + ", ".join(f"'{band}'" for band in AGE_BANDS) + ")",
        name="age_band_known",
    ),
    Index("ix_members_status_id", "status", "id"),
    Index("ix_members_number", "number", unique=True),
)

offers = Table(
    "offers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(40), nullable=False),
    Column("neighbourhood", String(120), nullable=True),
    Column("estimated_minutes", Integer, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    updated_at_column(),
    CheckConstraint("direction IN ('offer', 'request')", name="direction_known"),
    Index("ix_offers_category_created_at", "category", "created_at"),
    Index("ix_offers_member_id", "member_id"),
)

# A message to the author of an offer or a request ("I can help", "I need this"), kept
# in the service so that nobody has to publish a phone number to be answered. Free text
# of people: out of the log, erased with its sender.
offer_messages = Table(
    "offer_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("offer_id", Uuid, ForeignKey("offers.id"), nullable=False),
    Column("sender_id", Uuid, ForeignKey("members.id"), nullable=False),
    # The offer's author, or, when the author answers, the member who wrote to them.
    Column("recipient_id", Uuid, ForeignKey("members.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_offer_messages_offer_id_created_at", "offer_id", "created_at"),
    Index("ix_offer_messages_sender_id", "sender_id"),
    Index("ix_offer_messages_recipient_id", "recipient_id"),
)

# A member's consent to a tool (a service client) recording needs and offers in their
# name; withdrawn, it is kept with the time, so that what was recorded before stays
# explained.
intake_consents = Table(
    "intake_consents",
    metadata,
    Column("member_id", Uuid, ForeignKey("members.id"), primary_key=True),
    Column("client_id", Uuid, ForeignKey("principals.id"), primary_key=True),
    Column("granted_at", UTCDateTime(), nullable=False),
    Column("withdrawn_at", UTCDateTime(), nullable=True),
)

# The offers and requests a tool recorded for a member, and the member's neighbourhood
# then: what routes them to the neighbourhood's group.
intake_records = Table(
    "intake_records",
    metadata,
    Column("offer_id", Uuid, ForeignKey("offers.id"), primary_key=True),
    Column("member_id", Uuid, nullable=False),
    Column("client_id", Uuid, nullable=False),
    Column("neighbourhood", String(120), nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_intake_records_neighbourhood_recorded_at", "neighbourhood", "recorded_at"),
)

proposals = Table(
    "proposals",
    metadata,
    # The id of the transaction the proposal describes, signed on confirmation.
    Column("id", Uuid, primary_key=True),
    Column("provider_id", Uuid, nullable=False),
    Column("receiver_id", Uuid, nullable=False),
    Column("provider_account", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("receiver_account", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("memo", Text, nullable=False),
    Column("memo_salt", LargeBinary, nullable=True),
    Column("offer_id", Uuid, ForeignKey("offers.id"), nullable=True),
    Column("category", String(40), nullable=True),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=True),
    # The group exchange it is one share of (a workshop's receivers), if any.
    Column("group_id", Uuid, nullable=True),
    CheckConstraint("minutes > 0", name="minutes_positive"),
    CheckConstraint(
        "status IN ('pending', 'confirmed', 'rejected', 'expired')", name="status_known"
    ),
    Index("ix_proposals_receiver_id_status", "receiver_id", "status"),
    Index("ix_proposals_provider_id_status", "provider_id", "status"),
    Index("ix_proposals_status_expires_at", "status", "expires_at"),
    Index("ix_proposals_group_id", "group_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("member_id", Uuid, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # What produced it (a proposal id, a transaction id and posting): replays add nothing.
    Column("source", String(120), nullable=False),
    UniqueConstraint("member_id", "kind", "source"),
    Index("ix_notifications_member_id_seq", "member_id", "seq"),
)

# How far through the log notifications have been derived (one row).
notification_progress = Table(
    "notification_progress",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("next_log_index", BigInteger, nullable=False),
)


# A territorial project and its accounts (owned by the project's id, spent by its lead,
# whom the log appoints as the project's custodian). Not a ledger table: the ledger
# records the accounts and the appointments; names are for people.
projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(40), nullable=False),
    Column("group_kind", String(16), nullable=False),
    Column("group_name", String(120), nullable=False),
    Column("lead_id", Uuid, ForeignKey("members.id"), nullable=False, index=True),
    Column("eur_account", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("pledge_account", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("time_account", Uuid, ForeignKey("accounts.id"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    updated_at_column(),
    # The project's sheet (usecases.project_sheets): what it is, where, which coordination
    # group follows it (a group of the log, by id), how far it is, and what it needs.
    Column("description", Text, nullable=True),
    Column("neighbourhood", String(120), nullable=True),
    Column("group_id", Uuid, nullable=True, index=True),
    Column("status", String(16), nullable=False, server_default="proposed"),
    Column("starts_on", Date, nullable=True),
    Column("ends_on", Date, nullable=True),
    Column("needs_eur", BigInteger, nullable=True),
    Column("needs_minutes", BigInteger, nullable=True),
    Column("needs_goods", String(500), nullable=True),
    CheckConstraint(
        "group_kind IN ('thematic', 'resource', 'neighbourhood')", name="group_kind_known"
    ),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in PROJECT_STATUSES) + ")",
        name="status_known",
    ),
)

# A resident's idea of a project, submitted to a coordination group, which turns it into
# a project or declines it with a reason.
project_ideas = Table(
    "project_ideas",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("group_id", Uuid, nullable=False),
    Column("author_id", Uuid, ForeignKey("members.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("neighbourhood", String(120), nullable=True),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("project_id", Uuid, ForeignKey("projects.id"), nullable=True),
    Column("decided_by", Uuid, nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_project_ideas_group_id_created_at", "group_id", "created_at"),
    CheckConstraint("status IN ('submitted', 'accepted', 'declined')", name="status_known"),
)

# What the group agreed to measure a project by: a name, a unit, a target.
project_indicators = Table(
    "project_indicators",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("project_id", Uuid, ForeignKey("projects.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("unit", String(40), nullable=False),
    Column("target", BigInteger, nullable=False),
    Column("defined_by", Uuid, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("project_id", "name"),
)

# A lead's quarterly follow-up of a project (one per quarter), and the group's
# co-evaluation that closes it. ``indicator_values`` is a JSON object: indicator id to
# the value reached this quarter.
project_followups = Table(
    "project_followups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("project_id", Uuid, ForeignKey("projects.id"), nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("results", Text, nullable=False),
    Column("obstacles", Text, nullable=False),
    Column("needs", Text, nullable=False),
    Column("indicator_values", Text, nullable=False),
    Column("filed_by", Uuid, nullable=False),
    Column("filed_at", UTCDateTime(), nullable=False),
    Column("assessment", String(16), nullable=True),
    Column("evaluation_comment", Text, nullable=True),
    Column("evaluated_by", Uuid, nullable=True),
    Column("evaluated_at", UTCDateTime(), nullable=True),
    UniqueConstraint("project_id", "quarter"),
    CheckConstraint(
        "assessment IN (" + ", ".join(f"'{a}'" for a in ASSESSMENTS) + ")",
        name="assessment_known",
    ),
)


# The territory's own lists (core.territory_lists): its categories of offers, exchanges
# and projects, its neighbourhoods, its well-being criteria. A row's ``code`` is what
# other rows store, so renaming (the labels) breaks none; a retired entry stays valid on
# old rows and is no longer offered for new ones.
territory_list_entries = Table(
    "territory_list_entries",
    metadata,
    Column("kind", String(24), nullable=False),
    Column("code", String(120), nullable=False),
    Column("label_fr", String(200), nullable=False),
    Column("label_en", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("retired_at", UTCDateTime(), nullable=True),
    PrimaryKeyConstraint("kind", "code"),
    CheckConstraint(
        "kind IN ('category', 'neighbourhood', 'wellbeing_criterion')", name="kind_known"
    ),
)

# What a survey tool recorded of well-being: a consenting resident's score on one
# criterion, or an anonymous batch of scores (``respondents`` answers summing to
# ``score_total``), with the neighbourhood and age band they were given for. Reported
# only in aggregate (``usecases.wellbeing``); a resident's link is cut on erasure.
wellbeing_records = Table(
    "wellbeing_records",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("client_id", Uuid, nullable=False),
    Column("member_id", Uuid, nullable=True),
    Column("criterion", String(120), nullable=False),
    Column("neighbourhood", String(120), nullable=True),
    Column("age_band", String(16), nullable=True),
    Column("respondents", Integer, nullable=False),
    Column("score_total", Integer, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    CheckConstraint("respondents > 0", name="respondents_positive"),
    CheckConstraint("score_total >= 0", name="score_total_not_negative"),
    Index("ix_wellbeing_records_recorded_at", "recorded_at"),
)


# An association taking part in the time bank: its name and neighbourhood beside the
# principal the log knows it by (``id``) and its TIME account. Who acts for it is the
# log's custodian appointments (``custodians``), so the log alone says who may spend.
associations = Table(
    "associations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("neighbourhood", String(120), nullable=False),
    Column("time_account", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    updated_at_column(),
)


# Derived from the log's round and ballot entries in the writer's transaction: where
# each entry of a round sits in the log (append-only), and each round's head, which the
# writer compares an entry's ``after`` and ``acts`` with (``core.rounds.check_sequence``).
round_entries = Table(
    "round_entries",
    metadata,
    Column("log_index", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", Uuid, nullable=False, unique=True),
    Column("round_id", Uuid, nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("by", Uuid, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

group_entries = Table(
    "group_entries",
    metadata,
    Column("log_index", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", Uuid, nullable=False, unique=True),
    Column("group_id", Uuid, nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

pact_entries = Table(
    "pact_entries",
    metadata,
    Column("log_index", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", Uuid, nullable=False, unique=True),
    Column("action", String(32), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

round_heads = Table(
    "round_heads",
    metadata,
    Column("round_id", Uuid, primary_key=True),
    Column("head_id", Uuid, nullable=False),
    Column("acts", BigInteger, nullable=False),
    CheckConstraint("acts >= 0", name="acts_not_negative"),
)
