"""Start and stop the whole stack: backend, action server, Rasa and the simulator.

One library for `scripts/run.py` (development ports, logs in `var/log/`), the
end-to-end tests and the benchmark (free ports, everything in a temporary
directory). Standard library only, so it runs under either virtual environment.

Every service runs in its own process group with the repository root as working
directory and binds to 127.0.0.1. Nothing here reads or logs a citizen's message.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from with_env import ROOT, project_settings  # noqa: E402

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
BOT_BIN = ROOT / ".venv-bot" / "bin"
BACKEND_BIN = ROOT / ".venv-backend" / "bin"
DEFAULT_MODEL = ROOT / "models" / "eseva.tar.gz"
SIMULATOR_MAIN = ROOT / "simulator" / "__main__.py"

# Seconds a service may take to answer its health check after it was started.
# Rasa loads TensorFlow and the model: about 30 s on an idle 2-core machine, minutes
# on a busy one (ESEVA_RASA_START_TIMEOUT raises its limit).
START_TIMEOUTS = {"backend": 60.0, "actions": 90.0, "rasa": 300.0, "simulator": 60.0}


def start_timeouts(settings: dict[str, str]) -> dict[str, float]:
    """START_TIMEOUTS with Rasa's limit from ESEVA_RASA_START_TIMEOUT when set."""
    timeouts = dict(START_TIMEOUTS)
    raw = settings.get("ESEVA_RASA_START_TIMEOUT", "")
    try:
        timeouts["rasa"] = float(raw) if raw else timeouts["rasa"]
    except ValueError:
        raise SystemExit(f"ESEVA_RASA_START_TIMEOUT={raw!r} is not seconds") from None
    return timeouts


STOP_TIMEOUT = 10.0
HEALTH_POLL_SECONDS = 0.5
WAITING_NOTE_SECONDS = 30.0
LOG_TAIL_LINES = 30


class StackError(RuntimeError):
    """A service could not start or stopped: names it and carries its log tail."""

    def __init__(self, service: str, problem: str, log_tail: str = "") -> None:
        self.service = service
        self.problem = problem
        self.log_tail = log_tail
        super().__init__(f"{service}: {problem}")

    def describe(self) -> str:
        """The problem and the last lines of the service's log, for a terminal."""
        if not self.log_tail:
            return str(self)
        return f"{self}\n--- last lines of its log ---\n{self.log_tail}"


@dataclass
class Service:
    """One process of the stack and how to tell that it is ready."""

    name: str
    argv: list[str]
    port: int
    health_path: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


@dataclass(frozen=True)
class Ports:
    backend: int
    actions: int
    rasa: int
    simulator: int


def free_port() -> int:
    """A port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def free_ports() -> Ports:
    """Four distinct free ports, one per service."""
    chosen: list[int] = []
    while len(chosen) < 4:
        port = free_port()
        if port not in chosen:
            chosen.append(port)
    return Ports(*chosen)


def port_in_use(port: int, host: str = HOST) -> bool:
    """True when something already listens on host:port (or may not be bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def settings_ports(settings: dict[str, str]) -> Ports:
    """The development ports named in the settings."""

    def port(key: str, default: int) -> int:
        raw = settings.get(key, "") or str(default)
        try:
            return int(raw)
        except ValueError:
            raise SystemExit(f"setting {key}={raw!r} is not a port number") from None

    return Ports(
        backend=port("ESEVA_BACKEND_PORT", 8000),
        actions=port("ACTION_SERVER_PORT", 5055),
        rasa=port("RASA_PORT", 5005),
        simulator=port("ESEVA_SIMULATOR_PORT", 8081),
    )


# Runtime files the parts keep under `var/` by default even when the settings file
# does not name them; a scratch stack sets them so it never shares the developer's.
RUNTIME_DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/backend.db",
    "ESEVA_OUTBOX_DIR": "var/outbox",
    "ESEVA_CHANNELS_DB": "sqlite:///var/channels.db",
}


