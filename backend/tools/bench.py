"""Measure the backend: complaint creates and citizen status reads, concurrently.

Starts its own server on a free loopback port with a temporary SQLite file (or the
PostgreSQL server given with --postgres, in a new database it drops afterwards), sends
a bounded number of requests and prints latency percentiles and throughput.

    PYTHONPATH=backend .venv-backend/bin/python backend/tools/bench.py \
        [--requests 400] [--clients 8] [--postgres postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from eseva.config import ROOT, Settings
from eseva.main import create_app

TOKEN = "bench-service-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@contextmanager
def database(postgres: str | None) -> Iterator[str]:
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"eseva_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def server(url: str) -> Iterator[str]:
    settings = Settings(
        database_url=url,
        service_token=TOKEN,
        admin_token=uuid.uuid4().hex,
        catalog_dir=ROOT / "catalog",
        log_level="WARNING",
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
    runner = uvicorn.Server(config)
    thread = threading.Thread(
        target=runner.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        if time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        runner.should_exit = True
        thread.join(timeout=10)
        sock.close()


def body(index: int) -> dict:
    return {
        "category": "lpg_delivery",
        "full_name": "Bench Citizen",
        "consumer_id": f"{index:010d}",
        "location": "Rohtak",
        "service_agency": "Indane distributor",
        "description": "Cylinder not delivered for ten days. " * 10,
        "language": "hi-Latn",
        "channel": "messenger",
        "sender_id": f"bench-{index}",
    }


def run(
    requests: int, clients: int, call: Callable[[httpx.Client, int], int]
) -> tuple[list[float], float, int]:
    """Latencies (ms), wall time (s) and failures of `requests` calls."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    local = threading.local()

    def one(index: int) -> None:
        nonlocal failures
        if not hasattr(local, "http"):
            local.http = httpx.Client(timeout=30)
        started = time.perf_counter()
        status = call(local.http, index)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            failures += status >= 400

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(requests)))
    return latencies, time.perf_counter() - started, failures


def report(name: str, latencies: list[float], wall: float, failures: int) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<14} n={len(latencies):<5} failures={failures:<3} "
        f"p50={cuts[49]:6.1f} ms  p95={cuts[94]:6.1f} ms  max={max(latencies):6.1f} ms"
        f"  {len(latencies) / wall:6.1f} req/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    requests = max(10, min(args.requests, 5000))

    with database(args.postgres) as url, server(url) as base:
        references: dict[int, str] = {}

        def create(http: httpx.Client, index: int) -> int:
            response = http.post(
                f"{base}/api/complaints",
                json=body(index),
                headers=HEADERS | {"Idempotency-Key": f"bench-key-{index}"},
            )
            if response.status_code < 300:
                references[index] = response.json()["reference"]
            return response.status_code

        def status(http: httpx.Client, index: int) -> int:
            reference = references[index % len(references)]
            owner = f"bench-{index % len(references)}"
            response = http.get(
                f"{base}/api/complaints/{reference}/status",
                params={"channel": "messenger", "sender_id": owner},
                headers=HEADERS,
            )
            return response.status_code

        print(f"database={make_url(url).get_backend_name()} clients={args.clients}")
        report("create", *run(requests, args.clients, create))
        report("status view", *run(requests, args.clients, status))


if __name__ == "__main__":
    main()
