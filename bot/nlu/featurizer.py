"""Word-level sparse features from the tokenizer's own tokens.

Rasa 3.6's CountVectorsFeaturizer (`analyzer: word`) joins the tokens again and lets
scikit-learn split them with `re`'s `\\w`, which breaks Devanagari words apart at every
vowel sign ("सिलेंडर" becomes letter fragments). This featurizer never re-splits: each
token the tokenizer produced is one vocabulary entry, so Hindi words stay whole.
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
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary: dict[str, int] = vocabulary or {}

    @property
    def vocabulary(self) -> dict[str, int]:
        """Word -> feature column."""
        return dict(self._vocabulary)

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
        logger.debug("whole-word vocabulary: %d words", len(self._vocabulary))

        with self._model_storage.write_to(self._resource) as directory:
            (directory / _VOCABULARY_FILE).write_text(
                json.dumps(self._vocabulary, ensure_ascii=False), encoding="utf-8"
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
                vocabulary = json.loads(text)
        except (ValueError, FileNotFoundError):
            logger.warning("no vocabulary in the model: whole-word features are off")
            vocabulary = {}
        return cls(config, model_storage, resource, execution_context, vocabulary)

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
                keys = self._keys(message, attribute)
                if keys:
                    sequence, sentence = self._features(keys)
                    self.add_features_to_message(sequence, sentence, attribute, message)
        return messages

    def _features(
        self, keys: list[str]
    ) -> tuple[scipy.sparse.coo_matrix, scipy.sparse.coo_matrix]:
        size = len(self._vocabulary)
        rows, columns = [], []
        for row, key in enumerate(keys):
            column = self._vocabulary.get(key)
            if column is not None:
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
