"""The litestar application factory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Router
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, License, Operation, SecurityScheme

from mutual import __version__
from mutual.api.dependencies import DEPENDENCIES, permission_guard
from mutual.api.metrics import Metrics
from mutual.api.observability import request_id_middleware
from mutual.api.pages import link_header
from mutual.api.problems import EXCEPTION_HANDLERS, declare_edge_problems, language_middleware
from mutual.api.rate_limits import RateLimits
from mutual.api.read_your_writes import remember_writes
from mutual.api.request_shape import request_shape_guard
from mutual.api.root_models import RootModelSchemaPlugin
from mutual.api.routes import (
    access,
    accounts,
    associations,
    commons,
    events,
    exchanges,
    fund,
    goods,
    groups,
    intake,
    keys,
    limits,
    log,
    members,
    notifications,
    offers,
    operator_keys,
    pact,
    passwords,
    people,
    pledges,
    problem_types,
    project_followups,
    projects,
    public,
    reports,
    rounds,
    sign_in,
    standing,
    system,
    territory,
    transactions,
    web,
)
from mutual.api.shared_state import SharedState
from mutual.api.tags import openapi_tags, tag_of
from mutual.core.permissions import MATRIX
from mutual.settings import Settings
from mutual.usecases import mail
from mutual.usecases.access import Authenticator
from mutual.usecases.runtime import Runtime
from mutual.usecases.startup import open_runtime

API_PREFIX = "/api/v1"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


@dataclass
class PublicOperation(Operation):
    """An operation that needs no token says so: ``security: []`` (litestar leaves an empty
    list out, and an absent one reads as "the document's default", which linters flag)."""

    def to_schema(self) -> dict[str, Any]:
        return {**super().to_schema(), "security": []}


def with_refusals(handlers: list[HTTPRouteHandler]) -> list[HTTPRouteHandler]:
    """Document on every route the refusals the edge may give before its handler runs:
    401 and 403 (the permission matrix) unless public, 429 (rate limits) on writes and on
    public routes, 422 for parameters out of their schema, 400/413/415 for a body, 503;
    added to the codes the route declares itself (``problem_responses`` in its decorator).
    Each also gets its resource's tag, and the bearer security unless public (a layer's
    security cannot be lifted by a handler, so it is set here, route by route)."""
    for handler in handlers:
        permission = MATRIX[str(handler.operation_id)]
        handler.tags = [tag_of(min(handler.paths), "")]
        handler.security = None if permission.public else BEARER
        if permission.public:
            handler.operation_class = PublicOperation
        writes = not {"GET", "HEAD"} >= set(handler.http_methods)
        declare_edge_problems(
            handler,
            secured=not permission.public,
            writes=writes,
            rate_limited=writes or permission.public,
        )
    return handlers


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> Litestar:
    """The app; it opens (and migrates) the database on start-up unless given a runtime."""

    def attach(app: Litestar, rt: Runtime) -> None:
        # Each territory's counts, revocations and positions under keys of its own.
        prefix = "mutual" if settings.territory is None else f"mutual:{settings.territory}"
        shared = SharedState(settings.redis_url, prefix=prefix)
        app.state.runtime = rt
        app.state.shared = shared
        app.state.authenticator = Authenticator(rt, shared)
        app.state.metrics = Metrics(rt)
        app.state.rate_limits = RateLimits(settings, shared)

    @asynccontextmanager
    async def background(app: Litestar, rt: Runtime) -> AsyncIterator[None]:
        """What runs beside the requests: event streams and webhooks, and e-mail."""
        shared: SharedState = app.state.shared
        async with (
            shared.connected(),
            rt.db.replicas.watching() if rt.db.replicas else contextlib.nullcontext(),
            events.serving(app, rt),
            mail.sending(rt) as mailer,
        ):
            app.state.mailer = mailer
            yield

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if runtime is not None:
            attach(app, runtime)
            async with background(app, runtime):
                yield
            return
        async with open_runtime(settings) as rt:
            attach(app, rt)
            async with background(app, rt):
                yield

    api = Router(
        path=API_PREFIX,
        route_handlers=with_refusals(
            [
                system.health,
                system.ready,
                system.live,
                system.metrics,
                system.create_token,
                accounts.create_account,
                accounts.get_account,
                accounts.list_accounts,
                accounts.get_statement,
                transactions.record_transactions,
                transactions.get_transaction,
                transactions.reverse_transaction,
                keys.record_key_event,
                keys.list_keys,
                keys.get_key,
                keys.list_key_recoveries,
                keys.list_custodians,
                keys.me,
                log.log_info,
                log.latest_checkpoint,
                log.checkpoint_at,
                log.sign_checkpoint,
                log.add_cosignature,
                log.inclusion_proof,
                log.consistency_proof,
                members.apply,
                members.accept,
                members.refuse,
                members.list_members,
                members.near_limits,
                members.get_member,
                members.update_profile,
                members.export_me,
                members.erase,
                members.statement_csv,
                members.invite,
                members.charter,
                *people.ROUTES,
                limits.get_territory_limits,
                limits.set_territory_limits,
                limits.set_member_limits,
                projects.create_project,
                projects.list_projects,
                projects.get_project,
                projects.change_lead,
                *project_followups.ROUTES,
                *pledges.ROUTES,
                *associations.ROUTES,
                *groups.ROUTES,
                *pact.ROUTES,
                *commons.ROUTES,
                *fund.ROUTES,
                *goods.ROUTES,
                *operator_keys.ROUTES,
                *standing.ROUTES,
                *rounds.ROUTES,
                *access.ROUTES,
                *events.ROUTES,
                *sign_in.ROUTES,
                *passwords.ROUTES,
                *intake.ROUTES,
                *territory.ROUTES,
                offers.publish,
                offers.search,
                offers.get_offer,
                offers.renew,
                offers.close,
                offers.edit,
                offers.answer,
                offers.messages,
                exchanges.propose,
                exchanges.list_proposals,
                exchanges.get_proposal,
                exchanges.confirm,
                exchanges.reject,
                exchanges.record_received,
                exchanges.record_group,
                exchanges.get_group,
                notifications.notifications,
                notifications.get_notification_preferences,
                notifications.set_notification_preferences,
                reports.time_bank,
                reports.time_bank_csv,
                reports.territory,
                reports.territory_csv,
                public.public,
                problem_types.get_problem_type,
            ]
        ),
        dependencies=DEPENDENCIES,
        guards=[request_shape_guard, permission_guard],
    )
    return Litestar(
        route_handlers=[api, web.web_router()],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        # The request id outermost, so that every line logged while serving carries it.
        middleware=[request_id_middleware, language_middleware, remember_writes],
        before_send=[link_header],
        request_max_body_size=settings.max_body_bytes,
        plugins=[RootModelSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="mutual",
            version=__version__,
            description="Time bank and mutualisation ledger for territories of co-responsibility.",
            license=License(name="AGPL-3.0-or-later", identifier="AGPL-3.0-or-later"),
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="token")
                }
            ),
            path="/api/v1/schema",
            # The document only, no HTML viewer: litestar's load their scripts from CDNs,
            # which would run on this origin, next to the page's session.
            render_plugins=[
                JsonRenderPlugin(path=["/", "/openapi.json"]),
                YamlRenderPlugin(),
            ],
            tags=openapi_tags(),
        ),
        debug=False,
    )
