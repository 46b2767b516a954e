"""`make run`: start the backend, the action server, Rasa and the simulator.

Prints one line per service as it becomes ready and a final ready line with a curl
example; Ctrl-C or SIGTERM stops everything. Exits non-zero, naming the service and
showing the tail of its log, when one does not start or dies. Standard library only.

    python scripts/run.py [--no-simulator]
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack  # noqa: E402
from with_env import ROOT, project_settings  # noqa: E402

LOG_DIR = ROOT / "var" / "log"
WATCH_SECONDS = 1.0


class Stopping(Exception):
    """Raised from the signal handler to leave the wait loops."""


def on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Stopping(signal.Signals(signum).name)


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def print_ready(service: stack.Service) -> None:
    print(
        f"  {service.name:<10} ready  {service.url:<24} pid {service.pid:<7} "
        f"log {relative(service.log_path)}",
        flush=True,
    )


def print_waiting(names: list[str], elapsed: float) -> None:
    print(f"  ... still starting: {', '.join(names)} ({elapsed:.0f} s)", flush=True)


def curl_example(rasa_port: int) -> str:
    body = '{"sender": "demo-citizen", "message": "mera cylinder nahi aaya"}'
    return (
        f"curl -s -X POST http://127.0.0.1:{rasa_port}/webhooks/rest/webhook "
        f"-H 'Content-Type: application/json' -d '{body}'"
    )


def check_prerequisites(services: list[stack.Service], model: Path) -> list[str]:
    """Problems that make starting pointless, each as a sentence."""
    problems = []
    for service in services:
        if not Path(service.argv[0]).exists():
            problems.append(
                f"{service.name}: {relative(Path(service.argv[0]))} is missing "
                "(run `make venvs`)"
            )
    if not model.exists():
        problems.append(f"rasa: no model at {relative(model)} (run `make model`)")
    for name in ("credentials.yml", "endpoints.yml"):
        if not (ROOT / name).exists():
            problems.append(f"rasa: {name} is missing from the repository root")
    if not (ROOT / "backend" / "eseva" / "main.py").exists():
        problems.append("backend: backend/eseva/main.py is missing")
    for service in services:
        if stack.port_in_use(service.port):
            problems.append(
                f"{service.name}: port {service.port} is already in use (another "
                "`make run`? stop it, or change the port in .env)"
            )
    return problems


def watch(running: stack.Stack) -> None:
    """Block until a service dies (raises StackError) or a signal arrives."""
    while True:
        dead = running.first_dead()
        if dead is not None:
            raise stack.StackError(
                dead.name,
                f"stopped unexpectedly (exit code {dead.process.returncode})",
                stack.log_tail(dead.log_path),
            )
        time.sleep(WATCH_SECONDS)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-simulator", action="store_true", help="do not start the simulator"
    )
    args = parser.parse_args(argv)

    settings = project_settings()
    ports = stack.settings_ports(settings)
    env = stack.stack_settings(ports, base=settings)
    with_simulator = not args.no_simulator and stack.wants_simulator(settings)
    if with_simulator and not stack.simulator_available():
        print("  simulator  skipped: simulator/ does not exist yet", flush=True)
        with_simulator = False
    services = stack.build_services(env, ports, LOG_DIR, with_simulator=with_simulator)

    problems = check_prerequisites(services, stack.DEFAULT_MODEL)
    if problems:
        print("cannot start:", *problems, sep="\n  ", file=sys.stderr)
        return 1

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    running = stack.Stack(services)
    names = ", ".join(s.name for s in services)
    print(f"starting {names} (Rasa takes about 30 s); logs in var/log/", flush=True)
    try:
        running.start(
            on_ready=print_ready,
            timeouts=stack.start_timeouts(settings),
            on_waiting=print_waiting,
        )
        print(
            f"ready: the bot answers on http://127.0.0.1:{ports.rasa} "
            "(Ctrl-C stops everything). Try:",
            flush=True,
        )
        print(f"  {curl_example(ports.rasa)}", flush=True)
        print(
            f"officer console: http://127.0.0.1:{ports.backend}/console/ "
            "(docs/console.md)",
            flush=True,
        )
        watch(running)
    except Stopping as stop:
        print(f"\n{stop}: stopping {names}", flush=True)
        return 0
    except stack.StackError as error:
        print(f"error: {error.describe()}", file=sys.stderr, flush=True)
        print(f"stopping {names}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        running.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
