"""Brand words to company codes: the `brand` entity ("Indane" -> IOCL).

The words come from `catalog/brands.yml` (format in docs/architecture.md). They are
read when the model is trained and stored in it, so a trained model does not depend on
the working directory; a change to the file changes the component's fingerprint and
so retrains it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

BRAND = "brand"
# A brand word alone is never a person or a place: such readings of other extractors
# are dropped ("Indane consumer no ..." is not a location).
NOT_A_BRAND = ("person_name", "location")
DEFAULT_BRANDS_FILE = "catalog/brands.yml"
_TABLE_FILE = "brands.json"
_BOUNDARY_BEFORE = r"(?<![\p{L}\p{M}\p{N}])"
_BOUNDARY_AFTER = r"(?![\p{L}\p{M}\p{N}])"
_SEPARATORS = regex.compile(r"[\s\-]+")


class BrandsFileError(ValueError):
    """The brands file is not in the documented format."""


def read_brands_file(path: Path) -> dict[str, list[str]]:
    """Company code -> brand words, from a brands file; raises BrandsFileError."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise BrandsFileError(f"{path}: not valid YAML ({error})") from error

    companies = data.get("companies") if isinstance(data, dict) else None
    if not isinstance(companies, dict) or not companies:
        raise BrandsFileError(f"{path}: expected a non-empty 'companies:' mapping")

    table: dict[str, list[str]] = {}
    for code, entry in companies.items():
        words = entry.get("words") if isinstance(entry, dict) else None
        if not isinstance(words, list) or not all(
            isinstance(word, str) and word.strip() for word in words
        ):
            raise BrandsFileError(
                f"{path}: company {code!r} needs 'words:', a list of non-empty strings"
            )
        table[str(code)] = [word.strip() for word in words]
    return table


def _word_pattern(word: str) -> str:
    """A brand word as a pattern: a space in it also matches a hyphen or nothing."""
    return r"[\s\-]*".join(regex.escape(part) for part in word.split())


def _key(word: str) -> str:
    """The lookup key of a brand word: case-folded, without spaces or hyphens."""
    return _SEPARATORS.sub("", word.casefold())


@dataclass(frozen=True)
class BrandMatch:
    """A brand word found in a text."""

    company: str
    start: int
    end: int


class BrandMatcher:
    """Finds brand words as whole words, case-insensitively, longest match first."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self._company_of: dict[str, str] = {}
        for company, words in table.items():
            for word in words:
                key = _key(word)
                previous = self._company_of.setdefault(key, company)
                if previous != company:
                    logger.warning(
                        "brand word %r is listed for %s and %s; using %s",
                        word,
                        previous,
                        company,
                        previous,
                    )
        spellings = {
            " ".join(word.casefold().split())
            for words in table.values()
            for word in words
        }
        ordered = sorted(spellings, key=len, reverse=True)
        self._pattern = (
            regex.compile(
                _BOUNDARY_BEFORE
                + "(?:"
                + "|".join(_word_pattern(word) for word in ordered)
                + ")"
                + _BOUNDARY_AFTER,
                regex.IGNORECASE,
            )
            if ordered
            else None
        )

    def find(self, text: str) -> list[BrandMatch]:
        """Every brand word in `text`, left to right, without overlaps."""
        if self._pattern is None:
            return []
        matches = []
        for match in self._pattern.finditer(text):
            company = self._company_of.get(_key(match.group()))
            if company:
                matches.append(BrandMatch(company, match.start(), match.end()))
        return matches


def _inside(entity: dict[str, Any], spans: list[tuple[int, int]]) -> bool:
    """Whether the entity's span lies within one of `spans`."""
    start, end = entity.get("start"), entity.get("end")
    if start is None or end is None:
        return False
    return any(low <= start and end <= high for low, high in spans)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class BrandExtractor(GraphComponent, EntityExtractorMixin):
    """Adds a `brand` entity whose value is the company code."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`brands_file`: path of the brands file, relative to the working directory."""
        return {"brands_file": DEFAULT_BRANDS_FILE}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The brands file's content, so that editing it retrains this component."""
        path = Path(config.get("brands_file", DEFAULT_BRANDS_FILE))
        if not path.is_file():
            return "missing"
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        table: dict[str, list[str]] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._table = table or {}
        self._matcher = BrandMatcher(self._table)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BrandExtractor:
        """Creates an untrained extractor (see the parent class)."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Reads the brands file and stores its words in the model."""
        path = Path(self._config["brands_file"])
        if path.is_file():
            self._table = read_brands_file(path)
        else:
            logger.warning(
                "brands file %s not found: the model will recognise no brands", path
            )
            self._table = {}
        self._matcher = BrandMatcher(self._table)

        with self._model_storage.write_to(self._resource) as directory:
            (directory / _TABLE_FILE).write_text(
                json.dumps(self._table, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> BrandExtractor:
        """Loads the brand words stored at training time."""
        try:
            with model_storage.read_from(resource) as directory:
                table = json.loads((directory / _TABLE_FILE).read_text("utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("no brand words in the model: recognising no brands")
            table = {}
        return cls(config, model_storage, resource, table)

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the brands of each message to its entities."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                {
                    "entity": BRAND,
                    "value": match.company,
                    "start": match.start,
                    "end": match.end,
                    "confidence_entity": 1.0,
                }
                for match in self._matcher.find(text)
            ]
            if not found:
                continue
            spans = [(match["start"], match["end"]) for match in found]
            kept = [
                entity
                for entity in message.get(ENTITIES, [])
                if entity.get("entity") != BRAND
                and not (entity.get("entity") in NOT_A_BRAND and _inside(entity, spans))
            ]
            message.set(
                ENTITIES, kept + self.add_extractor_name(found), add_to_output=True
            )
        return messages
