"""One typed settings object for the whole product (CLI, web, workers alike).

Sources, highest priority first: explicit overrides (CLI flags such as ``--home``),
environment variables (``EXECDESK_*``; nested with ``__``, e.g. ``EXECDESK_IMAP__HOST``),
then the config file ``<home>/execdesk.toml`` (or ``EXECDESK_CONFIG``), then defaults.
Every field is documented in ``docs/settings.md`` (a test keeps the two in step).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from execdesk.campaigns.model import CampaignSettings
from execdesk.campaigns.spikes import SpikeSettings
from execdesk.digest.config import DigestSettings
from execdesk.notify.config import WebhookSettings
from execdesk.ops.config import OpsSettings, RetentionSettings
from execdesk.parse.model import ParseLimits
from execdesk.routing.config import RoutingSettings, SlaSettings
from execdesk.workers.config import QueueSettings

DEFAULT_HOME = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "execdesk"
CONFIG_FILE_NAME = "execdesk.toml"


class _Section(BaseModel):
    """A table of the config file; unknown keys are refused (a typo must not be ignored)."""

    model_config = ConfigDict(extra="forbid")


class LimitSettings(_Section):
    """Limits that protect the desk from hostile or absurd input."""

    max_message_bytes: int = Field(
        40 * 1024 * 1024, description="Larger messages are kept raw and quarantined (SMTP answers 552)."
    )
    max_parts: int = Field(1000, description="MIME parts parsed per message; the rest are listed as a defect.")
    max_depth: int = Field(30, description="MIME nesting depth parsed; deeper parts are listed as a defect.")
    max_text_chars: int = Field(1_000_000, description="Characters of body text kept for analysis per message.")

    def parse_limits(self) -> ParseLimits:
        return ParseLimits(
            max_message_bytes=self.max_message_bytes,
            max_parts=self.max_parts,
            max_depth=self.max_depth,
            max_text_chars=self.max_text_chars,
        )


class IngestSettings(_Section):
    """How messages become cases."""

    batch_size: int = Field(500, description="Messages per database transaction during bulk import.")
    thread_by_sender: bool = Field(True, description="Join a message without thread headers to the sender's open case.")
    sender_window_hours: float = Field(72.0, description="How recent the sender's open case must be to be joined.")
    fsync: bool = Field(
        True, description="Flush raw bytes to disk before the database commit (turn off only for tests)."
    )


class ImapSettings(_Section):
    """The IMAP account ``execdesk fetch`` reads."""

    host: str | None = Field(None, description="IMAP server host name.")
    port: int | None = Field(None, description="Port; default 993 for ssl, 143 otherwise.")
    security: Literal["ssl", "starttls", "none"] = Field("ssl", description="Transport security.")
    username: str | None = Field(None, description="Login name.")
    password: SecretStr | None = Field(None, description="Password (prefer password_file or EXECDESK_IMAP__PASSWORD).")
    password_file: Path | None = Field(None, description="File holding the password (first line).")
    mailboxes: list[str] = Field(default_factory=lambda: ["INBOX"], description="Folders to read.")
    after_commit: Literal["flag", "move", "none"] = Field(
        "flag", description="What to do on the server once a message is stored."
    )
    flag: str = Field("$Execdesk", description="Keyword set on stored messages when after_commit = flag.")
    move_to: str = Field(
        "Execdesk/Processed", description="Folder stored messages are moved to when after_commit = move."
    )
    poll_seconds: float = Field(60.0, description="Seconds between polls when IDLE is not used or not supported.")
    idle: bool = Field(True, description="Use IMAP IDLE in --watch mode when the server supports it.")
    fetch_batch: int = Field(100, description="Messages fetched per IMAP FETCH command.")
    verify_tls: bool = Field(True, description="Verify the server's TLS certificate.")


class SmtpListenSettings(_Section):
    """The inbound SMTP listener (``execdesk listen-smtp``)."""

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(2525, description="Port to listen on.")
    recipients: list[str] = Field(
        default_factory=list,
        description="Accepted recipient addresses or @domains; empty accepts any recipient.",
    )


class ReplySettings(_Section):
    """Outgoing replies: the tone guard's rules, drafting, approval, the SMTP outbox, acknowledgments."""

    tone_rules_path: Path | None = Field(
        None,
        description="Organisation tone rules (YAML) merged over the shipped ones: word classes, rules, allow-list.",
    )
    company_name: str = Field("our company", description="The company's name, as {company} in reply templates.")
    executive_name: str = Field(
        "the CEO", description="The executive the desk writes for: {executive} in templates; signs executive replies."
    )
    executive_signature: str | None = Field(
        None, description="How executive-voice replies are signed; default: the executive's name."
    )
    signature: str = Field(
        "{agent}\nOffice of {executive}, {company}",
        description="Signature appended to template replies; may use the template variables.",
    )
    templates_dir: Path | None = Field(
        None, description="Organisation reply templates (*.md), over the shipped ones; default <home>/templates."
    )
    supervisors: list[str] = Field(
        default_factory=list, description="Names allowed to approve blocked replies without --role supervisor."
    )
    from_address: str | None = Field(
        None, description="From address of outgoing replies (e.g. ceo-office@example.com); required to send."
    )
    from_name: str | None = Field(None, description="Display name of the From address; default: none.")
    message_id_domain: str | None = Field(
        None, description="Domain of generated Message-IDs; default: the domain of from_address."
    )
    smtp_host: str | None = Field(None, description="SMTP server that sends replies (submission server).")
    smtp_port: int | None = Field(None, description="SMTP port; default 465 for ssl, 587 for starttls, 25 for none.")
    smtp_security: Literal["ssl", "starttls", "none"] = Field("starttls", description="SMTP transport security.")
    smtp_username: str | None = Field(None, description="SMTP login name; no AUTH when empty.")
    smtp_password: SecretStr | None = Field(
        None, description="SMTP password (prefer smtp_password_file or EXECDESK_REPLY__SMTP_PASSWORD)."
    )
    smtp_password_file: Path | None = Field(None, description="File holding the SMTP password (first line).")
    verify_tls: bool = Field(True, description="Verify the SMTP server's TLS certificate.")
    smtp_timeout: float = Field(60.0, description="Seconds before an SMTP connection or command times out.")
    max_attempts: int = Field(6, description="Send attempts before an outbox entry is marked failed.")
    retry_base_seconds: float = Field(
        60.0, description="Delay after the first failed attempt; doubles with each further attempt."
    )
    sending_lease_seconds: float = Field(
        600.0,
        description="An entry left in 'sending' this long (a crash mid-send) is retried with the same Message-ID.",
    )
    auto_ack: bool = Field(False, description="Acknowledge new inbound mail automatically (RFC 3834 rules apply).")
    ack_template: str = Field("acknowledgment", description="Template of automatic acknowledgments.")
    ack_window_days: float = Field(
        7.0, description="Never acknowledge one sender twice within this many days (RFC 3834 section 2)."
    )
    ack_max_per_hour: int = Field(
        50, description="Most automatic acknowledgments created per hour; the rest are skipped and audited."
    )
    ack_max_age_hours: float = Field(
        48.0,
        description="Never acknowledge a message written longer ago than this (imports of old mailboxes).",
    )


