"""WholeWordFeaturizer: Hindi words stay whole in tokens, vocabulary and features."""

from __future__ import annotations

import numpy as np
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.featurizer import DIGITS_TOKEN, WholeWordFeaturizer

C05 = "मेरा सिलेंडर नहीं आया, उपभोक्ता संख्या 71000000123456789, स्थान रोहतक"
WHOLE_WORDS = ["सिलेंडर", "नहीं", "उपभोक्ता", "रोहतक"]


def trained(tokenize, model_storage, resource, context, texts):
    featurizer = WholeWordFeaturizer.create(
        WholeWordFeaturizer.get_default_config(), model_storage, resource, context
    )
    messages = [tokenize(text, intent="inform") for text in texts]
    featurizer.train(TrainingData(messages))
    return featurizer


def test_tokenizer_keeps_hindi_words_whole(tokenize):
    tokens = [token.text for token in tokenize(C05).get("text_tokens")]

    for word in WHOLE_WORDS:
        assert word in tokens
    assert "रोहतक" == tokens[-1]


def test_vocabulary_holds_whole_hindi_words(tokenize, model_storage, resource, context):
    featurizer = trained(tokenize, model_storage, resource, context, [C05])

    vocabulary = featurizer.vocabulary
    for word in WHOLE_WORDS:
        assert word in vocabulary
    # No fragment cut at a vowel sign: every entry is a token of the sentence.
    tokens = {token.text for token in tokenize(C05).get("text_tokens")}
    assert set(vocabulary) - {DIGITS_TOKEN} <= tokens


def test_builtin_word_vectorizer_splits_hindi_words(tokenize, model_storage, context):
    """The trap the featurizer exists for (rasa 3.6.21); if this fails, Rasa fixed it."""
    from rasa.engine.storage.resource import Resource

    builtin = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(),
        model_storage,
        Resource("builtin"),
        context,
    )
    builtin.train(TrainingData([tokenize(C05, intent="inform")]))

    vocabulary = builtin.vectorizers[TEXT].vocabulary_
    assert "सिलेंडर" not in vocabulary


def test_features_have_one_row_per_token(tokenize, model_storage, resource, context):
    featurizer = trained(tokenize, model_storage, resource, context, [C05, "नमस्ते जी"])
    message = tokenize("सिलेंडर नहीं आया अज्ञात")
    featurizer.process([message])

    sequence, sentence = message.get_sparse_features(TEXT)
    rows = sequence.features.toarray()
    vocabulary = featurizer.vocabulary
    assert rows.shape == (4, len(vocabulary))
    assert rows[0, vocabulary["सिलेंडर"]] == 1
    assert rows[1, vocabulary["नहीं"]] == 1
    assert rows[2, vocabulary["आया"]] == 1
    assert not rows[3].any()  # an unknown word has no column
    assert np.array_equal(sentence.features.toarray()[0], rows.sum(axis=0))


def test_case_and_numbers_are_folded(tokenize, model_storage, resource, context):
    featurizer = trained(
        tokenize, model_storage, resource, context, ["Cylinder 45821 NAHI aaya"]
    )
    message = tokenize("cylinder ४५८२१ nahi")
    featurizer.process([message])

    rows = message.get_sparse_features(TEXT)[0].features.toarray()
    vocabulary = featurizer.vocabulary
    assert DIGITS_TOKEN in vocabulary
    assert rows[0, vocabulary["cylinder"]] == 1
    assert rows[1, vocabulary[DIGITS_TOKEN]] == 1
    assert rows[2, vocabulary["nahi"]] == 1


def test_vocabulary_survives_persist_and_load(
    tokenize, model_storage, resource, context
):
    featurizer = trained(tokenize, model_storage, resource, context, [C05])

    loaded = WholeWordFeaturizer.load(
        WholeWordFeaturizer.get_default_config(), model_storage, resource, context
    )

    assert loaded.vocabulary == featurizer.vocabulary
    first, second = tokenize(C05), tokenize(C05)
    featurizer.process([first])
    loaded.process([second])
    assert (
        first.get_sparse_features(TEXT)[0].features.toarray()
        == second.get_sparse_features(TEXT)[0].features.toarray()
    ).all()


def test_min_count_drops_rare_words(tokenize, model_storage, resource, context):
    config = {**WholeWordFeaturizer.get_default_config(), "min_count": 2}
    featurizer = WholeWordFeaturizer.create(config, model_storage, resource, context)
    featurizer.train(TrainingData([tokenize("गैस नहीं आई"), tokenize("गैस कब आएगी")]))

    assert set(featurizer.vocabulary) == {"गैस"}


def test_lookup_tables_mark_whole_entries(tokenize, model_storage, resource, context):
    featurizer = WholeWordFeaturizer.create(
        WholeWordFeaturizer.get_default_config(), model_storage, resource, context
    )
    data = TrainingData(
        [tokenize("main Hisar se hoon", intent="inform")],
        lookup_tables=[{"name": "location", "elements": ["दिल्ली", "Gomti Nagar"]}],
    )
    featurizer.train(data)
    loaded = WholeWordFeaturizer.load(
        WholeWordFeaturizer.get_default_config(), model_storage, resource, context
    )
    message = tokenize("मैं दिल्ली से, gomti nagar lucknow, nagar")
    loaded.process([message])

    column = loaded.lookup_columns["location"]
    rows = message.get_sparse_features(TEXT)[0].features.toarray()
    assert rows.shape[1] == len(loaded.vocabulary) + 1
    assert rows[:, column].tolist() == [0, 1, 0, 1, 1, 0, 0]
