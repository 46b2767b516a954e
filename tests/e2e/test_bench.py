"""The benchmark script against a stand-in Rasa (the numbers are not judged here)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402


class FakeRasa(BaseHTTPRequestHandler):
    """Answers the REST webhook and /model/parse; fails every 10th parse."""

    senders: set[str] = set()
    parses = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path.startswith("/webhooks/rest/webhook"):
            with FakeRasa.lock:
                FakeRasa.senders.add(body["sender"])
            self._json(200, [{"recipient_id": body["sender"], "text": "ok"}])
            return
        with FakeRasa.lock:
            FakeRasa.parses += 1
            failing = FakeRasa.parses % 10 == 0
        self._json(500 if failing else 200, {"text": body["text"]})

    def _json(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def rasa_url() -> Iterator[str]:
    FakeRasa.senders, FakeRasa.parses = set(), 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_bench_drives_every_citizen_and_writes_the_table(
    rasa_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    output = tmp_path / "bench.md"
    replays = bench.bench_conversations()
    turns = sum(len(r.says()) for r in replays)  # one round of each, below

    code = bench.main(
        [
            "--rasa-url", rasa_url, "--concurrency", "3",
            "--rounds", str(len(replays)), "--parses", "50",
            "--output", str(output),
        ]
    )  # fmt: skip

    assert code == 0
    text = output.read_text()
    rows = [line.split("|") for line in text.splitlines() if line.startswith("| ")]
    conversations, parses = rows[1], rows[2]
    assert conversations[1].strip() == "as running"
    assert int(conversations[4]) == 3 * turns and int(conversations[5]) == 0
    assert int(parses[4]) == 50 and int(parses[5]) == 5
    # warm-up + 3 citizens x one conversation per bench replay, each a new sender
    assert len(FakeRasa.senders) == 1 + 3 * len(replays)
    assert "p95 turn latency" in text and "not checked" in text
    assert text in capsys.readouterr().out


def test_percentiles_and_rates() -> None:
    measured = bench.Measured("x", 1, latencies=[i / 1000 for i in range(1, 101)])
    measured.seconds = 2.0
    measured.add(None)

    assert measured.requests == 101 and measured.errors == 1
    assert measured.per_second == 50.0
    assert measured.percentile_ms(50) == pytest.approx(50.5)
    assert measured.percentile_ms(95) == pytest.approx(95.05)
    assert measured.percentile_ms(99) == pytest.approx(99.01)


def test_the_verdict_compares_with_the_targets() -> None:
    fast = bench.Measured("t", 4, latencies=[0.1] * 20, seconds=0.5)
    slow = bench.Measured("t", 4, latencies=[0.9] * 20, seconds=20.0)
    assert all(line.endswith(": met") for line in bench.verdict(fast))
    assert all(line.endswith("NOT met") for line in bench.verdict(slow))


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(["--concurrency", "0"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--workers", "0"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--workers", "1,x"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--workers", "2", "--rasa-url", "http://127.0.0.1:1"])
    assert bench.parse_args([]).workers == [1, 2]
    assert bench.parse_args(["--workers", "2,1"]).workers == [2, 1]
    assert bench.parse_args(["--rasa-url", "http://127.0.0.1:1"]).workers


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_one_worker_leaves_the_lock_store_as_configured(monkeypatch) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "3")
    monkeypatch.setenv("LOCK_STORE_TYPE", "in_memory")
    with bench.workers_environment(1) as problem:
        assert problem is None
        assert bench.os.environ["SANIC_WORKERS"] == "1"
        assert bench.os.environ["LOCK_STORE_TYPE"] == "in_memory"
    assert bench.os.environ["SANIC_WORKERS"] == "3"


@pytest.fixture
def no_redis(monkeypatch) -> None:
    """The lock store's settings point at a port nothing listens on."""
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    monkeypatch.setenv("LOCK_STORE_HOST", "127.0.0.1")
    monkeypatch.setenv("LOCK_STORE_PORT", str(free_port()))


def test_several_workers_need_a_reachable_redis(no_redis) -> None:
    problem = bench.use_workers(2)
    assert problem is not None and "Redis" in problem
    assert "SANIC_WORKERS" not in bench.os.environ


def test_a_shape_that_cannot_run_is_reported_and_the_run_fails_without_others(
    no_redis, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bench.stack, "missing_parts", lambda model: [])
    output = tmp_path / "bench.md"

    code = bench.main(["--workers", "2", "--output", str(output)])

    assert code == 1
    text = output.read_text()
    assert "2 processes, Redis locks:" in text
    assert "- not run: 2 Rasa processes need the Redis lock store" in text


def test_several_workers_set_the_redis_lock_store(monkeypatch) -> None:
    redis_url = bench.os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set")
    host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    monkeypatch.setenv("LOCK_STORE_HOST", host)
    monkeypatch.setenv("LOCK_STORE_PORT", port)
    monkeypatch.setenv("SANIC_WORKERS", "1")
    monkeypatch.setenv("LOCK_STORE_TYPE", "in_memory")
    with bench.workers_environment(3) as problem:
        assert problem is None
        assert bench.os.environ["SANIC_WORKERS"] == "3"
        assert bench.os.environ["LOCK_STORE_TYPE"] == "redis"
        assert "3 processes" in bench.rasa_shape(3)
        assert "lock store redis" in bench.rasa_shape(3)
    assert bench.os.environ["LOCK_STORE_TYPE"] == "in_memory"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_cpu_seconds_counts_a_process_and_its_children() -> None:
    import subprocess
    import time

    # A parent that sleeps and a child that spins for half a second, then waits.
    script = (
        "import subprocess, sys, time\n"
        "code = 'import time\\nend = time.process_time() + 0.5\\n"
        "while time.process_time() < end: pass\\nprint(1, flush=True)\\n"
        "time.sleep(30)'\n"
        "child = subprocess.Popen([sys.executable, '-c', code], stdout=sys.stdout)\n"
        "time.sleep(30)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout.readline().strip() == "1"  # the child has spun
        time.sleep(0.05)
        used = bench.cpu_seconds(parent.pid)
        assert used is not None and 0.45 <= used < 5
    finally:
        import os
        import signal

        for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == parent.pid:
                os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.wait()


def test_cpu_seconds_of_a_process_that_is_gone() -> None:
    assert bench.cpu_seconds(2**22 + 12345) is None


def test_cpu_per_message_shows_each_part() -> None:
    before = {"Rasa": 10.0, "backend": 1.0, "gone": 3.0}
    after = {"Rasa": 11.5, "backend": 1.2, "gone": None}
    line = bench.cpu_per_message(before, after, 50)
    assert line == "CPU per message during the conversations: Rasa 30 ms, backend 4 ms"
    assert "not measured" in bench.cpu_per_message({"x": None}, {"x": None}, 5)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_the_client_counts_only_itself() -> None:
    import subprocess

    spin = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", spin])
    try:
        import time

        time.sleep(1.0)
        mine = bench.cpu_snapshot({"this client": bench.os.getpid()})["this client"]
        with_child = bench.cpu_seconds(bench.os.getpid())
        assert mine is not None and with_child is not None
        assert with_child - mine >= 0.3
    finally:
        child.kill()
        child.wait()
