"""The FastAPI application: `uvicorn eseva.main:app`, or `python -m eseva`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from eseva import logs, watcher
from eseva.api import audit, complaints, handoffs, notifications, officers
from eseva.config import Settings, get_settings
from eseva.console import app as console
from eseva.console.accounts import ensure_officer
from eseva.db import Database, run_migrations
from eseva.errors import install_error_handlers
from eseva.rasa import RasaClient
from eseva.routing import BrandRouter
from eseva.sla import ServiceLevels

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """An application for `settings`; migrations run when it starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure(settings.log_level)
        # Our middleware logs every request without its query string; uvicorn's
        # access log would add a second line that includes it.
        logging.getLogger("uvicorn.access").disabled = True
        url = settings.resolved_database_url()
        run_migrations(url)
        app.state.db = Database(url)
        logger.info("backend ready database=%s", app.state.db.engine.dialect.name)
        if settings.dev_officer_username and settings.dev_officer_password:
            ensure_officer(
                app.state.db,
                settings.dev_officer_username,
                settings.dev_officer_password,
                settings.dev_officer_company,
            )
        task = None
        if settings.handoff_watch_seconds > 0:
            task = asyncio.get_running_loop().create_task(
                watcher.watch(
                    app.state.db,
                    app.state.levels,
                    app.state.router,
                    RasaClient.from_settings(settings),
                    settings.handoff_watch_seconds,
                    settings.handoff_timeout_seconds,
                ),
                name="handoff-watcher",
            )
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            app.state.db.dispose()

    app = FastAPI(
        title="e-Seva complaint backend",
        version="1.0",
        summary="System of record for oil and gas complaints and officer handoffs.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.router = BrandRouter.from_file(settings.catalog_dir / "brands.yml")
    app.state.levels = ServiceLevels.from_file(settings.catalog_dir / "sla.yml")
    install_error_handlers(app)
    app.add_middleware(
        logs.RequestLogMiddleware, max_body_bytes=settings.max_body_bytes
    )
    app.include_router(complaints.router)
    app.include_router(handoffs.router)
    app.include_router(officers.router)
    app.include_router(audit.router)
    app.include_router(notifications.router)
    console.install(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """200 when the database answers, 503 when it does not."""
        try:
            with app.state.db.reading() as session:
                session.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            logger.error(
                "health: the database does not answer (%s)", type(error).__name__
            )
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return app


app = create_app()
