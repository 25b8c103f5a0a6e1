"""The one configuration object, read from ``MUTUAL_*`` variables once and passed down."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_LOG_ORIGIN = "mutual.localhost/ledger"
PublicItem = Literal["fund", "rounds", "projects", "checkpoint", "pact"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MUTUAL_", frozen=True, extra="ignore")

    environment: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses to start on unsafe settings: a log signing key "
        "generated on the spot, or the default log origin.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the ledger database; unset means SQLite in data_dir.",
    )
    data_dir: Path = Field(
        default=Path("./var"), description="Where the embedded SQLite database lives."
    )
    database_schema: str | None = Field(
        default=None,
        description="The PostgreSQL schema holding the ledger's tables (its migrations and "
        "their version table too); set per territory from the territories file. Unset: the "
        "connection's own search path (`public`).",
    )
    territories_file: Path | None = Field(
        default=None,
        description="The registry of the territories this deployment serves (JSON, edited "
        "with `mutual territory create/delete`): each request goes to the territory its "
        "Host names, each territory with its own log, key and schema (PostgreSQL) or "
        "database file (SQLite). Unset: one territory, as the other settings say.",
    )
    territory: str | None = Field(
        default=None,
        description="With a territories file, the territory a command (`mutual export`, "
        "`token create`, `log-key`, ...) acts on; set for each territory's app when "
        "serving.",
    )
    host: str = Field(default="127.0.0.1", description="Address `mutual serve` listens on.")
    port: int = Field(default=8000, description="Port `mutual serve` listens on.")
    writer_batching: bool = Field(
        default=True,
        description="Gather concurrent writes into one database transaction (off: one each).",
    )
    writer_batch_max: int = Field(
        default=500, ge=1, description="Most commands the writer commits in one transaction."
    )
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL connections per process.")
    db_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a request waits for the database before a 503."
    )
    token_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description=(
            "How long a verified bearer token is trusted without a database read. With"
            " `MUTUAL_REDIS_URL` a revocation reaches every process at once; without it, how"
            " long one made in another process may take to reach this one."
        ),
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted."
    )
    max_batch_items: int = Field(
        default=1000, ge=1, description="Most transactions in one batch request."
    )

    key_recovery_wait_seconds: int = Field(
        default=72 * 3600,
        ge=0,
        description=(
            "How long a recovery of a member's key waits before it can take effect, while "
            "the member is told and any valid key of theirs can cancel it (72 hours)."
        ),
    )

    log_origin: str = Field(
        default=DEFAULT_LOG_ORIGIN,
        description=(
            "The log's origin line in checkpoints, and the name of its signing key; "
            "a territory uses its own domain, e.g. mulhouse.example/mutual."
        ),
    )
    log_signing_key: SecretStr | None = Field(
        default=None,
        description=(
            "The log's Ed25519 signing key in C2SP signer form (`PRIVATE+KEY+<origin>+...`). "
            "Unset: read log_signing_key_file, or create one in data_dir on first start."
        ),
    )
    log_signing_key_file: Path | None = Field(
        default=None,
        description="File holding the log's signing key. With neither set, one is created as "
        "data_dir/log-signing.key (mode 0600) on first start.",
    )
    checkpoint_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How often a checkpoint is signed when the log has grown (0: only on demand).",
    )

    default_balance_min: int = Field(
        default=-20 * 60,
        le=0,
        description="A new member's TIME account lower bound, in minutes (-20 h), until a "
        "coordinator records another default with PUT /territory/limits.",
    )
    default_balance_max: int = Field(
        default=40 * 60,
        ge=0,
        description="A new member's TIME account upper bound, in minutes (+40 h).",
    )
    limit_warning_minutes: int = Field(
        default=2 * 60,
        ge=0,
        description="How close to a bound, in minutes, a balance gets a warning (soft threshold).",
    )
    report_people_min: int = Field(
        default=3,
        ge=0,
        description="The territory's reports withhold a figure (by neighbourhood, category "
        "or age band, in a quarter) that fewer than this many people make up, so that a "
        "small group does not point at a person; 0 or 1: nothing withheld.",
    )
    duration_step_minutes: int = Field(
        default=15,
        ge=1,
        le=60,
        description="Exchanges and pledges are whole steps of this many minutes.",
    )
    proposal_expiry_days: float = Field(
        default=14, gt=0, description="An unconfirmed exchange proposal expires after this delay."
    )
    offer_expiry_days: float = Field(
        default=90, gt=0, description="Offers and requests expire after this delay unless renewed."
    )
    rate_limit_writes: int = Field(
        default=600,
        ge=0,
        description="Writes per minute one principal may make (429 with Retry-After past "
        "it); 0: no limit.",
    )
    rate_limit_address_writes: int = Field(
        default=6000,
        ge=0,
        description="Writes per minute from one client address, all principals together; "
        "0: no limit.",
    )
    rate_limit_anonymous: int = Field(
        default=20,
        ge=0,
        description="Calls per minute from one address to what needs no token (applying "
        "to join, signing in); 0: no limit.",
    )
    replica_urls: list[str] = Field(
        default=[],
        description="PostgreSQL streaming standbys (a JSON list of URLs) that serve reads: "
        "statements, account lists, reports and the event listing. A principal's reads after "
        "their own write wait for a standby that has replayed it, or go to the primary. "
        "`mutual export` reads from the standby that has replayed the most.",
    )
    replica_max_lag_seconds: float = Field(
        default=5.0,
        gt=0,
        description="A standby serves reads only while it has replayed everything the primary "
        "had written this many seconds ago; one that lags more, or is down, is left out "
        "until it catches up.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis shared by every process of the deployment (`redis://host:port/db`): "
        "rate limits count across processes and a revoked token or ended session is dropped "
        "from every process's cache at once; with standbys, a principal's reads through any "
        "process see their own last write. Unset: this process's memory (one process). "
        "Redis unreachable: writes and calls without a token are refused (503), reads go on.",
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default=[],
        description="Addresses (or networks, as a JSON list) of the reverse proxies in front "
        "of the service: only a request from one of them has its client address (for rate "
        "limits and the audit trail) read from `X-Forwarded-For`. Empty: the peer's own "
        "address, whatever the request claims.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info",
        description="Least severe log lines written (JSON, one per line, to standard error; "
        "`info` includes one access line per request).",
    )
    open_loans_max: int = Field(
        default=3,
        ge=1,
        description="Most items of shared goods (all points and kinds) a member holds on loan.",
    )
    session_hours: float = Field(
        default=8,
        gt=0,
        le=24 * 30,
        description="How long a web sign-in session lasts (the `mutual_session` cookie's "
        "Max-Age); it is not extended by use.",
    )
    sign_in_max_failures: int = Field(
        default=5,
        ge=1,
        description="Wrong passwords in a row after which a login is locked.",
    )
    sign_in_lock_minutes: int = Field(
        default=15,
        ge=1,
        description="How long a locked login refuses password sign-in (429 with Retry-After); "
        "sign-in links still work.",
    )
    sign_in_link_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="How long a one-time sign-in link stays valid.",
    )
    invitation_days: int = Field(
        default=14,
        ge=1,
        le=90,
        description="How long the invitation a coordinator's acceptance gives (a link and "
        "a short code, to choose a password) stays valid.",
    )
    password_reset_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="How long a one-time code sent to reset a forgotten password stays valid.",
    )
    public_url: str | None = Field(
        default=None,
        description="The address people reach the service at (e.g. "
        "https://temps.mulhouse.example), written in the links e-mails carry; never taken "
        "from a request's Host header, which whoever sends the request chooses. Unset: "
        "e-mails give the page's path only.",
    )
    public_page_items: Annotated[frozenset[PublicItem], NoDecode] = Field(
        default=frozenset(),
        description="What the public page (`GET /public`, no sign-in) shows, each item "
        "chosen by the territory, comma-separated: `fund` (the fund's figures), `rounds` "
        "(each round's decision and tally), `projects` (name, neighbourhood, what was "
        "granted), `checkpoint` (the log's latest), `pact` (how many signed the territorial pact). "
        "None by default.",
    )

    @field_validator("public_page_items", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(item.strip() for item in value.split(",") if item.strip())
        return value

    charter_file: Path | None = Field(
        default=None,
        description="A UTF-8 text file holding the territory's charter, which applicants accept "
        "(its version, a hash of the text, is kept with each application); unset: the "
        "service's own short charter.",
    )
    events_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often event streams and the webhook deliverer look for log entries "
        "written by other processes (this process's writes wake them at once).",
    )
    events_heartbeat_seconds: float = Field(
        default=15.0,
        gt=0,
        description="An event stream sends a keep-alive comment after this long without an "
        "event, so that proxies keep the connection open.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a webhook receiver has to answer a delivery before it counts "
        "as failed.",
    )
    webhook_allowed_hosts: list[str] = Field(
        default=[],
        description="Host names (or literal addresses) a webhook may be delivered to even "
        "though they resolve to a loopback, private, link-local or otherwise non-public "
        "address (a receiver on the territory's own network), as a JSON list. Any other URL "
        "resolving there is refused, at subscription and at each delivery.",
    )
    webhook_backoff_base_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Wait before the first retry of a failed webhook delivery; each further "
        "failure doubles it (with jitter).",
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Longest wait between two attempts of a webhook delivery.",
    )
    webhook_disable_after_seconds: float = Field(
        default=3 * 24 * 3600.0,
        gt=0,
        description="A webhook whose receiver has failed every attempt for this long (3 "
        "days) is disabled and its owner told (a notification, and an e-mail when they "
        "have an address).",
    )
    webhook_secret_overlap_seconds: float = Field(
        default=24 * 3600.0,
        ge=0,
        le=7 * 24 * 3600.0,
        description="After a webhook's secret is rolled, how long deliveries are signed with "
        "the previous secret too (unless the roll asks for another overlap).",
    )

    smtp_host: str | None = Field(
        default=None,
        description="The mail server that carries notices and sign-in codes by e-mail; "
        "unset: no e-mail is sent (the feed and the gateway outbox still hold them).",
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535, description="The mail server's port (465 for `tls`)."
    )
    smtp_tls: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="`starttls`: upgrade the connection and refuse a server that cannot; "
        "`tls`: TLS from the first byte (port 465); `none`: plain, for a relay on the same "
        "host or network only.",
    )
    smtp_username: str | None = Field(
        default=None, description="Login at the mail server; unset: no authentication."
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="Password at the mail server, with smtp_username."
    )
    smtp_sender: str | None = Field(
        default=None,
        description="The From of every e-mail, e.g. `Banque du temps <temps@mulhouse.example>`; "
        "needed when smtp_host is set.",
    )
    smtp_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long the mail server has to answer each step before the attempt "
        "counts as failed.",
    )
    mail_backoff_base_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Wait before the first retry of an e-mail the server did not take; each "
        "further failure doubles it (with jitter).",
    )
    mail_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two attempts of an e-mail."
    )
    mail_digest_hour: int = Field(
        default=17,
        ge=0,
        le=23,
        description="The hour (UTC) at which the members who chose a daily digest get the "
        "day's notices in one e-mail (17: 18:00 in Mulhouse in winter, 19:00 in summer).",
    )

    def unsafe_for(self, *, workers: int) -> list[str]:
        """Why these settings must not serve (empty when they may), all reasons at once."""
        reasons = []
        if workers > 1 and self.sqlite_file() is not None:
            reasons.append("SQLite has one writer: run one worker, or use PostgreSQL")
        # With a territories file, each territory's origin and key are its own (made by
        # `mutual territory create`): the deployment's are not used.
        if self.environment == "production" and self.territories_file is None:
            if self.log_signing_key is None and self.log_signing_key_file is None:
                reasons.append(
                    "production needs the log's signing key from MUTUAL_LOG_SIGNING_KEY or "
                    "MUTUAL_LOG_SIGNING_KEY_FILE: a key made on first start would be lost "
                    "with the data directory, and every signed checkpoint with it"
                )
            if self.log_origin == DEFAULT_LOG_ORIGIN:
                reasons.append(
                    "production needs MUTUAL_LOG_ORIGIN naming the territory (e.g. "
                    "mulhouse.example/mutual): checkpoints carry it"
                )
        if self.smtp_host is not None and not self.smtp_sender:
            reasons.append(
                "MUTUAL_SMTP_HOST is set without MUTUAL_SMTP_SENDER: e-mail needs a From "
                "address that the mail server accepts"
            )
        return reasons

    def sqlite_file(self) -> Path | None:
        """The embedded database's file, or None when the database is PostgreSQL."""
        url = self.resolved_database_url()
        prefix = "sqlite+aiosqlite:///"
        return Path(url[len(prefix) :]) if url.startswith(prefix) else None

    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL: the configured one, or the SQLite file in data_dir."""
        url = self.database_url
        if url is None:
            return f"sqlite+aiosqlite:///{(self.data_dir / 'mutual.sqlite3').resolve()}"
        for prefix, driver in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(prefix):
                return driver + url[len(prefix) :]
        return url


README_BEGIN = "<!-- settings reference: generated by `python -m mutual.settings`, do not edit -->"
README_END = "<!-- end of settings reference -->"


def _shown(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, frozenset):
        return ", ".join(f"`{v}`" for v in sorted(value)) or "none"
    if isinstance(value, Path) and not value.is_absolute():
        return f"`./{value}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def reference_table() -> str:
    """Every setting as a Markdown table row: its variable, its default and its meaning."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, info in Settings.model_fields.items():
        variable = f"MUTUAL_{name.upper()}"
        rows.append(f"| `{variable}` | {_shown(info.default)} | {info.description} |")
    return "\n".join(rows)


def write_reference(readme: Path) -> None:
    """Replace the README's settings reference with the one the settings declare."""
    text = readme.read_text()
    head, _, rest = text.partition(README_BEGIN)
    _, _, tail = rest.partition(README_END)
    readme.write_text(f"{head}{README_BEGIN}\n{reference_table()}\n{README_END}{tail}")


if __name__ == "__main__":
    write_reference(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
    print("wrote the settings reference")
