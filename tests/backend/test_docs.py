"""docs/backend.md and .env.example agree with the code, so they cannot drift."""

from __future__ import annotations

import re

from conftest import ROOT
from eseva import handoffs, lifecycle
from eseva.config import Settings
from eseva.sla import ServiceLevels
from eseva.vocab import PRIORITIES

DOC = (ROOT / "docs" / "backend.md").read_text(encoding="utf-8")


def between(marker: str) -> str:
    match = re.search(
        rf"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", DOC, re.DOTALL
    )
    assert match, f"docs/backend.md lacks the {marker} markers"
    return match.group(1)


def test_the_documented_state_machine_is_the_code() -> None:
    assert between("lifecycle") == lifecycle.markdown_table()


def test_the_documented_handoff_table_is_the_code() -> None:
    assert between("handoffs") == handoffs.markdown_table()


def test_every_setting_is_documented_with_its_default() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for field in Settings.model_fields.values():
        name = field.alias
        assert f"`{name}`" in DOC, name
        assert re.search(rf"^{name}=", example, re.MULTILINE), name


def test_the_service_levels_file_has_every_priority() -> None:
    levels = ServiceLevels.from_file(ROOT / "catalog" / "sla.yml")
    for priority in PRIORITIES:
        assert levels.first_contact[priority] <= levels.closure[priority]
    assert levels.first_contact["normal"].total_seconds() == 24 * 3600
    assert levels.closure["normal"].days == 21
