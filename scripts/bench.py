"""`make bench`: turn latency and throughput of the bot, and of a plain NLU parse.

Drives N concurrent simulated citizens (each conversation a fresh sender) through
the full complaint conversations of the replays marked `bench: true` over the REST
channel, then sends NLU parses (`POST /model/parse`) at the same concurrency, and
prints one table (also written to results/bench.md). Starts its own stack on free
ports in a temporary directory unless --rasa-url names a running one.

    python scripts/bench.py [--concurrency 4] [--rounds 8] [--parses 400]
                            [--workers 1,2] [--rasa-url URL --backend-url URL]

--workers lists the shapes to measure, one stack each: 1 is the embedded default (one
Rasa process); N > 1 starts Rasa with N processes (SANIC_WORKERS) and the Redis lock
store, the production shape on one machine (LOCK_STORE_HOST/PORT/DB). A shape that
cannot run (Redis unreachable) is reported as such and the others still run.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402
import stack  # noqa: E402
from e2e.clients import BackendClient, BotClient  # noqa: E402
from e2e.replay import Replay, load_replays  # noqa: E402
from with_env import project_settings  # noqa: E402

REPLAY_DIR = ROOT / "tests" / "replays"
RESULTS = ROOT / "results" / "bench.md"
TURN_TIMEOUT = 30.0
TARGET_P95_MS = 500.0
TARGET_MESSAGES_PER_SECOND = 20.0
# One Rasa process (the embedded default), then two with Redis locks (production).
DEFAULT_WORKERS = (1, 2)
# The stack's processes whose CPU use the report shows, by the name it shows.
STACK_PROCESSES = {"Rasa": "rasa", "action server": "actions", "backend": "backend"}


@dataclass
class Measured:
    """Latencies (seconds) of the successful requests of one workload."""

    name: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, latency: float | None) -> None:
        with self.lock:
            if latency is None:
                self.errors += 1
            else:
                self.latencies.append(latency)

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: int) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[p - 1] * 1000


def bench_conversations(folder: Path = REPLAY_DIR) -> list[Replay]:
    replays = [r for r in load_replays(folder) if r.bench]
    if not replays:
        raise SystemExit(f"no replay in {folder} is marked `bench: true`")
    return replays


def run_conversations(
    bot: BotClient,
    replays: list[Replay],
    concurrency: int,
    rounds: int,
    senders: list[str],
) -> Measured:
    """Each worker plays `rounds` conversations, every one as a new citizen."""
    measured = Measured("complaint conversations, per turn (REST)", concurrency)
    plan = itertools.cycle(replays)
    plan_lock = threading.Lock()

    def worker() -> None:
        for _ in range(rounds):
            with plan_lock:
                replay = next(plan)
                sender = f"bench-{uuid.uuid4().hex[:12]}"
                senders.append(sender)
            # A connection per citizen, as separate citizens' messages arrive: with
            # several Rasa processes the kernel spreads connections, not requests.
            client = BotClient(bot.rasa_url, bot.token, timeout=TURN_TIMEOUT)
            with client.session:
                for text in replay.says():
                    measured.add(timed(lambda: client.say(sender, text)))

    measured.seconds = run_workers(worker, concurrency)
    return measured


def run_parses(
    bot: BotClient, texts: list[str], concurrency: int, total: int
) -> Measured:
    measured = Measured("NLU parse (/model/parse)", concurrency)
    counter = itertools.count()

    def worker() -> None:
        client = BotClient(bot.rasa_url, bot.token, timeout=TURN_TIMEOUT)
        while (n := next(counter)) < total:
            text = texts[n % len(texts)]
            measured.add(timed(lambda: client.parse(text)))

    measured.seconds = run_workers(worker, concurrency)
    return measured


def cpu_seconds(root: int, children_too: bool = True) -> float | None:
    """CPU seconds used so far by a process and (unless children_too is False) its
    living descendants (Linux /proc), or None where /proc cannot tell."""
    clock = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    children: dict[int, list[int]] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended while we looked
        # "pid (command) state ppid ... utime stime": the command may hold spaces.
        fields = text.rpartition(")")[2].split()
        pid, ppid = int(stat.parent.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        used[pid] = (int(fields[11]) + int(fields[12])) / clock
    if root not in used:
        return None
    total, pending = 0.0, [root]
    while pending:
        pid = pending.pop()
        total += used.get(pid, 0.0)
        if children_too:
            pending.extend(children.get(pid, []))
    return total


def cpu_snapshot(parts: dict[str, int]) -> dict[str, float | None]:
    """Each part's CPU seconds; the client's own only (the stack is its child)."""
    return {
        name: cpu_seconds(pid, children_too=pid != os.getpid())
        for name, pid in parts.items()
    }


def cpu_per_message(
    before: dict[str, float | None], after: dict[str, float | None], messages: int
) -> str:
    """Where the processor time of the conversations went, per message."""
    shares = []
    for name, start in before.items():
        end = after.get(name)
        if start is None or end is None or not messages:
            continue
        shares.append(f"{name} {1000 * (end - start) / messages:.0f} ms")
    if not shares:
        return "CPU per message: not measured (no /proc, or a process ended)"
    return "CPU per message during the conversations: " + ", ".join(shares)


def timed(call: Callable[[], object]) -> float | None:
    """Seconds the call took, or None when it failed or answered nothing."""
    started = time.perf_counter()
    try:
        answer = call()
    except (requests.RequestException, ValueError):
        return None
    if not answer:
        return None
    return time.perf_counter() - started


def run_workers(worker: Callable[[], None], concurrency: int) -> float:
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def count_filed(backend: BackendClient | None, senders: list[str]) -> str:
    """How many benchmark citizens ended with exactly one stored complaint."""
    if backend is None or not backend.healthy():
        return "not checked (no backend URL)"
    filed = 0
    for sender in senders:
        try:
            filed += len(backend.complaints(sender)) == 1
        except requests.RequestException:
            pass
    return f"{filed} of {len(senders)} conversations stored exactly one complaint"


@dataclass
class Run:
    """What one shape of the stack gave: its workloads and notes, or why it did not
    run."""

    shape: str
    results: list[Measured] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None


def table(runs: list[Run]) -> str:
    lines = [
        "| Rasa | workload | citizens | requests | errors | per second "
        "| p50 ms | p95 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for m in run.results:
            lines.append(
                f"| {run.shape} | {m.name} | {m.concurrency} | {m.requests} "
                f"| {m.errors} | {m.per_second:.1f} | {m.percentile_ms(50):.0f} "
                f"| {m.percentile_ms(95):.0f} | {m.percentile_ms(99):.0f} |"
            )
    return "\n".join(lines)


def verdict(turns: Measured) -> list[str]:
    p95 = turns.percentile_ms(95)
    rate = turns.per_second
    return [
        f"- p95 turn latency {p95:.0f} ms; target under {TARGET_P95_MS:.0f} ms: "
        f"{'met' if p95 < TARGET_P95_MS else 'NOT met'}",
        f"- {rate:.1f} messages per second; target at least "
        f"{TARGET_MESSAGES_PER_SECOND:.0f}: "
        f"{'met' if rate >= TARGET_MESSAGES_PER_SECOND else 'NOT met'}",
    ]


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()} (client), load average {load} at the end"
    )


def report(runs: list[Run], args: argparse.Namespace, replays: list[Replay]) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    where = args.rasa_url or "a stack started for each shape (free ports)"
    names = ", ".join(r.name for r in replays)
    lines = [
        f"# Benchmark, {when}",
        "",
        f"Machine: {machine()}. Rasa: {where}.",
        f"Conversations: {names}; {args.rounds} per citizen, each a new sender.",
        "",
        table(runs),
        "",
    ]
    for run in runs:
        lines.append(f"{run.shape}:")
        if run.skipped:
            lines.append(f"- not run: {run.skipped}")
        else:
            lines += verdict(run.results[0])
            lines += [f"- {note}" for note in run.notes]
        lines.append("")
    return "\n".join(lines)


def rasa_shape(workers: int) -> str:
    """The shape as the report names it (call inside `workers_environment`)."""
    settings = project_settings()
    store = settings.get("TRACKER_DB_URL", "").split(":", 1)[0] or "unset"
    lock = settings.get("LOCK_STORE_TYPE", "in_memory")
    plural = "es" if workers > 1 else ""
    return f"{workers} process{plural}, tracker store {store}, lock store {lock}"


@contextlib.contextmanager
def workers_environment(workers: int) -> Iterator[str | None]:
    """Inside, the environment `use_workers(workers)` sets, and what it answered (the
    reason it cannot be done, or None); after, the environment as it was."""
    names = ("SANIC_WORKERS", "LOCK_STORE_TYPE")
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield use_workers(workers)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def use_workers(workers: int) -> str | None:
    """Set the environment the stack passes to Rasa for `workers` processes; the
    reason it cannot be done, or None."""
    if workers == 1:
        os.environ["SANIC_WORKERS"] = "1"
        return None  # the lock store as configured (in memory by default)
    settings = project_settings()
    host = settings.get("LOCK_STORE_HOST") or "127.0.0.1"
    port = int(settings.get("LOCK_STORE_PORT") or 6379)
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as error:
        return (
            f"{workers} Rasa processes need the Redis lock store, and Redis at "
            f"{host}:{port} cannot be reached ({type(error).__name__})"
        )
    os.environ["SANIC_WORKERS"] = str(workers)
    os.environ["LOCK_STORE_TYPE"] = "redis"
    return None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4, help="citizens at once")
    parser.add_argument(
        "--rounds", type=int, default=8, help="conversations per citizen"
    )
    parser.add_argument("--parses", type=int, default=400, help="NLU parses in all")
    parser.add_argument(
        "--workers",
        type=worker_counts,
        help="Rasa processes of each shape to measure, e.g. 1,2 (the default; "
        "more than 1 needs Redis locks)",
    )
    parser.add_argument("--rasa-url", help="a running Rasa (default: start a stack)")
    parser.add_argument("--backend-url", help="its backend, to count what was stored")
    parser.add_argument(
        "--model", type=Path, default=stack.DEFAULT_MODEL, help="the model to serve"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if min(args.concurrency, args.rounds, args.parses) < 1:
        parser.error("--concurrency, --rounds and --parses must be at least 1")
    if args.rasa_url and args.workers:
        parser.error("--workers starts Rasa: it cannot go with --rasa-url")
    args.workers = args.workers or list(DEFAULT_WORKERS)
    return args


def worker_counts(text: str) -> list[int]:
    """`--workers`: comma-separated process counts, each at least 1."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if min(counts) < 1:
        raise argparse.ArgumentTypeError("each number of processes must be at least 1")
    return counts


