"""The audit trail: each administrative action that succeeded (the permission matrix
marks which), with who, when, what and from where."""

from __future__ import annotations

import logging
from uuid import UUID

from mutual.store import audit as store
from mutual.store.audit import AuditEvent
from mutual.usecases.runtime import Runtime, new_id

log = logging.getLogger(__name__)


async def record(
    rt: Runtime,
    *,
    actor_id: UUID,
    operation: str,
    method: str,
    path: str,
    status: int,
    source_ip: str | None,
    request_id: str,
) -> None:
    event = AuditEvent(
        new_id(), rt.clock(), actor_id, operation, method, path, status, source_ip, request_id
    )
    try:
        async with rt.db.writing() as conn:
            await store.insert_event(conn, event)
    except Exception:
        # The action itself is done and answered; the loss is logged with everything the
        # row would have held, so the trail can be completed from the logs.
        log.exception("audit event not recorded: %s", event)


async def events(
    rt: Runtime, *, after: UUID | None, limit: int, actor_id: UUID | None
) -> list[AuditEvent]:
    async with rt.db.reading() as conn:
        return await store.list_events(conn, after=after, limit=limit, actor_id=actor_id)
