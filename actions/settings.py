"""The action server's settings, read from the environment on every use.

Defaults are the development values of `.env.example`; reading them each time lets the
tests point one process at fakes without restarting it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    backend_url: str
    service_token: str
    rasa_url: str
    rasa_token: str
    outbox_dir: Path
    # Seconds one backend call may take, how many times a failed call is repeated and
    # the most a citizen waits for a submission before it goes to the outbox.
    backend_timeout: float
    backend_retries: int
    submit_deadline: float
    outbox_interval: float
    outbox_worker: bool


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


def load_settings() -> Settings:
    env = os.environ
    return Settings(
        backend_url=env.get("ESEVA_BACKEND_URL", "http://127.0.0.1:8000").rstrip("/"),
        service_token=env.get("ESEVA_SERVICE_TOKEN", "dev-service-token"),
        rasa_url=env.get("ESEVA_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_token=env.get("RASA_AUTH_TOKEN", "dev-rasa-token"),
        outbox_dir=_path(env.get("ESEVA_OUTBOX_DIR", "var/outbox")),
        backend_timeout=float(env.get("ESEVA_BACKEND_TIMEOUT", "2.5")),
        backend_retries=int(env.get("ESEVA_BACKEND_RETRIES", "2")),
        submit_deadline=float(env.get("ESEVA_SUBMIT_DEADLINE", "5")),
        outbox_interval=float(env.get("ESEVA_OUTBOX_INTERVAL", "5")),
        outbox_worker=env.get("ESEVA_OUTBOX_WORKER", "1") not in ("0", "false", ""),
    )