def measure(
    run: Run,
    bot: BotClient,
    backend: BackendClient | None,
    args: argparse.Namespace,
    replays: list[Replay],
    processes: dict[str, int] | None = None,
) -> Run:
    """Run both workloads; processes (name: pid) get their CPU use reported."""
    print("warming up (one conversation, not measured)", flush=True)
    warm = f"bench-warmup-{uuid.uuid4().hex[:8]}"
    for text in replays[0].says():
        bot.say(warm, text, timeout=120)

    print(f"{args.concurrency} citizens x {args.rounds} conversations ...", flush=True)
    senders: list[str] = []
    parts = {**(processes or {}), "this client": os.getpid()}
    before = cpu_snapshot(parts)
    turns = run_conversations(bot, replays, args.concurrency, args.rounds, senders)
    used = cpu_per_message(before, cpu_snapshot(parts), len(turns.latencies))
    print(f"{args.parses} NLU parses ...", flush=True)
    texts = [text for replay in replays for text in replay.says()]
    parses = run_parses(bot, texts, args.concurrency, args.parses)
    run.results = [turns, parses]
    run.notes = [count_filed(backend, senders), used]
    return run


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    settings = project_settings()
    token = settings.get("RASA_AUTH_TOKEN", "")
    admin = settings.get("ESEVA_ADMIN_TOKEN", "")
    replays = bench_conversations()

    if args.rasa_url:
        bot = BotClient(args.rasa_url, token, timeout=TURN_TIMEOUT)
        backend = BackendClient(args.backend_url, admin) if args.backend_url else None
        runs = [measure(Run("as running"), bot, backend, args, replays)]
    else:
        missing = stack.missing_parts(args.model)
        if missing:
            print("cannot start the stack; missing: " + ", ".join(missing))
            return 1
        runs = [
            run_shape(workers, args, replays, token, admin) for workers in args.workers
        ]

    text = report(runs, args, replays)
    print()
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"written to {args.output}")
    return 0 if any(run.results for run in runs) else 1


