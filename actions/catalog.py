"""The data files the actions read: helpline numbers, brand words, categories.

`catalog/helplines.yml` holds every number the bot quotes; `catalog/brands.yml` maps
brand words to company codes (format in docs/architecture.md); `catalog/categories.yml`
lists the complaint categories with their group and labels (the backend reads the same
file). Each is read once per process and cached.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import regex
import yaml

from actions.settings import ROOT

logger = logging.getLogger(__name__)

HELPLINES_FILE = ROOT / "catalog" / "helplines.yml"
BRANDS_FILE = ROOT / "catalog" / "brands.yml"
CATEGORIES_FILE = ROOT / "catalog" / "categories.yml"

_BOUNDARY_BEFORE = r"(?<![\p{L}\p{M}\p{N}])"
_BOUNDARY_AFTER = r"(?![\p{L}\p{M}\p{N}])"


@functools.lru_cache(maxsize=None)
def helplines(path: Path = HELPLINES_FILE) -> dict[str, str]:
    """Helpline key -> the number or address to quote."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {key: str(entry["value"]) for key, entry in data["numbers"].items()}


@functools.lru_cache(maxsize=None)
def categories(path: Path = CATEGORIES_FILE) -> dict[str, dict]:
    """Category code -> {"group": ..., "labels": {language: label}}, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(code): entry for code, entry in data["categories"].items()}


@functools.lru_cache(maxsize=None)
def _brand_table(path: Path) -> tuple[tuple[regex.Pattern, str], ...]:
    """(pattern, company code) pairs, longest brand word first."""
    if not path.exists():
        logger.warning("brands file %s is missing: no company from brand words", path)
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs: list[tuple[str, str]] = []
    for code, entry in (data.get("companies") or {}).items():
        for word in entry.get("words") or []:
            pairs.append((str(word).strip(), str(code)))
    pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
    table = []
    for word, code in pairs:
        body = r"[\s\-]*".join(regex.escape(part) for part in word.split())
        pattern = regex.compile(
            _BOUNDARY_BEFORE + body + _BOUNDARY_AFTER, regex.IGNORECASE
        )
        table.append((pattern, code))
    return tuple(table)


@functools.lru_cache(maxsize=None)
def company_codes(path: Path = BRANDS_FILE) -> frozenset[str]:
    if not path.exists():
        return frozenset()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(str(code) for code in (data.get("companies") or {}))


def company_in_text(text: str | None, path: Path = BRANDS_FILE) -> str | None:
    """The company code of the first (longest) brand word named in `text`."""
    if not text:
        return None
    folded = text.casefold()
    for pattern, code in _brand_table(path):
        if pattern.search(folded):
            return code
    return None


def company_for(value: str | None, path: Path = BRANDS_FILE) -> str | None:
    """A company code from a `brand` entity value, a code or a brand word."""
    if not value:
        return None
    candidate = value.strip().upper().replace(" ", "_")
    if candidate in company_codes(path):
        return candidate
    return company_in_text(value, path)


def company_in_text_remainder(text: str, path: Path = BRANDS_FILE) -> str:
    """The letters of `text` left once every brand word is taken out."""
    folded = text.casefold()
    for pattern, _code in _brand_table(path):
        folded = pattern.sub(" ", folded)
    return regex.sub(r"[^\p{L}\p{M}]+", "", folded)