class WebSettings(_Section):
    """The web desk (``execdesk serve``): where it listens, its secret, sessions and the login limit.

    Production (top-level ``environment = "production"``) refuses to start without a real secret.
    """

    host: str = Field("127.0.0.1", description="Address the web desk listens on.")
    port: int = Field(8400, description="Port the web desk listens on.")
    secret_key: SecretStr | None = Field(
        None,
        description="Signs CSRF tokens (at least 32 characters); prefer EXECDESK_WEB__SECRET_KEY or secret_key_file. "
        "Development without one uses <home>/web-secret (created, mode 0600).",
    )
    secret_key_file: Path | None = Field(
        None, description="File holding the secret key (first line); must not be readable by group or others."
    )
    session_hours: float = Field(12.0, description="A sign-in lasts this long (hours since the last request).")
    secure_cookies: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Secure flag on cookies: auto sets it unless the desk is served over plain http on loopback.",
    )
    login_max_failures_per_account: int = Field(
        5, description="Failed sign-ins per account within login_window_minutes before it is refused for a while."
    )
    login_max_failures_per_ip: int = Field(
        20, description="Failed sign-ins per client address within login_window_minutes before it is refused."
    )
    login_window_minutes: float = Field(15.0, description="The window the login rate limit counts failures in.")
    trust_proxy_headers: bool = Field(
        False, description="Take the client address from X-Forwarded-For (only behind a trusted reverse proxy)."
    )
    background_jobs: bool | None = Field(
        None,
        description="execdesk serve also runs the SLA breach sweep (sla.sweep_seconds), the scheduled digest check "
        "and, when reply.smtp_host is set, the outbox sender. Unset: on, except with queue.backend = procrastinate, "
        "where `execdesk worker` runs them (docs/decisions/1001); false for tests.",
    )
    digest_check_seconds: float = Field(
        60.0,
        description="How often the digest check runs, in serve or as a worker task (sending is claimed once per slot).",
    )
    outbox_send_seconds: float = Field(
        30.0,
        description="How often the outbox sender sends queued replies, in serve or as a worker task "
        "(only with reply.smtp_host).",
    )
    dashboard_cache_seconds: float = Field(
        30.0,
        ge=0,
        description="Each web process keeps the dashboard's figures for a window this many seconds (0: none); "
        "with 100,000 cases one computation takes up to a second (docs/decisions/1002).",
    )


