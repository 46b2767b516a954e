"""The trained model (models/eseva.tar.gz, or ESEVA_NLU_MODEL): cases C03, C05 and
intents in each language, parsed end to end through the whole pipeline."""

from __future__ import annotations

import pytest

C03 = (
    "Main Sunita Devi, Indane consumer no 71000000123456789, mobile 9800000000, "
    "Rohtak se hoon. Shree Ganesh Gas ne delivery nahi ki."
)
C05 = "मेरा सिलेंडर नहीं आया, उपभोक्ता संख्या 71000000123456789, स्थान रोहतक"


def spans(result, entity):
    """The text each entity of the given type covers."""
    text = result["text"]
    return [
        text[e["start"] : e["end"]] for e in result["entities"] if e["entity"] == entity
    ]


def values(result, entity):
    return [e["value"] for e in result["entities"] if e["entity"] == entity]


def test_c03_every_field_of_one_message(model):
    result = model.parse(C03)

    assert values(result, "consumer_id") == ["71000000123456789"]
    assert values(result, "phone") == ["9800000000"]
    assert values(result, "brand") == ["IOCL"]
    assert spans(result, "person_name") == ["Sunita Devi"]
    assert spans(result, "location") == ["Rohtak"]
    assert spans(result, "service_agency") == ["Shree Ganesh Gas"]


def test_c05_hindi_location_span_and_consumer_id(model):
    result = model.parse(C05)

    assert spans(result, "location") == ["रोहतक"]
    assert values(result, "consumer_id") == ["71000000123456789"]
    # A complaint with its details: either reading starts the complaint form.
    assert result["intent"]["name"] in ("complain_lpg_delivery", "inform")
    assert result["language"] == "hi"


def test_parse_result_carries_the_language(model):
    result = model.parse("mera cylinder 4 din se nahi aaya")

    assert result["language"] == "hi-Latn"
    assert result["language_confidence"] >= 0.5
    assert model.parse("ok")["language_confidence"] < 0.5


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # English
        ("my refill has not been delivered for a week", "complain_lpg_delivery"),
        ("there is a strong gas smell in my kitchen", "emergency"),
        ("what is the status of MOPNG-2026-000123", "complaint_status"),
        ("I want to speak with an officer", "request_human"),
        ("stop", "cancel"),
        # Hindi
        ("पेट्रोल पंप पर हवा की मशीन खराब है", "complain_pump_amenities"),
        ("रहने दो", "cancel"),
        ("सिलेंडर से गैस लीक हो रही है", "emergency"),
        ("गैस एजेंसी वाले ज्यादा पैसे ले रहे हैं", "complain_lpg_overcharge"),
        ("मेरी शिकायत का स्टेटस बताइए", "complaint_status"),
        # Hinglish
        (
            "mera gas cylinder 3 din se nahi aaya, complaint karni hai",
            "complain_lpg_delivery",
        ),
        ("gas booking ho nahi rahi IVRS pe", "complain_lpg_booking"),
        ("band karo", "cancel"),
        ("cancel karo", "cancel"),
        (
            "pump pe petrol kam daala meter zero nahi kiya",
            "complain_pump_short_delivery",
        ),
    ],
)
def test_intents_in_each_language(model, text, intent):
    assert model.parse(text)["intent"]["name"] == intent


def test_digits_are_never_a_name_or_place(model):
    result = model.parse("9800000000")

    assert values(result, "phone") == ["9800000000"]
    assert not spans(result, "person_name")
    assert not spans(result, "location")


def test_trained_vocabulary_holds_whole_hindi_words():
    """C05 in the trained model itself: the stored vocabulary has whole words."""
    import json
    import tarfile

    from .conftest import MODEL_PATH

    if not MODEL_PATH.is_file():
        pytest.skip(f"no trained model at {MODEL_PATH}")
    with tarfile.open(MODEL_PATH) as archive:
        [member] = [
            m
            for m in archive.getmembers()
            if "WholeWordFeaturizer" in m.name and m.name.endswith("vocabulary.json")
        ]
        stored = json.load(archive.extractfile(member))

    vocabulary = stored["vocabulary"]
    for word in ("सिलेंडर", "नहीं", "उपभोक्ता", "स्थान"):
        assert word in vocabulary
    assert "रोहतक" not in vocabulary  # a test fixture, never in the training data
    assert "दिल्ली" in {entry for entry in stored["lookups"]["location"]}


def test_pipeline_has_no_word_count_vectorizer():
    """The built-in word analyzer would split Hindi words (C05): char_wb only."""
    import yaml

    from .conftest import ROOT

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]

    assert "bot.nlu.featurizer.WholeWordFeaturizer" in names
    for component in config["pipeline"]:
        if component["name"] == "CountVectorsFeaturizer":
            assert component.get("analyzer") == "char_wb"
