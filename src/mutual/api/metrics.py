"""Prometheus metrics of one serving process, at ``GET /api/v1/metrics``.

Requests (count and latency per route template and status), the writer (batch sizes,
queue depth, ledger writes answered by outcome and problem code), and the log (tree
size, age of the newest signed checkpoint). Each process has its own registry: with
several workers a scrape sees one of them (label them by instance, or run one worker
per scrape target).
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from mutual.api import problems
from mutual.store import log_reads
from mutual.store import mail as mail_store
from mutual.store import webhooks as webhook_store
from mutual.store.outcomes import Outcome
from mutual.usecases.runtime import Runtime

# Litestar adds "; charset=utf-8" to a text media type: written here, it came twice.
CONTENT_TYPE = "text/plain; version=0.0.4"


class Metrics:
    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mutual_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "path", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mutual_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "path"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "mutual_writer_batch_size",
            "Requests committed by the ledger's writer in one database transaction.",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=self.registry,
        )
        self.writes = Counter(
            "mutual_ledger_writes",
            "Ledger writes answered (transactions, accounts, key events, bounds), by outcome "
            "and problem code (replays included).",
            ["outcome", "code"],
            registry=self.registry,
        )
        queue = Gauge(
            "mutual_writer_queue_depth",
            "Commands waiting for the ledger's writer.",
            registry=self.registry,
        )
        queue.set_function(lambda: rt.journal.queue_depth)
        self.tree_size = Gauge(
            "mutual_log_tree_size", "Leaves in the Merkle log.", registry=self.registry
        )
        self.checkpoint_age = Gauge(
            "mutual_checkpoint_age_seconds",
            "Seconds since the newest signed checkpoint (absent before the first).",
            registry=self.registry,
        )
        self.webhook_backlog = Gauge(
            "mutual_webhook_backlog_events",
            "Log entries past the cursors of enabled webhook subscriptions (not yet delivered, "
            "or yet to be passed over by a filter), summed over subscriptions.",
            registry=self.registry,
        )
        self.webhook_backlogs = Gauge(
            "mutual_webhook_subscription_backlog_events",
            "Log entries past one enabled webhook subscription's cursor: a receiver falling "
            "behind shows here alone (disabled subscriptions are left out).",
            ["webhook"],
            registry=self.registry,
        )
        self.mail_backlog = Gauge(
            "mutual_mail_backlog_notices",
            "Notices queued for e-mail and not yet sent (due now, waiting for a digest's "
            "hour, or backing off while the mail server does not take them).",
            registry=self.registry,
        )
        self.undeclared = Gauge(
            "mutual_problems_undeclared",
            "1 for each operation and problem code this process answered though the "
            "operation's OpenAPI entry does not declare the code (contracts/openapi.json is "
            "then wrong for generated clients: a bug to report).",
            ["operation", "code"],
            registry=self.registry,
        )
        rt.journal.observers.append(self.observe_batch)

    def observe_request(self, method: str, path: str, status: int, seconds: float) -> None:
        self.requests.labels(method, path, str(status)).inc()
        self.latency.labels(method, path).observe(seconds)

    def observe_batch(self, size: int, outcomes: Sequence[Outcome]) -> None:
        self.batch_size.observe(size)
        for outcome in outcomes:
            if outcome.accepted:
                self.writes.labels("accepted", "").inc()
            else:
                self.writes.labels("refused", str(outcome.body.get("code", ""))).inc()

    async def render(self) -> bytes:
        """The exposition text, with the log's figures read now."""
        self.tree_size.set(await log_reads.read_tree_size(self._rt.db))
        newest = await log_reads.newest_checkpoint_time(self._rt.db)
        if newest is not None:
            self.checkpoint_age.set((self._rt.clock() - newest).total_seconds())
        self.webhook_backlog.set(await webhook_store.backlog(self._rt.db))
        # Set afresh each time: a subscription disabled since leaves the exposition.
        self.webhook_backlogs.clear()
        for webhook_id, behind in (await webhook_store.backlogs(self._rt.db)).items():
            self.webhook_backlogs.labels(str(webhook_id)).set(behind)
        async with self._rt.db.reading() as conn:
            self.mail_backlog.set(await mail_store.backlog(conn))
        for operation, code in sorted(problems.UNDECLARED):
            self.undeclared.labels(operation, code).set(1)
        return generate_latest(self.registry)
