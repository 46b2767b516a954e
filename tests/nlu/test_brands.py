"""BrandExtractor: brand words in three languages to company codes."""

from __future__ import annotations

import logging

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.brands import (
    DEFAULT_BRANDS_FILE,
    BrandExtractor,
    BrandMatcher,
    BrandsFileError,
    read_brands_file,
)

from .conftest import ROOT, TEST_BRANDS


@pytest.fixture(scope="module")
def matcher() -> BrandMatcher:
    return BrandMatcher(read_brands_file(TEST_BRANDS))


def brands(matcher: BrandMatcher, text: str) -> list[tuple[str, str]]:
    return [(m.company, text[m.start : m.end]) for m in matcher.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English
        ("Indane consumer no 45821", [("IOCL", "Indane")]),
        ("INDIAN OIL pump near bypass", [("IOCL", "INDIAN OIL")]),
        ("bharat petroleum outlet", [("BPCL", "bharat petroleum")]),
        ("my IGL bill", [("IGL", "IGL")]),
        # Hinglish spellings, hyphen or no space
        ("indan ka cylinder nahi aaya", [("IOCL", "indan")]),
        ("bharatgass wala", [("BPCL", "bharatgass")]),
        ("Bharat-Gas ki agency", [("BPCL", "Bharat-Gas")]),
        ("bharatgas ka", [("BPCL", "bharatgas")]),
        # Devanagari
        ("इंडेन का सिलेंडर", [("IOCL", "इंडेन")]),
        ("इंडियन ऑयल पंप, जयपुर", [("IOCL", "इंडियन ऑयल")]),
        ("भारत गैस की एजेंसी", [("BPCL", "भारत गैस")]),
        ("एचपी गैस, गोमती नगर", [("HPCL", "एचपी गैस")]),
        # longest match first: "hp gas" is one brand mention, not "hp" + "gas"
        ("HP Gas agency", [("HPCL", "HP Gas")]),
        ("hp pump aur bharat gas", [("HPCL", "hp"), ("BPCL", "bharat gas")]),
        # whole words only
        ("shopping mall", []),
        ("chhp indanex", []),
        ("इंडेनवाला", []),
        ("no brand here", []),
    ],
)
def test_brand_words(matcher, text, expected):
    assert brands(matcher, text) == expected


def test_the_default_path_is_the_catalog():
    assert BrandExtractor.get_default_config()["brands_file"] == DEFAULT_BRANDS_FILE
    assert DEFAULT_BRANDS_FILE == "catalog/brands.yml"


def test_the_catalog_file_reads_when_present():
    path = ROOT / DEFAULT_BRANDS_FILE
    if not path.is_file():
        pytest.skip("catalog/brands.yml not written yet")

    table = read_brands_file(path)

    assert {"IOCL", "BPCL", "HPCL"} <= set(table)
    assert brands(BrandMatcher(table), "Indane") == [("IOCL", "Indane")]


def test_trained_component_keeps_the_words_in_the_model(
    model_storage, resource, context
):
    config = {"brands_file": str(TEST_BRANDS)}
    extractor = BrandExtractor.create(config, model_storage, resource, context)
    extractor.train(TrainingData())

    loaded = BrandExtractor.load(config, model_storage, resource, context)
    message = Message(data={TEXT: "भारत गैस वाले और Indane", ENTITIES: []})
    loaded.process([message])

    found = [
        (e["entity"], e["value"], e["start"], e["end"]) for e in message.get(ENTITIES)
    ]
    assert found == [("brand", "BPCL", 0, 8), ("brand", "IOCL", 17, 23)]
    assert message.get(ENTITIES)[0]["extractor"] == "BrandExtractor"


def test_missing_file_means_no_brands_and_a_warning(
    model_storage, resource, context, tmp_path, caplog
):
    config = {"brands_file": str(tmp_path / "absent.yml")}
    extractor = BrandExtractor.create(config, model_storage, resource, context)

    with caplog.at_level(logging.WARNING):
        extractor.train(TrainingData())
    message = Message(data={TEXT: "Indane"})
    extractor.process([message])

    assert "not found" in caplog.text
    assert not message.get(ENTITIES)


@pytest.mark.parametrize(
    "content",
    [
        "companies: []",
        "brands:\n  IOCL: [indane]",
        "companies:\n  IOCL:\n    name: x\n",
        "companies:\n  IOCL:\n    words: [indane, '']\n",
        "companies: [unclosed",
    ],
)
def test_malformed_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "brands.yml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(BrandsFileError, match=str(path)):
        read_brands_file(path)


def test_fingerprint_follows_the_file_content(tmp_path):
    path = tmp_path / "brands.yml"
    config = {"brands_file": str(path)}
    path.write_text("companies:\n  IOCL:\n    words: [indane]\n", encoding="utf-8")
    first = BrandExtractor.fingerprint_addon(config)
    path.write_text("companies:\n  IOCL:\n    words: [indane, indan]\n", "utf-8")

    assert BrandExtractor.fingerprint_addon(config) != first


def test_a_brand_word_is_not_a_person_or_place(model_storage, resource, context):
    config = {"brands_file": str(TEST_BRANDS)}
    extractor = BrandExtractor.create(config, model_storage, resource, context)
    extractor.train(TrainingData())
    text = "Indane consumer, Indane Gas Seva, Kota"
    crf = [
        {"entity": "location", "value": "Indane", "start": 0, "end": 6},
        {
            "entity": "service_agency",
            "value": "Indane Gas Seva",
            "start": 17,
            "end": 32,
        },
        {"entity": "location", "value": "Kota", "start": 34, "end": 38},
    ]
    message = Message(data={TEXT: text, ENTITIES: list(crf)})

    extractor.process([message])

    entities = message.get(ENTITIES)
    assert crf[0] not in entities
    assert crf[1] in entities and crf[2] in entities
    assert [e["value"] for e in entities if e["entity"] == "brand"] == ["IOCL", "IOCL"]
