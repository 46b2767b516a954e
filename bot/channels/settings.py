"""Channel settings, read from the environment with the documented defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

REPO_ROOT = Path(__file__).resolve().parents[2]

X_API_DEFAULT = "https://api.twitter.com"
GRAPH_API_DEFAULT = "https://graph.facebook.com"
GRAPH_VERSION_DEFAULT = "v21.0"


def env(name: str, default: str = "") -> str:
    """An environment variable, stripped; `default` when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_float(name: str, default: float) -> float:
    raw = env(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a number, got {raw!r}") from error


def env_bool(name: str, default: bool = False) -> bool:
    raw = env(name).lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def pick(credentials: Mapping[str, Any] | None, key: str, env_name: str) -> str:
    """A credentials.yml value when given and not blank, else the environment's."""
    value = (credentials or {}).get(key)
    if value is not None and str(value).strip():
        return str(value).strip()
    return env(env_name)


@dataclass(frozen=True)
class CommonSettings:
    """Settings both connectors share."""

    database_url: str
    backend_url: str
    service_token: str
    dedup_days: float
    http_timeout: float
    max_attempts: int
    max_retry_wait: float
    retry_backoff: float
    queue_idle_seconds: float
    officer_poll_seconds: float = 2.0
    officer_lease_seconds: float = 15.0
    max_turns: int = 4

    @classmethod
    def from_env(cls) -> "CommonSettings":
        return cls(
            database_url=env("ESEVA_CHANNELS_DB", "sqlite:///var/channels.db"),
            backend_url=env("ESEVA_BACKEND_URL").rstrip("/"),
            service_token=env("ESEVA_SERVICE_TOKEN"),
            dedup_days=env_float("ESEVA_CHANNELS_DEDUP_DAYS", 8.0),
            http_timeout=env_float("ESEVA_CHANNELS_HTTP_TIMEOUT", 10.0),
            max_attempts=int(env_float("ESEVA_CHANNELS_MAX_ATTEMPTS", 4)),
            max_retry_wait=env_float("ESEVA_CHANNELS_MAX_RETRY_WAIT", 900.0),
            retry_backoff=env_float("ESEVA_CHANNELS_RETRY_BACKOFF", 2.0),
            queue_idle_seconds=env_float("ESEVA_CHANNELS_QUEUE_IDLE", 60.0),
            officer_poll_seconds=env_float("ESEVA_CHANNELS_OFFICER_POLL", 2.0),
            officer_lease_seconds=env_float("ESEVA_CHANNELS_OFFICER_LEASE", 15.0),
            max_turns=int(env_float("ESEVA_CHANNELS_MAX_TURNS", 4)),
        )
