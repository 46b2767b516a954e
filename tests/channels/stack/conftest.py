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


@pytest.fixture(scope="session")
def full_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[stack.ScratchStack]:
    missing = stack.missing_parts(MODEL)
    if missing:
        pytest.fail(
            "the stack cannot start; missing: " + ", ".join(missing), pytrace=False
        )
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
