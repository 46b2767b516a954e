"""LanguageDetector: en, hi or hi-Latn, and how sure it is."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language import LanguageDetector, detect_language

# Below this the action server keeps the previous language (docs/nlu.md).
SURE = 0.5


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my cylinder has not been delivered for ten days", "en"),
        ("what is the emergency number", "en"),
        ("I want to talk to an officer", "en"),
        ("the pump refused my card payment", "en"),
        ("mera cylinder deliver nahi hua", "hi-Latn"),
        ("gas booking ho nahi rahi IVRS pe", "hi-Latn"),
        ("mujhe officer se baat karni hai", "hi-Latn"),
        ("emergency number kya hai", "hi-Latn"),
        ("cancel karo bhai", "hi-Latn"),
        ("पेट्रोल पंप पर हवा की मशीन खराब", "hi"),
        ("मेरा सिलेंडर नहीं आया", "hi"),
        ("मेरा LPG cylinder नहीं आया", "hi"),
        ("रहने दो", "hi"),
    ],
)
def test_clear_messages(text, language):
    guess = detect_language(text)

    assert guess.language == language
    assert guess.confidence >= SURE


@pytest.mark.parametrize(
    "text",
    ["ok", "👍", "12345", "Sunita Devi", "Rohtak", "hi", "", "MOPNG-2026-000123"],
)
def test_messages_that_say_nothing_about_the_language(text):
    assert detect_language(text).confidence < SURE


@pytest.mark.parametrize("text", ["yes", "haan", "no", "sorry"])
def test_one_word_answers_are_not_sure(text):
    assert detect_language(text).confidence < SURE


def test_confidence_is_between_zero_and_one():
    for text in ["a", "the the the the the", "नहीं नहीं नहीं", "nahi nahi", "ok ok"]:
        assert 0.0 <= detect_language(text).confidence <= 1.0


def test_component_sets_both_output_keys():
    message = Message(data={TEXT: "cylinder nahi aaya"})

    LanguageDetector().process([message])

    assert message.get("language") == "hi-Latn"
    assert message.get("language_confidence") >= SURE
    output = message.as_dict(only_output_properties=True)
    assert output["language"] == "hi-Latn"
    assert "language_confidence" in output


def test_component_skips_messages_without_text():
    message = Message(data={"action_name": "utter_greet"})

    LanguageDetector().process([message])

    assert message.get("language") is None


@pytest.mark.parametrize("language", ["en", "hi", "hi-Latn"])
def test_heldout_messages_are_read_in_their_language(language):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    from .conftest import HERE

    texts = [
        example.get("text")
        for example in RasaYAMLReader()
        .read(HERE / f"heldout-{language}.yml")
        .training_examples
    ]
    guesses = [detect_language(text) for text in texts]

    sure = [guess for guess in guesses if guess.confidence >= SURE]
    assert all(guess.language == language for guess in sure)
    right = sum(guess.language == language for guess in guesses)
    assert right >= 0.9 * len(texts)
