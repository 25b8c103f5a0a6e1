"""People's sign-in: a login with a memory-hard password hash, one-time sign-in links
(stored as hashes), and server-side sessions (the cookie holds a random id, stored as
its hash, with the session's CSRF token)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Uuid,
)

from mutual.store.tables import UTCDateTime, metadata

credentials = Table(
    "credentials",
    metadata,
    Column("principal_id", Uuid, ForeignKey("principals.id"), primary_key=True),
    Column("login", String(200), nullable=False, unique=True),
    Column("password_hash", String(400), nullable=True),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)

sign_in_links = Table(
    "sign_in_links",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("principal_id", Uuid, nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Index("ix_sign_in_links_principal_id", "principal_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", LargeBinary(32), primary_key=True),
    Column("principal_id", Uuid, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_sessions_principal_id", "principal_id"),
)