def relocate_runtime_paths(
    settings: dict[str, str], runtime_dir: Path
) -> dict[str, str]:
    """Point every setting that names a file under `var/` into runtime_dir instead.

    Covers the SQLite URLs (`sqlite:///var/...`) and plain paths (`var/...`) that the
    parts use by default, so a test stack never touches the developer's `var/`.
    """
    moved = dict(settings)
    for key, value in settings.items():
        for prefix in ("sqlite:///var/", "sqlite:///./var/"):
            if value.startswith(prefix):
                moved[key] = f"sqlite:///{runtime_dir / value[len(prefix) :]}"
        for prefix in ("var/", "./var/"):
            if value.startswith(prefix):
                moved[key] = str(runtime_dir / value[len(prefix) :])
    return moved


# The channel connectors' platform API bases and credentials (bot/channels/).
PLATFORM_URL_SETTINGS = ("ESEVA_X_API_URL", "ESEVA_GRAPH_API_URL")
PLATFORM_CREDENTIAL_SETTINGS = (
    "ESEVA_X_CONSUMER_KEY",
    "ESEVA_X_ACCESS_TOKEN",
    "ESEVA_MESSENGER_PAGE_TOKEN",
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def simulator_available() -> bool:
    return SIMULATOR_MAIN.exists()


def wants_simulator(settings: dict[str, str]) -> bool:
    """True when the platforms are simulated: an API base on loopback, or no
    platform credential at all."""
    for key in PLATFORM_URL_SETTINGS:
        if urlsplit(settings.get(key, "")).hostname in LOOPBACK:
            return True
    return not any(settings.get(key) for key in PLATFORM_CREDENTIAL_SETTINGS)


def move_loopback_ports(
    settings: dict[str, str], old: Ports, new: Ports
) -> dict[str, str]:
    """Rewrite loopback URLs that name a development port to the new port."""
    mapping = {
        str(getattr(old, name)): str(getattr(new, name))
        for name in Ports.__annotations__
    }
    moved = dict(settings)
    for key, value in settings.items():
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            continue
        if parts.hostname in LOOPBACK and port is not None and str(port) in mapping:
            netloc = parts.netloc.rsplit(":", 1)[0] + ":" + mapping[str(port)]
            moved[key] = parts._replace(netloc=netloc).geturl()
    return moved


def stack_settings(
    ports: Ports,
    *,
    base: dict[str, str] | None = None,
    runtime_dir: Path | None = None,
    backend_url_for_bot: str | None = None,
) -> dict[str, str]:
    """The environment every service gets: the project settings with these ports.

    backend_url_for_bot lets the tests put a fault-injecting proxy between the bot
    and the backend; runtime_dir moves every `var/` file into a scratch directory.
    """
    settings = dict(project_settings() if base is None else base)
    if runtime_dir is not None:
        settings = relocate_runtime_paths({**RUNTIME_DEFAULTS, **settings}, runtime_dir)
    settings = move_loopback_ports(settings, settings_ports(settings), ports)

    backend_url = f"http://{HOST}:{ports.backend}"
    rasa_url = f"http://{HOST}:{ports.rasa}"
    settings.update(
        {
            "ESEVA_BACKEND_HOST": HOST,
            "ESEVA_BACKEND_PORT": str(ports.backend),
            "ESEVA_BACKEND_URL": backend_url_for_bot or backend_url,
            "RASA_PORT": str(ports.rasa),
            "ESEVA_RASA_URL": rasa_url,
            "ACTION_SERVER_PORT": str(ports.actions),
            "ESEVA_ACTION_SERVER_URL": f"http://{HOST}:{ports.actions}/webhook",
            "ESEVA_SIMULATOR_HOST": HOST,
            "ESEVA_SIMULATOR_PORT": str(ports.simulator),
            # Rasa would try to reach its telemetry host, which this network lacks.
            "RASA_TELEMETRY_ENABLED": "false",
            "SANIC_HOST": HOST,
            "PYTHONUNBUFFERED": "1",
        }
    )
    settings.setdefault("RASA_AUTH_TOKEN", "dev-rasa-token")
    return settings


def build_services(
    settings: dict[str, str],
    ports: Ports,
    log_dir: Path,
    *,
    model: Path = DEFAULT_MODEL,
    with_simulator: bool = False,
) -> list[Service]:
    """The stack's services, in start order, each with its own log file."""
    token = settings["RASA_AUTH_TOKEN"]
    backend_env = dict(settings)
    pythonpath = [str(ROOT / "backend"), settings.get("PYTHONPATH", "")]
    backend_env["PYTHONPATH"] = os.pathsep.join(p for p in pythonpath if p)

    services = [
        Service(
            name="backend",
            argv=[
                str(BACKEND_BIN / "python"),
                "-m",
                "uvicorn",
                "eseva.main:app",
                "--host",
                HOST,
                "--port",
                str(ports.backend),
                "--no-access-log",
            ],  # fmt: skip
            port=ports.backend,
            health_path="/healthz",
            env=backend_env,
            log_path=log_dir / "backend.log",
        ),
        Service(
            name="actions",
            argv=[
                str(BOT_BIN / "rasa"),
                "run",
                "actions",
                "--actions",
                "actions",
                "--port",
                str(ports.actions),
            ],  # fmt: skip
            port=ports.actions,
            health_path="/health",
            env=dict(settings),
            log_path=log_dir / "actions.log",
        ),
        Service(
            name="rasa",
            # Rasa's own command line through bot.serve (faster; see there).
            argv=[
                str(BOT_BIN / "python"),
                "-m",
                "bot.serve",
                "run",
                "--enable-api",
                "--auth-token",
                token,
                "--model",
                str(model),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
                "--interface",
                HOST,
                "--port",
                str(ports.rasa),
            ],  # fmt: skip
            port=ports.rasa,
            health_path=f"/status?token={token}",
            env=dict(settings),
            log_path=log_dir / "rasa.log",
        ),
    ]
    if with_simulator:
        services.append(
            Service(
                name="simulator",
                argv=[str(BOT_BIN / "python"), "-m", "simulator"],
                port=ports.simulator,
                health_path="/",  # its chat page
                env=dict(settings),
                log_path=log_dir / "simulator.log",
            )
        )
    return services


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file ("" when it does not exist)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def is_healthy(url: str, timeout: float = 2.0) -> bool:
    """True when GET url answers 200 within timeout."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Stack:
    """Runs a list of services; a context manager that always stops what it started."""

    def __init__(self, services: Iterable[Service]) -> None:
        self.services = list(services)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def busy_ports(self) -> list[Service]:
        """The services whose port something else already listens on."""
        return [s for s in self.services if port_in_use(s.port)]

    def start(
        self,
        on_ready: Callable[[Service], None] | None = None,
        timeouts: dict[str, float] | None = None,
        on_waiting: Callable[[list[str], float], None] | None = None,
    ) -> None:
        """Start every service, then wait until each answers its health check.

        Raises StackError naming the first service that exits or stays unhealthy
        past its timeout; the caller stops the rest (or leaves the `with` block).
        on_waiting gets the names still starting every WAITING_NOTE_SECONDS.
        """
        timeouts = {**START_TIMEOUTS, **(timeouts or {})}
        for service in self.services:
            self._launch(service)

        started = time.monotonic()
        next_note = started + WAITING_NOTE_SECONDS
        waiting = list(self.services)
        while waiting:
            if on_waiting and time.monotonic() >= next_note:
                on_waiting([s.name for s in waiting], time.monotonic() - started)
                next_note += WAITING_NOTE_SECONDS
            for service in list(waiting):
                self._raise_if_exited(service)
                if is_healthy(service.url + service.health_path):
                    waiting.remove(service)
                    logger.info("%s ready on port %s", service.name, service.port)
                    if on_ready:
                        on_ready(service)
                    continue
                limit = timeouts.get(service.name, 120.0)
                if time.monotonic() - started > limit:
                    raise StackError(
                        service.name,
                        f"not healthy after {limit:.0f} s "
                        f"(GET {service.url}{service.health_path.split('?')[0]})",
                        log_tail(service.log_path),
                    )
            if waiting:
                time.sleep(HEALTH_POLL_SECONDS)

    def _launch(self, service: Service) -> None:
        service.log_path.parent.mkdir(parents=True, exist_ok=True)
        if service.log_path.exists():
            service.log_path.replace(service.log_path.with_suffix(".log.1"))
        log = service.log_path.open("ab")
        try:
            service.process = subprocess.Popen(
                service.argv,
                cwd=ROOT,
                env=service.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise StackError(service.name, f"cannot start {service.argv[0]}: {error}")
        finally:
            log.close()
        logger.info("started %s (pid %s)", service.name, service.process.pid)

    def _raise_if_exited(self, service: Service) -> None:
        if service.process is None:
            raise StackError(service.name, "was never started")
        code = service.process.poll()
        if code is not None:
            raise StackError(
                service.name, f"exited with code {code}", log_tail(service.log_path)
            )

    def first_dead(self) -> Service | None:
        """The first started service whose process has exited, if any."""
        for service in self.services:
            if service.process is not None and service.process.poll() is not None:
                return service
        return None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Terminate every process group, then kill what is left after timeout."""
        running = [s for s in self.services if s.process and s.process.poll() is None]
        for service in reversed(running):
            _signal_group(service, signal.SIGTERM)

        deadline = time.monotonic() + timeout
        for service in running:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                service.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                logger.warning(
                    "%s did not stop in %.0f s: killing", service.name, timeout
                )
                _signal_group(service, signal.SIGKILL)
                service.process.wait(timeout=5)

        # A service's own children may outlive it; end its group for good.
        for service in running:
            _signal_group(service, signal.SIGKILL)


def _signal_group(service: Service, signum: int) -> None:
    """Signal the process group we created for service (its leader's pid)."""
    if service.process is None:
        return
    try:
        os.killpg(service.process.pid, signum)
    except ProcessLookupError:
        pass
    except PermissionError:
        logger.warning("cannot signal %s (pid %s)", service.name, service.process.pid)


@dataclass
class ScratchStack:
    """A stack on free ports with every runtime file under one directory."""

    stack: Stack
    ports: Ports
    settings: dict[str, str]
    runtime_dir: Path

    @property
    def rasa_url(self) -> str:
        return f"http://{HOST}:{self.ports.rasa}"

    @property
    def backend_url(self) -> str:
        return f"http://{HOST}:{self.ports.backend}"


def scratch_stack(
    runtime_dir: Path,
    *,
    ports: Ports | None = None,
    backend_url_for_bot: str | None = None,
    model: Path = DEFAULT_MODEL,
    with_simulator: bool = False,
) -> ScratchStack:
    """Build (not start) a stack for tests and benchmarks in runtime_dir.

    SQLite files, the outbox and the logs (runtime_dir/log) all go there.
    """
    ports = ports or free_ports()
    runtime_dir.mkdir(parents=True, exist_ok=True)
    settings = stack_settings(
        ports, runtime_dir=runtime_dir, backend_url_for_bot=backend_url_for_bot
    )
    services = build_services(
        settings, ports, runtime_dir / "log", model=model, with_simulator=with_simulator
    )
    return ScratchStack(Stack(services), ports, settings, runtime_dir)


def missing_parts(model: Path = DEFAULT_MODEL) -> list[str]:
    """What the repository still lacks for the stack to start, as short phrases."""
    needed = {
        "the trained model (make model)": model,
        "the backend (backend/eseva/main.py)": ROOT / "backend" / "eseva" / "main.py",
        "the action server (actions/)": ROOT / "actions",
        "credentials.yml": ROOT / "credentials.yml",
        "endpoints.yml": ROOT / "endpoints.yml",
        "the bot environment (.venv-bot)": BOT_BIN / "rasa",
        "the backend environment (.venv-backend)": BACKEND_BIN / "python",
    }
    return [label for label, path in needed.items() if not path.exists()]
