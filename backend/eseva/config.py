"""Settings from the environment, with the development defaults of `.env.example`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
"""The repository root: relative SQLite paths and `catalog/` are resolved from it."""


class Settings(BaseSettings):
    """Every setting of the backend; the names are the environment variables."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///var/backend.db", alias="DATABASE_URL")
    service_token: str = Field("dev-service-token", alias="ESEVA_SERVICE_TOKEN")
    admin_token: str = Field("dev-admin-token", alias="ESEVA_ADMIN_TOKEN")
    host: str = Field("127.0.0.1", alias="ESEVA_BACKEND_HOST")
    port: int = Field(8000, alias="ESEVA_BACKEND_PORT")
    catalog_dir: Path = Field(ROOT / "catalog", alias="ESEVA_CATALOG_DIR")
    log_level: str = Field("INFO", alias="ESEVA_LOG_LEVEL")
    max_body_bytes: int = Field(65_536, alias="ESEVA_MAX_BODY_BYTES")
    # Rasa's HTTP API: the console reads transcripts and hands conversations back.
    rasa_url: str = Field("http://127.0.0.1:5005", alias="ESEVA_RASA_URL")
    rasa_token: str = Field("dev-rasa-token", alias="RASA_AUTH_TOKEN")
    rasa_timeout: float = Field(5.0, alias="ESEVA_RASA_TIMEOUT")
    # The officer console.
    console_idle_minutes: int = Field(30, alias="ESEVA_CONSOLE_IDLE_MINUTES")
    console_secure_cookie: bool = Field(False, alias="ESEVA_CONSOLE_SECURE_COOKIE")
    console_poll_ms: int = Field(1000, alias="ESEVA_CONSOLE_POLL_MS")
    # The handoff timeout watcher: how often it looks (0: off) and, when set, a wait
    # in seconds that replaces catalog/sla.yml's pickup minutes.
    handoff_watch_seconds: float = Field(15.0, alias="ESEVA_HANDOFF_WATCH_SECONDS")
    handoff_timeout_seconds: float | None = Field(
        None, alias="ESEVA_HANDOFF_TIMEOUT_SECONDS"
    )
    # A development officer made at start when both are set (never in production).
    dev_officer_username: str = Field("", alias="ESEVA_DEV_OFFICER_USERNAME")
    dev_officer_password: str = Field("", alias="ESEVA_DEV_OFFICER_PASSWORD")
    dev_officer_company: str = Field("IOCL", alias="ESEVA_DEV_OFFICER_COMPANY")

    @field_validator("handoff_timeout_seconds", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("catalog_dir")
    @classmethod
    def _under_root(cls, value: Path) -> Path:
        return value if value.is_absolute() else ROOT / value

    def resolved_database_url(self) -> str:
        """The database URL with a relative SQLite path made absolute under ROOT."""
        return resolve_sqlite_path(self.database_url)


def resolve_sqlite_path(url: str) -> str:
    """Make `sqlite:///relative/file.db` absolute under the repository root."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.startswith(prefix + "/"):
        return url
    path = url[len(prefix) :]
    if not path or path.startswith(":memory:"):
        return url
    absolute = ROOT / path
    absolute.parent.mkdir(parents=True, exist_ok=True)
    return prefix + str(absolute)


def catalog_dir() -> Path:
    """ESEVA_CATALOG_DIR as the settings resolve it, readable before the settings are
    (the API's models are built from catalog/categories.yml at import)."""
    raw = os.environ.get("ESEVA_CATALOG_DIR", "").strip()
    return Settings._under_root(Path(raw)) if raw else ROOT / "catalog"


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
