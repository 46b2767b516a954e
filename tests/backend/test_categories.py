"""The complaint categories come from catalog/categories.yml, the file the action
server reads too: the API takes exactly those codes, and the file has what both sides
need (a group for the form's questions, a label in each language)."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex
import yaml
from fastapi.testclient import TestClient

from conftest import ADMIN, ROOT, file_complaint
from eseva import vocab
from eseva.config import catalog_dir

CATALOG = yaml.safe_load((ROOT / "catalog" / "categories.yml").read_text("utf-8"))
CODES = list(CATALOG["categories"])
GROUPS = {"lpg", "petrol", "city_gas", "kerosene", "other"}
DEVANAGARI = regex.compile(r"\p{Devanagari}")


def test_the_api_takes_the_catalogs_codes_in_its_order() -> None:
    assert list(vocab.CATEGORIES) == CODES
    assert len(set(CODES)) == len(CODES) == 20
    assert "other" in CODES and "kerosene" in CODES


def test_every_category_has_a_group_and_a_label_in_each_language() -> None:
    for code, entry in CATALOG["categories"].items():
        assert regex.fullmatch(r"[a-z]+(_[a-z]+)*", code), code
        assert entry["group"] in GROUPS, code
        labels = entry["labels"]
        assert set(labels) == {"en", "hi", "hi-Latn"}, code
        assert labels["en"].isascii() and labels["hi-Latn"].isascii(), code
        assert DEVANAGARI.search(labels["hi"]), code
    groups = {entry["group"] for entry in CATALOG["categories"].values()}
    assert groups == GROUPS


def test_the_openapi_schema_lists_the_catalogs_codes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    listed = [
        prop["enum"]
        for model in schema["components"]["schemas"].values()
        for name, prop in (model.get("properties") or {}).items()
        if name == "category" and "enum" in prop
    ]
    assert listed and all(enum == CODES for enum in listed)


@pytest.mark.parametrize("code", ["cng_station", "kerosene", "other"])
def test_a_complaint_in_a_catalog_category_is_filed(
    client: TestClient, code: str
) -> None:
    assert file_complaint(client, category=code)["category"] == code


def test_a_category_outside_the_catalog_is_refused(client: TestClient) -> None:
    response = client.get("/api/complaints?category=lpg_everything", headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "category"


def test_the_catalog_folder_follows_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ESEVA_CATALOG_DIR", raising=False)
    assert catalog_dir() == ROOT / "catalog"
    monkeypatch.setenv("ESEVA_CATALOG_DIR", "catalog")
    assert catalog_dir() == ROOT / "catalog"
    monkeypatch.setenv("ESEVA_CATALOG_DIR", str(tmp_path))
    assert catalog_dir() == tmp_path
