"""`python -m eseva`: serve the backend on ESEVA_BACKEND_HOST:ESEVA_BACKEND_PORT."""

from __future__ import annotations

import uvicorn

from eseva.config import get_settings


def main() -> None:
    settings = get_settings()
    uvicorn.run(
        "eseva.main:app",
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level=settings.log_level.lower(),
    )


if __name__ == "__main__":
    main()
