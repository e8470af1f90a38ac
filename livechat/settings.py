"""The one typed settings object, read from LIVECHAT_* environment variables once at start-up."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated, Literal

ENV_PREFIX = "LIVECHAT_"


class Settings(BaseSettings):
    """Every knob of the server. The README's settings table lists each one with its default."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=None, extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./livechat.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db.",
    )
    redis_url: str | None = Field(
        None, description="Redis URL. Unset: a single node keeps rooms and presence in memory."
    )
    redis_channel: str = Field("livechat", description="Redis pub/sub channel shared by the nodes of one deployment.")
    host: str = Field("127.0.0.1", description="Address the HTTP and websocket server binds to.")
    port: int = Field(8080, description="Port the HTTP and websocket server binds to.")
    public_url: str | None = Field(None, description="URL visitors reach the server at; printed at start-up.")
    data_dir: Path = Field(Path(".livechat"), description="Where the embedded defaults keep files (the generated secret key).")
    secret_key: SecretStr | None = Field(
        None,
        description="Signs visitor tokens. Unset: generated once and kept in DATA_DIR/secret_key.",
    )
    visitor_token_ttl_s: int = Field(30 * 24 * 3600, description="Lifetime of a visitor token.")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"],
        description="Comma-separated origins allowed to open the widget socket and call the visitor API; * allows any.",
    )
    max_message_chars: int = Field(2000, description="Longest visitor message accepted.")
    writer_max_waiting: int = Field(
        2000, ge=1,
        description="Chat messages waiting to be stored on this node (the database slower than arrivals); beyond it, new ones are refused with busy and clients resend them.",
    )
    require_consent: bool = Field(
        False, description="The site requires consent before tracking: page and cart events of visitors who did not grant it are not stored."
    )
    rasa_url: str = Field("http://127.0.0.1:5005", description="Base URL of the Rasa server.")
    rasa_webhook_path: str = Field("/webhooks/rest/webhook", description="Path of Rasa's REST channel webhook.")
    rasa_timeout_s: float = Field(8.0, description="How long a bot turn may take before the visitor is told and the chat is queued for a person.")
    rasa_max_concurrency: int = Field(64, description="Bot turns in flight at once; more wait in line.")
    rasa_max_waiting: int = Field(1000, ge=1, description="Bot turns waiting for Rasa on this node; beyond it, new chats go to people with a notice.")
    rasa_busy_notice_s: float = Field(3.0, gt=0, description="A turn waiting this long for Rasa posts a notice that the answer is on its way.")
    language_detection: Literal["high", "low", "off"] = Field(
        "high",
        description="Detect each visitor message's language (lingua): high is accurate on short chat messages (~200 MB), low is lighter, off keeps the page's language.",
    )
    rasa_token: SecretStr | None = Field(None, description="Token for Rasa's HTTP API (rasa run --auth-token).")
    metrics_token: SecretStr | None = Field(None, description="Bearer token /metrics requires; unset: /metrics is open (keep it off the public internet).")
    bot_api_token: SecretStr | None = Field(
        None, description="Bearer token the Rasa action server uses on /api/bot/*. Unset: the bot API is closed."
    )
    identity_secret: SecretStr | None = Field(
        None,
        description="Shop secret for verified identification: identify must then carry identity_hash, the hex HMAC-SHA256 of its "
        "external id and email (joined by a newline, absent ones left out) computed by the shop's server. Unset: identify is the visitor's claim.",
    )
    retention_days: int | None = Field(
        None, ge=1, description="Closed conversations untouched this long lose their personal content (checked every 6 hours). Unset: kept."
    )
    agent_access_ttl_s: int = Field(900, description="Lifetime of an agent's access token; the console refreshes it before it runs out.")
    agent_refresh_ttl_s: int = Field(14 * 24 * 3600, description="How long an agent stays logged in without using the console.")
    login_max_attempts: int = Field(5, description="Login attempts allowed per email per window (four times that per IP address).")
    login_window_s: int = Field(300, description="The login rate-limit window.")
    socket_events_per_10s: int = Field(100, ge=1, description="Events one socket connection may send per 10 seconds (typing included).")
    visitor_sessions_per_ip_per_min: int = Field(60, ge=1, description="New visitor sessions one IP address may open per minute.")
    socket_connects_per_ip_per_min: int = Field(120, ge=1, description="Widget socket connections one IP address may open per minute.")
    routing_strategy: Literal["least_busy", "round_robin"] = Field(
        "least_busy", description="How waiting chats are given to agents: least_busy (share of capacity used) or round_robin."
    )
    agent_grace_s: float = Field(60.0, description="How long an agent may be gone (closed console, lost network) before their chats go back in line.")
    router_sweep_s: float = Field(5.0, description="How often each node checks the queue and absent agents, besides reacting to events.")
    handoff_teams: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="Which team's queue a handoff reason goes to, e.g. complaint=support,bot_unavailable=support; others go to anyone.",
    )
    direct_to_agent_segments: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["vip"], description="Comma-separated customer segments whose chats go straight to a person."
    )
    shopify_webhook_secret: SecretStr | None = Field(
        None, description="Shopify webhook signing secret; order webhooks at /api/shop/shopify/orders. Unset: that endpoint is off."
    )
    woocommerce_webhook_secret: SecretStr | None = Field(
        None, description="WooCommerce webhook secret; order webhooks at /api/shop/woocommerce/orders. Unset: that endpoint is off."
    )
    crm_hubspot_url: str = Field("https://api.hubapi.com", description="Base URL of the HubSpot-style CRM API.")
    crm_hubspot_token: SecretStr | None = Field(None, description="Private-app token for the HubSpot-style CRM. Unset: that connector is off.")
    crm_webhook_url: str | None = Field(None, description="URL that receives signed CRM webhooks (contacts, deals, deletions). Unset: off.")
    crm_webhook_secret: SecretStr | None = Field(None, description="Secret that signs outgoing CRM webhooks (HMAC-SHA256 over timestamp and body).")
    crm_batch_size: int = Field(100, ge=1, le=100, description="Records per CRM call (HubSpot's batch limit is 100).")
    crm_calls_in_flight: int = Field(
        4, ge=1, le=16, description="CRM calls sent at once per step; the cursor moves when all of them were acknowledged."
    )
    crm_settle_s: float = Field(
        5.0, ge=0, description="Rows changed within this many seconds wait for the next run, so a slower transaction that commits late is not skipped."
    )
    crm_schedule_minutes: int = Field(15, ge=1, le=60, description="How often the crm-sync worker runs every connector (minutes past each hour divisible by it).")
    crm_max_tries: int = Field(6, ge=1, description="Tries of a sync job before it goes to the dead-letter list.")
    crm_retry_base_s: float = Field(2.0, gt=0, description="First retry delay of a failed sync job; doubles each try up to 5 minutes.")
    crm_job_timeout_s: int = Field(900, ge=5, description="Longest a sync job may run before the worker stops it (it resumes from its cursor).")
    crm_queue: str = Field("crm_sync", description="Name of the arq queue the crm-sync jobs use.")
    crm_http_timeout_s: float = Field(30.0, gt=0, description="Timeout of one call to a CRM.")
    shop_api_key: SecretStr | None = Field(
        None, description="Bearer key the shop's own systems use on /api/shop/* (e.g. to trigger an offer). Unset: that API is closed."
    )
    offers_cart_idle_s: float = Field(1800.0, gt=0, description="How long a cart with items must sit without activity or an order before it counts as abandoned.")
    offers_sweep_s: float = Field(15.0, gt=0, description="How often each node looks for abandoned carts and offer cards due later.")
    offers_min_gap_s: float = Field(0.0, ge=0, description="Least time between two proactive offers to one customer, whatever the offers (a bot answer to a discount request is not proactive). 0: only each offer's own caps.")
    offers_attribution_days: int = Field(14, ge=1, description="An order this many days after an offer assignment counts as that assignment's conversion.")
    log_level: str = Field("INFO", description="Log level.")
    log_json: bool = Field(False, description="Structured JSON logs (production) instead of console lines.")

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("direct_to_agent_segments", mode="before")
    @classmethod
    def _split_segments(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("handoff_teams", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
            if any(len(p) != 2 for p in pairs):
                raise ValueError("expected reason=team pairs separated by commas")
            return {reason.strip(): team.strip() for reason, team in pairs}
        return value

    def team_for(self, reason: str) -> str | None:
        return self.handoff_teams.get(reason.split(":", 1)[0])

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # People paste plain URLs from their hosting panel; pick the async driver for them.
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            return "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def origins_for_socketio(self) -> list[str] | str:
        return "*" if "*" in self.allowed_origins else self.allowed_origins

    @cached_property
    def signing_key(self) -> str:
        """The visitor-token key: configured, or generated once and kept on disk so tokens survive restarts."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
