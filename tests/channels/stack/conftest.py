"""The whole stack (backend, action server, Rasa with the trained model, simulator) on
free ports in a scratch directory, started once for these replays (scripts/stack.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

MODEL = Path(os.environ.get("ESEVA_E2E_MODEL") or stack.DEFAULT_MODEL)
# On a busy 2-core machine Rasa can take minutes to load the model; wait for it rather
# than fail (a broken start still fails at once: the stack notices the process exit).
RASA_START_SECONDS = float(os.environ.get("ESEVA_STACK_RASA_START", "900"))


@pytest.fixture(scope="session")
def full_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[stack.ScratchStack]:
    missing = stack.missing_parts(MODEL)
    if missing:
        pytest.fail(
            "the stack cannot start; missing: " + ", ".join(missing), pytrace=False
        )
    stack.START_TIMEOUTS["rasa"] = max(stack.START_TIMEOUTS["rasa"], RASA_START_SECONDS)
    scratch = stack.scratch_stack(
        tmp_path_factory.mktemp("channels-stack"), model=MODEL, with_simulator=True
    )
    try:
        scratch.stack.start()
    except stack.StackError:
        scratch.stack.stop()
        raise
    try:
        yield scratch
    finally:
        scratch.stack.stop()
