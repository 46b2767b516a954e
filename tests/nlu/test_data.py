"""The training data and the held-out split: contract, languages, separation."""

from __future__ import annotations

from collections import Counter

import pytest
import regex
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.nlu.language import detect_language
from bot.nlu.text import DEVANAGARI_LETTER

from .conftest import HERE, ROOT

TRAINING = ROOT / "data" / "nlu.yml"
HELDOUT = {lang: HERE / f"heldout-{lang}.yml" for lang in ("en", "hi", "hi-Latn")}
RULE_ENTITIES = {"consumer_id", "reference", "pin_code", "phone", "brand"}
DIET_ENTITIES = {"person_name", "location", "service_agency", "outlet"}


def examples(path):
    return RasaYAMLReader().read(path).training_examples


def normalised(text: str) -> str:
    return " ".join(regex.sub(r"[^\p{L}\p{M}\p{N}]+", " ", text.casefold()).split())


def contract_intents() -> set[str]:
    """The typed intents of the NLU contract table in docs/architecture.md.

    Rows "sent only by the channel connectors" (a photo, a location pin) name intents
    that arrive as `/intent` payloads and are never typed: they need no examples.
    """
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## NLU contract", 1)[1].split("Entities:", 1)[0]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| `")]
    return {
        name
        for row in rows
        if "sent only by the channel connectors" not in row[2]
        for name in regex.findall(r"`([a-z_]+)`", row[1])
    }


@pytest.fixture(scope="module")
def training():
    return examples(TRAINING)


def script_language(text: str) -> str | None:
    if DEVANAGARI_LETTER.search(text):
        return "hi"
    guess = detect_language(text)
    return guess.language if guess.confidence > 0 else None


def test_every_contract_intent_is_trained_and_no_other(training):
    trained = {example.get("intent") for example in training}

    assert trained == contract_intents()


def test_at_least_300_examples_per_language(training):
    counts = Counter(script_language(example.get("text")) for example in training)

    assert counts["en"] >= 300
    assert counts["hi"] >= 300
    assert counts["hi-Latn"] >= 300


def test_every_intent_has_examples_in_all_three_languages(training):
    seen = Counter(
        (example.get("intent"), script_language(example.get("text")))
        for example in training
    )
    for intent in contract_intents():
        for language in ("en", "hi", "hi-Latn"):
            assert seen[(intent, language)] >= 2, (intent, language)


def test_rule_entities_are_never_annotated_for_diet(training):
    annotated = Counter(
        entity["entity"]
        for example in training
        for entity in example.get("entities") or []
    )

    assert not RULE_ENTITIES & set(annotated)
    assert set(annotated) == DIET_ENTITIES


def test_no_duplicate_training_examples(training):
    counts = Counter(normalised(example.get("text")) for example in training)

    assert [text for text, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("language", sorted(HELDOUT))
def test_heldout_text_never_occurs_in_training(training, language):
    trained = {normalised(example.get("text")) for example in training}
    heldout = examples(HELDOUT[language])

    assert heldout
    assert [
        e.get("text") for e in heldout if normalised(e.get("text")) in trained
    ] == []


@pytest.mark.parametrize("language", sorted(HELDOUT))
def test_heldout_covers_every_intent_in_its_language(language):
    heldout = examples(HELDOUT[language])

    assert {example.get("intent") for example in heldout} == contract_intents()
    for example in heldout:
        assert script_language(example.get("text")) in (language, None), example.get(
            "text"
        )


@pytest.mark.parametrize("language", sorted(HELDOUT))
def test_heldout_is_about_a_fifth_of_training(training, language):
    in_training = sum(
        1 for example in training if script_language(example.get("text")) == language
    )
    size = len(examples(HELDOUT[language]))

    assert 0.12 * in_training <= size <= 0.25 * in_training
