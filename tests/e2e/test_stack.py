"""The stack library and `scripts/run.py`, with stand-in services (no Rasa needed)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import stack  # conftest.py put scripts/ on the path

ROOT = Path(__file__).resolve().parents[2]

FAKE = str(Path(__file__).with_name("fake_service.py"))


def fake(name: str, mode: str, log_dir: Path) -> stack.Service:
    port = stack.free_port()
    return stack.Service(
        name=name,
        argv=[sys.executable, FAKE, str(port), mode],
        port=port,
        health_path="/healthz",
        env=dict(os.environ),
        log_path=log_dir / f"{name}.log",
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_start_reports_each_service_ready_and_stop_ends_them(tmp_path: Path) -> None:
    services = [fake("one", "healthy", tmp_path), fake("two", "healthy", tmp_path)]
    ready: list[str] = []

    with stack.Stack(services) as running:
        running.start(on_ready=lambda s: ready.append(s.name))
        pids = [s.pid for s in services]
        assert sorted(ready) == ["one", "two"]
        assert all(stack.is_healthy(s.url + "/healthz") for s in services)
        assert running.first_dead() is None

    for pid, service in zip(pids, services):
        assert service.process.poll() is not None
        assert not alive(pid)
    assert "starting in mode healthy" in (tmp_path / "one.log").read_text()


def test_a_crashing_service_is_named_with_its_log_tail(tmp_path: Path) -> None:
    services = [fake("backend", "healthy", tmp_path), fake("rasa", "crash", tmp_path)]

    with stack.Stack(services) as running:
        with pytest.raises(stack.StackError) as caught:
            running.start()

    assert caught.value.service == "rasa"
    assert "exited with code 3" in str(caught.value)
    assert "cannot load the model" in caught.value.describe()
    assert services[0].process.poll() is not None  # the healthy one was stopped


def test_a_service_that_never_gets_healthy_times_out(tmp_path: Path) -> None:
    services = [fake("actions", "sick", tmp_path)]

    with stack.Stack(services) as running:
        with pytest.raises(stack.StackError) as caught:
            running.start(timeouts={"actions": 1.5})

    assert caught.value.service == "actions"
    assert "not healthy after 2 s" in str(caught.value)


def test_stop_kills_a_service_that_ignores_sigterm(tmp_path: Path) -> None:
    service = fake("stubborn", "stubborn", tmp_path)
    running = stack.Stack([service])
    running.start()

    running.stop(timeout=1.0)

    assert service.process.returncode == -9
    assert not alive(service.pid)


def test_first_dead_notices_a_service_that_stops(tmp_path: Path) -> None:
    service = fake("backend", "healthy", tmp_path)
    with stack.Stack([service]) as running:
        running.start()
        service.process.kill()
        service.process.wait(timeout=5)
        assert running.first_dead() is service


def test_the_previous_log_is_kept_once(tmp_path: Path) -> None:
    (tmp_path / "one.log").write_text("previous run\n")
    with stack.Stack([fake("one", "healthy", tmp_path)]) as running:
        running.start()
    assert (tmp_path / "one.log.1").read_text() == "previous run\n"


def test_port_in_use_sees_a_listener() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert stack.port_in_use(port)
    assert not stack.port_in_use(port)


def test_runtime_files_move_to_the_scratch_directory(tmp_path: Path) -> None:
    moved = stack.relocate_runtime_paths(
        {
            "DATABASE_URL": "sqlite:///var/backend.db",
            "ESEVA_OUTBOX_DIR": "var/outbox",
            "TRACKER": "sqlite:///./var/tracker.db",
            "OTHER": "postgresql+psycopg://postgres@127.0.0.1:5432/eseva",
        },
        tmp_path,
    )
    assert moved["DATABASE_URL"] == f"sqlite:///{tmp_path}/backend.db"
    assert moved["ESEVA_OUTBOX_DIR"] == f"{tmp_path}/outbox"
    assert moved["TRACKER"] == f"sqlite:///{tmp_path}/tracker.db"
    assert moved["OTHER"].startswith("postgresql")


def test_scratch_stack_wires_ports_and_proxy(tmp_path: Path) -> None:
    ports = stack.Ports(backend=41001, actions=41002, rasa=41003, simulator=41004)
    scratch = stack.scratch_stack(
        tmp_path, ports=ports, backend_url_for_bot="http://127.0.0.1:42000"
    )
    env = scratch.settings

    assert env["ESEVA_BACKEND_URL"] == "http://127.0.0.1:42000"
    assert env["ESEVA_ACTION_SERVER_URL"] == "http://127.0.0.1:41002/webhook"
    assert env["ESEVA_RASA_URL"] == "http://127.0.0.1:41003"
    assert env["DATABASE_URL"].startswith(f"sqlite:///{tmp_path}")
    assert env["ESEVA_OUTBOX_DIR"] == str(tmp_path / "outbox")
    assert env["ESEVA_CHANNELS_DB"] == f"sqlite:///{tmp_path}/channels.db"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    rasa = scratch.stack.service("rasa")
    assert ["--interface", "127.0.0.1", "--port", "41003"] == rasa.argv[-4:]
    assert rasa.log_path == tmp_path / "log" / "rasa.log"
    backend = scratch.stack.service("backend")
    assert "41001" in backend.argv and "127.0.0.1" in backend.argv
    assert backend.env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT / "backend")


def test_run_refuses_to_start_when_a_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = dict(os.environ, ESEVA_BACKEND_PORT=str(port))
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "run.py"), "--no-simulator"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert f"backend: port {port} is already in use" in result.stderr


def test_loopback_urls_follow_the_scratch_ports() -> None:
    old = stack.Ports(backend=8000, actions=5055, rasa=5005, simulator=8081)
    new = stack.Ports(backend=41001, actions=41002, rasa=41003, simulator=41004)
    moved = stack.move_loopback_ports(
        {
            "ESEVA_X_API_URL": "http://127.0.0.1:8081/x",
            "ESEVA_GRAPH_API_URL": "http://localhost:8081/graph",
            "REAL": "https://graph.example.org:8081/",
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/eseva",
            "PLAIN": "8081",
        },
        old,
        new,
    )
    assert moved["ESEVA_X_API_URL"] == "http://127.0.0.1:41004/x"
    assert moved["ESEVA_GRAPH_API_URL"] == "http://localhost:41004/graph"
    assert moved["REAL"] == "https://graph.example.org:8081/"
    assert moved["DATABASE_URL"].endswith("127.0.0.1:5432/eseva")
    assert moved["PLAIN"] == "8081"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, True),
        ({"ESEVA_X_API_URL": "http://127.0.0.1:8081/x"}, True),
        (
            {
                "ESEVA_X_API_URL": "https://api.x.example",
                "ESEVA_X_CONSUMER_KEY": "real-key",
            },
            False,
        ),
        (
            {
                "ESEVA_GRAPH_API_URL": "http://localhost:8081",
                "ESEVA_MESSENGER_PAGE_TOKEN": "t",
            },
            True,
        ),
        ({"ESEVA_MESSENGER_PAGE_TOKEN": "real-token"}, False),
    ],
)
def test_the_simulator_runs_only_without_real_platforms(
    settings: dict[str, str], expected: bool
) -> None:
    assert stack.wants_simulator(settings) is expected


def test_a_slow_start_is_reported_while_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack, "WAITING_NOTE_SECONDS", 0.4)
    notes: list[list[str]] = []
    services = [fake("rasa", "sick", tmp_path)]

    with stack.Stack(services) as running:
        with pytest.raises(stack.StackError):
            running.start(
                timeouts={"rasa": 1.5}, on_waiting=lambda names, _: notes.append(names)
            )

    assert notes and all(names == ["rasa"] for names in notes)


def test_rasa_start_timeout_comes_from_the_settings() -> None:
    assert stack.start_timeouts({})["rasa"] == stack.START_TIMEOUTS["rasa"]
    assert stack.start_timeouts({"ESEVA_RASA_START_TIMEOUT": "900"})["rasa"] == 900
    with pytest.raises(SystemExit):
        stack.start_timeouts({"ESEVA_RASA_START_TIMEOUT": "soon"})
