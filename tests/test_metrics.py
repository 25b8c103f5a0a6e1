"""The metrics endpoint gives Prometheus what a territory's operator watches: requests
by route and status, the writer's batches and queue, ledger writes by outcome, the log's
size and the age of its newest checkpoint; only operators and auditors read it."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.test_api import API, Api, api, assert_problem

__all__ = ["api"]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_follow_requests_writes_and_the_log(api: Api) -> None:
    """After a health check, a refused and an accepted transaction and a checkpoint, each
    figure says so; a member is refused and an anonymous caller asked to sign in."""
    headers, account = await api.member()
    pool = await api.account(owner_kind="commons_pool", owner_id="commons", balance_min=None)
    assert (await api.client.get(f"{API}/health")).status_code == 200
    refused = await api.pay(api.operator, account, pool, 5000)
    assert refused.status_code == 409, refused.text
    assert (await api.pay(api.operator, account, pool, 30)).status_code == 201
    assert (
        await api.client.post(f"{API}/log/checkpoints", headers=api.operator)
    ).status_code == 201

    answer = await api.client.get(f"{API}/metrics", headers=api.operator)
    assert answer.status_code == 200, answer.text
    # The exposition format's own media type, with one charset (litestar adds it).
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    got = samples(answer.text)
    health = (("method", "GET"), ("path", "/api/v1/health"), ("status", "200"))
    assert got["mutual_http_requests_total", health] >= 1
    assert got["mutual_ledger_writes_total", (("code", ""), ("outcome", "accepted"))] >= 3
    refusal = (("code", "exceeds_balance_min"), ("outcome", "refused"))
    assert got["mutual_ledger_writes_total", refusal] == 1
    assert got["mutual_writer_batch_size_count", ()] >= 1
    assert got["mutual_writer_queue_depth", ()] == 0
    assert got["mutual_log_tree_size", ()] == await api.log_size()
    assert 0 <= got["mutual_checkpoint_age_seconds", ()] < 60

    assert_problem(await api.client.get(f"{API}/metrics", headers=headers), 403, "not_authorised")
    assert_problem(await api.client.get(f"{API}/metrics"), 401, "not_authenticated")
