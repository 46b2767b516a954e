"""Word-level sparse features from the tokenizer's own tokens.

Rasa 3.6's CountVectorsFeaturizer (`analyzer: word`) joins the tokens again and lets
scikit-learn split them with `re`'s `\\w`, which breaks Devanagari words apart at every
vowel sign ("सिलेंडर" becomes letter fragments). This featurizer never re-splits: each
token the tokenizer produced is one vocabulary entry, so Hindi words stay whole.

Lookup tables of the training data (`- lookup: location`) add one column each, set on
the tokens of any entry found as a whole token sequence. Rasa's RegexFeaturizer would
wrap the entries in `re`'s `\\b`, which fails after a Devanagari vowel sign ("दिल्ली").
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections import Counter
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text import normalise_digits

logger = logging.getLogger(__name__)

ATTRIBUTES = (TEXT, ACTION_TEXT)
DIGITS_TOKEN = "__digits__"
_VOCABULARY_FILE = "vocabulary.json"


def lookup_key(text: str) -> str:
    """A token or lookup word as lookup tables compare them: NFC, case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


def _lookup_entries(table: dict[str, Any]) -> set[tuple[str, ...]]:
    """The entries of one lookup table of the training data, as word tuples."""
    elements = table.get("elements") or []
    if isinstance(elements, str):
        with open(elements, encoding="utf-8") as lines:
            elements = [line.strip() for line in lines]
    return {
        tuple(lookup_key(word) for word in str(entry).split())
        for entry in elements
        if str(entry).strip()
    }


def token_key(text: str, lowercase: bool = True) -> str:
    """The vocabulary entry of one token: NFC, case-folded, any number alike."""
    key = unicodedata.normalize("NFC", text)
    if lowercase:
        key = key.casefold()
    if normalise_digits(key).isdigit():
        return DIGITS_TOKEN
    return key


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class WholeWordFeaturizer(SparseFeaturizer, GraphComponent):
    """Bag-of-words features whose words are exactly the tokenizer's tokens."""

    @classmethod
    def required_components(cls) -> list[type]:
        """A tokenizer must run first."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`lowercase`: fold case; `min_count`: how often a word must occur."""
        return {
            **SparseFeaturizer.get_default_config(),
            "lowercase": True,
            "min_count": 1,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Rejects a `min_count` below one."""
        if int(config.get("min_count", 1)) < 1:
            raise ValueError("WholeWordFeaturizer: min_count must be 1 or more")

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabulary: dict[str, int] | None = None,
        lookups: dict[str, set[tuple[str, ...]]] | None = None,
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary: dict[str, int] = vocabulary or {}
        self._lookups: dict[str, set[tuple[str, ...]]] = lookups or {}

    @property
    def vocabulary(self) -> dict[str, int]:
        """Word -> feature column."""
        return dict(self._vocabulary)

    @property
    def lookup_columns(self) -> dict[str, int]:
        """Lookup table name -> feature column (after the vocabulary's)."""
        size = len(self._vocabulary)
        return {name: size + i for i, name in enumerate(sorted(self._lookups))}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> WholeWordFeaturizer:
        """Creates an untrained featurizer (see the parent class)."""
        return cls(config, model_storage, resource, execution_context)

    def _keys(self, message: Message, attribute: str) -> list[str]:
        tokens = message.get(TOKENS_NAMES[attribute]) or []
        return [token_key(token.text, self._config["lowercase"]) for token in tokens]

    def train(self, training_data: TrainingData) -> Resource:
        """Builds the vocabulary from every token of the training data."""
        counts: Counter[str] = Counter()
        for example in training_data.training_examples:
            for attribute in ATTRIBUTES:
                counts.update(self._keys(example, attribute))

        min_count = int(self._config["min_count"])
        words = sorted(word for word, count in counts.items() if count >= min_count)
        self._vocabulary = {word: column for column, word in enumerate(words)}
        self._lookups = {}
        for table in training_data.lookup_tables:
            entries = _lookup_entries(table)
            self._lookups.setdefault(table["name"], set()).update(entries)
        logger.debug(
            "whole-word vocabulary: %d words, %d lookup tables",
            len(self._vocabulary),
            len(self._lookups),
        )

        stored = {
            "vocabulary": self._vocabulary,
            "lookups": {
                name: sorted(" ".join(entry) for entry in entries)
                for name, entries in self._lookups.items()
            },
        }
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _VOCABULARY_FILE).write_text(
                json.dumps(stored, ensure_ascii=False), encoding="utf-8"
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
    ) -> WholeWordFeaturizer:
        """Loads the vocabulary stored at training time."""
        try:
            with model_storage.read_from(resource) as directory:
                text = (directory / _VOCABULARY_FILE).read_text(encoding="utf-8")
                stored = json.loads(text)
        except (ValueError, FileNotFoundError):
            logger.warning("no vocabulary in the model: whole-word features are off")
            stored = {}
        lookups = {
            name: {tuple(entry.split()) for entry in entries}
            for name, entries in stored.get("lookups", {}).items()
        }
        return cls(
            config,
            model_storage,
            resource,
            execution_context,
            stored.get("vocabulary", {}),
            lookups,
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes the training examples in place."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds sequence (one row per token) and sentence (counts) features."""
        if not self._vocabulary:
            return messages
        for message in messages:
            for attribute in ATTRIBUTES:
                tokens = message.get(TOKENS_NAMES[attribute]) or []
                if tokens:
                    sequence, sentence = self._features(
                        [token.text for token in tokens]
                    )
                    self.add_features_to_message(sequence, sentence, attribute, message)
        return messages

    def _lookup_hits(self, texts: list[str]) -> list[tuple[int, int]]:
        """(row, column) of every token inside a lookup entry."""
        words = [lookup_key(text) for text in texts]
        hits = []
        for name, column in self.lookup_columns.items():
            entries = self._lookups[name]
            for length in {len(entry) for entry in entries}:
                for start in range(len(words) - length + 1):
                    if tuple(words[start : start + length]) in entries:
                        hits.extend(
                            (row, column) for row in range(start, start + length)
                        )
        return sorted(set(hits))

    def _features(
        self, texts: list[str]
    ) -> tuple[scipy.sparse.coo_matrix, scipy.sparse.coo_matrix]:
        keys = [token_key(text, self._config["lowercase"]) for text in texts]
        size = len(self._vocabulary) + len(self._lookups)
        rows, columns = [], []
        for row, key in enumerate(keys):
            column = self._vocabulary.get(key)
            if column is not None:
                rows.append(row)
                columns.append(column)
        for row, column in self._lookup_hits(texts):
            rows.append(row)
            columns.append(column)

        ones = np.ones(len(rows))
        sequence = scipy.sparse.coo_matrix(
            (ones, (np.array(rows, dtype=int), np.array(columns, dtype=int))),
            shape=(len(keys), size),
        )
        sentence = scipy.sparse.coo_matrix(
            (ones, (np.zeros(len(rows), dtype=int), np.array(columns, dtype=int))),
            shape=(1, size),
        )
        sentence.sum_duplicates()
        return sequence, sentence
