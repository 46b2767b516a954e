"""Fixtures: the whole stack once per session, on free ports, in a scratch directory.

The action server reaches the backend through a fault-injecting proxy; each replay
starts with the proxy healthy and its call counts at zero.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

from .clients import BackendClient, BotClient  # noqa: E402
from .faultproxy import FaultProxy  # noqa: E402
from .runner import Target  # noqa: E402

START_ATTEMPTS = 2  # a second try on fresh ports if another process took one
# A test run may share the machine with other suites: give Rasa ten minutes unless
# ESEVA_RASA_START_TIMEOUT says otherwise.
RASA_START_TIMEOUT = float(os.environ.get("ESEVA_RASA_START_TIMEOUT") or 600)
# Another trained model (e.g. one trained into a scratch directory) for a local run.
MODEL = Path(os.environ.get("ESEVA_E2E_MODEL") or stack.DEFAULT_MODEL)


@dataclass
class E2EStack:
    scratch: stack.ScratchStack
    proxy: FaultProxy
    bot: BotClient
    backend: BackendClient

    @property
    def target(self) -> Target:
        return Target(
            bot=self.bot,
            backend=self.backend,
            proxy=self.proxy,
            log_dir=self.scratch.runtime_dir / "log",
        )


def _start(runtime_dir: Path) -> tuple[stack.ScratchStack, FaultProxy]:
    ports = stack.free_ports()
    proxy = FaultProxy(target_port=ports.backend).start()
    scratch = stack.scratch_stack(
        runtime_dir,
        ports=ports,
        backend_url_for_bot=proxy.url,
        model=MODEL,
        with_simulator=stack.simulator_available(),
    )
    try:
        scratch.stack.start(timeouts={"rasa": RASA_START_TIMEOUT})
    except stack.StackError:
        scratch.stack.stop()
        proxy.stop()
        raise
    return scratch, proxy


@pytest.fixture(scope="session")
def e2e_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EStack]:
    missing = stack.missing_parts(MODEL)
    if missing:
        pytest.fail(
            "the end-to-end stack cannot start; missing: " + ", ".join(missing),
            pytrace=False,
        )

    for attempt in range(1, START_ATTEMPTS + 1):
        runtime_dir = tmp_path_factory.mktemp(f"stack{attempt}")
        try:
            scratch, proxy = _start(runtime_dir)
            break
        except stack.StackError as error:
            port_taken = "already in use" in error.log_tail.lower()
            if attempt < START_ATTEMPTS and port_taken:
                continue
            pytest.fail(
                f"the stack did not start (files in {runtime_dir}):\n"
                f"{error.describe()}",
                pytrace=False,
            )

    settings = scratch.settings
    handle = E2EStack(
        scratch=scratch,
        proxy=proxy,
        bot=BotClient(scratch.rasa_url, settings["RASA_AUTH_TOKEN"]),
        backend=BackendClient(scratch.backend_url, settings["ESEVA_ADMIN_TOKEN"]),
    )
    try:
        yield handle
    finally:
        scratch.stack.stop()
        proxy.stop()


@pytest.fixture
def target(e2e_stack: E2EStack) -> Iterator[Target]:
    """The stack with a healthy backend path and fresh call counts."""
    e2e_stack.proxy.restore()
    e2e_stack.proxy.reset_calls()
    yield e2e_stack.target
    e2e_stack.proxy.restore()


@pytest.fixture
def sender() -> str:
    """A citizen nobody has talked to before."""
    return f"e2e-{uuid.uuid4().hex[:12]}"