class Settings(BaseSettings):
    """All of execdesk's configuration."""

    model_config = SettingsConfigDict(env_prefix="EXECDESK_", env_nested_delimiter="__", extra="forbid")

    home: Path = Field(DEFAULT_HOME, description="Directory holding all state (database, blobs, models).")
    environment: Literal["development", "production"] = Field(
        "development", description="production refuses insecure defaults."
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite file <home>/execdesk.sqlite3.")
    blob_dir: Path | None = Field(None, description="Raw message and attachment store; default <home>/blobs.")
    log_level: str = Field("WARNING", description="Python log level for the execdesk logger.")
    limits: LimitSettings = Field(default_factory=LimitSettings, description="Input limits.")  # type: ignore[arg-type]
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingest and threading.")  # type: ignore[arg-type]
    imap: ImapSettings = Field(default_factory=ImapSettings, description="IMAP source.")  # type: ignore[arg-type]
    smtp_listen: SmtpListenSettings = Field(default_factory=SmtpListenSettings, description="SMTP source.")  # type: ignore[arg-type]
    reply: ReplySettings = Field(default_factory=ReplySettings, description="Replies and the tone guard.")  # type: ignore[arg-type]
    campaigns: CampaignSettings = Field(
        default_factory=CampaignSettings, description="Campaign detection (floods of near-identical mail)."
    )
    spikes: SpikeSettings = Field(default_factory=SpikeSettings, description="Volume spike alerts per topic.")
    web: WebSettings = Field(default_factory=WebSettings, description="The web desk.")  # type: ignore[arg-type]
    routing: RoutingSettings = Field(default_factory=RoutingSettings, description="Routing of cases to teams.")  # type: ignore[arg-type]
    sla: SlaSettings = Field(default_factory=SlaSettings, description="Business hours and SLA breaches.")  # type: ignore[arg-type]
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings, description="Signed webhooks out.")  # type: ignore[arg-type]
    digest: DigestSettings = Field(default_factory=DigestSettings, description="The executive briefing.")  # type: ignore[arg-type]
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings, description="Retention of raw mail of closed cases."
    )
    ops: OpsSettings = Field(default_factory=OpsSettings, description="Metrics endpoint and doctor.")  # type: ignore[arg-type]
    queue: QueueSettings = Field(default_factory=QueueSettings, description="Task queue and workers (off by default).")  # type: ignore[arg-type]

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'execdesk.sqlite3'}"

    @property
    def blobs_path(self) -> Path:
        return self.blob_dir or self.home / "blobs"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (_OverrideSource(settings_cls), env_settings, init_settings)


class _OverrideSource(PydanticBaseSettingsSource):
    """Highest-priority values (CLI flags), handed over by :func:`load_settings`."""

    values: dict[str, Any] = {}  # noqa: RUF012 - set per load_settings call

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if v is not None}


def resolve_home(home: Path | str | None = None) -> Path:
    if home is not None:
        return Path(home).expanduser()
    env = os.environ.get("EXECDESK_HOME")
    return Path(env).expanduser() if env else DEFAULT_HOME


def read_config_file(home: Path) -> dict[str, Any]:
    path = Path(os.environ.get("EXECDESK_CONFIG") or home / CONFIG_FILE_NAME)
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_settings(home: Path | str | None = None, **overrides: Any) -> Settings:
    """Build the settings: overrides > environment > config file > defaults."""
    resolved = resolve_home(home)
    file_values = read_config_file(resolved)
    _OverrideSource.values = {"home": resolved if home is not None else None, **overrides}
    try:
        settings = Settings(**file_values)
    finally:
        _OverrideSource.values = {}
    if home is None and "home" not in file_values and "EXECDESK_HOME" not in os.environ:
        settings.home = resolved
    return settings
