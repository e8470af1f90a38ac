"""Settings of the action server, read from the environment once at start-up."""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from typing import Mapping

log = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT_S = 3.0


class SettingsError(ValueError):
    """An environment variable holds a value the action server cannot use."""


@dataclass(frozen=True)
class ApiSettings:
    """Where and how to reach the live-chat server's bot API."""

    base_url: str
    token: str | None
    timeout_s: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "ApiSettings":
        """Build settings from LIVECHAT_API_URL, LIVECHAT_BOT_API_TOKEN and
        LIVECHAT_API_TIMEOUT_S; raise SettingsError on unusable values."""
        base_url = environ.get("LIVECHAT_API_URL", DEFAULT_API_URL).rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"LIVECHAT_API_URL must start with http:// or https://, got {base_url!r}"
            )
        raw_timeout = environ.get("LIVECHAT_API_TIMEOUT_S", str(DEFAULT_TIMEOUT_S))
        try:
            timeout_s = float(raw_timeout)
        except ValueError:
            raise SettingsError(
                f"LIVECHAT_API_TIMEOUT_S must be a number, got {raw_timeout!r}"
            ) from None
        if timeout_s <= 0:
            raise SettingsError("LIVECHAT_API_TIMEOUT_S must be positive")
        token = environ.get("LIVECHAT_BOT_API_TOKEN") or None
        if token is None:
            # Not fatal: a local stand-in API may not check tokens, and the real one
            # answers 401, which the actions report as "shop system unreachable".
            log.warning("LIVECHAT_BOT_API_TOKEN is not set; API calls carry no token")
        return cls(base_url=base_url, token=token, timeout_s=timeout_s)


@functools.lru_cache(maxsize=1)
def load_settings() -> ApiSettings:
    """The process-wide settings; actions call this when rasa_sdk builds them at start-up."""
    return ApiSettings.from_env()
