"""The simulator's settings: the same variables the connectors read."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


@dataclass
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8081
    rasa_url: str = "http://127.0.0.1:5005"
    x_consumer_key: str = ""
    x_consumer_secret: str = ""
    x_oauth2_client_secret: str = ""
    x_user_id: str = "9999"
    x_app_id: str = ""
    messenger_app_secret: str = ""
    messenger_verify_token: str = ""
    messenger_page_token: str = ""
    messenger_page_id: str = ""
    messenger_app_id: str = ""
    # Send the bot's own messages back to its webhook as the platforms do.
    echo: bool = True
    delivery_timeout: float = 20.0

    @classmethod
    def from_env(cls) -> "SimulatorConfig":
        return cls(
            host=_env("ESEVA_SIMULATOR_HOST", "127.0.0.1"),
            port=int(_env("ESEVA_SIMULATOR_PORT", "8081")),
            rasa_url=_env("ESEVA_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
            x_consumer_key=_env("ESEVA_X_CONSUMER_KEY"),
            x_consumer_secret=_env("ESEVA_X_CONSUMER_SECRET"),
            x_oauth2_client_secret=_env("ESEVA_X_OAUTH2_CLIENT_SECRET"),
            x_user_id=_env("ESEVA_X_USER_ID", "9999"),
            x_app_id=_env("ESEVA_X_APP_ID"),
            messenger_app_secret=_env("ESEVA_MESSENGER_APP_SECRET"),
            messenger_verify_token=_env("ESEVA_MESSENGER_VERIFY_TOKEN"),
            messenger_page_token=_env("ESEVA_MESSENGER_PAGE_TOKEN"),
            messenger_page_id=_env("ESEVA_MESSENGER_PAGE_ID"),
            messenger_app_id=_env("ESEVA_MESSENGER_APP_ID"),
            echo=_env("ESEVA_SIMULATOR_ECHO", "true").lower() in {"1", "true", "yes"},
        )
