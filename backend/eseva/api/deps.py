"""Typed dependencies for the routes: the database, the router, the service levels."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from eseva.db import Database
from eseva.routing import BrandRouter
from eseva.sla import ServiceLevels


def _db(request: Request) -> Database:
    return request.app.state.db


def _router(request: Request) -> BrandRouter:
    return request.app.state.router


def _levels(request: Request) -> ServiceLevels:
    return request.app.state.levels


DatabaseDep = Annotated[Database, Depends(_db)]
RouterDep = Annotated[BrandRouter, Depends(_router)]
LevelsDep = Annotated[ServiceLevels, Depends(_levels)]