def run_shape(
    workers: int,
    args: argparse.Namespace,
    replays: list[Replay],
    token: str,
    admin: str,
) -> Run:
    """Start a stack with `workers` Rasa processes, measure it, stop it."""
    with workers_environment(workers) as problem:
        if problem:
            run = Run(f"{workers} processes, Redis locks", skipped=problem)
            print(f"{run.shape}: not run: {problem}", file=sys.stderr)
            return run
        return measure_stack(Run(rasa_shape(workers)), args, replays, token, admin)


def measure_stack(
    run: Run, args: argparse.Namespace, replays: list[Replay], token: str, admin: str
) -> Run:
    """Measure a stack started on free ports in a scratch directory."""
    with tempfile.TemporaryDirectory(prefix="eseva-bench-") as scratch_dir:
        scratch = stack.scratch_stack(Path(scratch_dir), model=args.model)
        print(f"{run.shape}: starting the stack (about 30 s) ...", flush=True)
        with scratch.stack:
            try:
                scratch.stack.start(timeouts=stack.start_timeouts(project_settings()))
            except stack.StackError as error:
                print(f"error: {error.describe()}", file=sys.stderr)
                run.skipped = f"the stack did not start ({error.describe()})"
                return run
            bot = BotClient(scratch.rasa_url, token, timeout=TURN_TIMEOUT)
            backend = BackendClient(scratch.backend_url, admin)
            processes = {
                name: scratch.stack.service(service).pid
                for name, service in STACK_PROCESSES.items()
            }
            return measure(run, bot, backend, args, replays, processes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
