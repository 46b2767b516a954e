"""Which company handles a complaint, from the brand words in `catalog/brands.yml`."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex
import yaml

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Company:
    code: str
    name: str
    words: tuple[str, ...]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _word_pattern(word: str) -> str:
    """A brand word as a pattern: a space also matches a hyphen or nothing."""
    parts = [regex.escape(part) for part in _fold(word).split()]
    return r"[\s\-]*".join(parts)


class BrandRouter:
    """Finds brand words in text; whole words only, longest first."""

    def __init__(self, companies: dict[str, Company]) -> None:
        self.companies = companies
        self._company_of: dict[str, str] = {}
        for company in companies.values():
            for word in company.words:
                folded = " ".join(_fold(word).split())
                other = self._company_of.setdefault(folded, company.code)
                if other != company.code:
                    raise ValueError(f"brand word {word!r} is listed for {other} too")
        alternatives = sorted(self._company_of, key=len, reverse=True)
        body = "|".join(_word_pattern(word) for word in alternatives)
        # \w of the regex module includes the vowel signs of Devanagari, so these
        # boundaries never cut a Hindi word in the middle.
        self._pattern = regex.compile(rf"(?<!\w)(?:{body})(?!\w)", flags=regex.V1)

    @classmethod
    def from_file(cls, path: Path) -> BrandRouter:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        companies = {
            code: Company(code, entry["name"], tuple(str(w) for w in entry["words"]))
            for code, entry in data["companies"].items()
        }
        return cls(companies)

    def find(self, text: str | None) -> list[str]:
        """Company codes named in `text`, in the order they appear."""
        if not text:
            return []
        codes = []
        for match in self._pattern.finditer(_fold(text)):
            key = " ".join(regex.split(r"[\s\-]+", match.group()))
            code = self._company_of.get(key) or self._lookup_joined(key)
            if code and code not in codes:
                codes.append(code)
        return codes

    def _lookup_joined(self, matched: str) -> str | None:
        """The company of a match written without the spaces of its brand word."""
        squeezed = regex.sub(r"[\s\-]+", "", matched)
        for word, code in self._company_of.items():
            if word.replace(" ", "") == squeezed:
                return code
        return None

    def route(self, *texts: str | None) -> str | None:
        """The first company named in the first text that names one."""
        for text in texts:
            codes = self.find(text)
            if codes:
                return codes[0]
        return None

    def is_company(self, code: str) -> bool:
        return code in self.companies
