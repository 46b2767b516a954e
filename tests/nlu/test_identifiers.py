"""IdentifierExtractor: consumer IDs, phones, PIN codes and references by rule."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.identifiers import IdentifierExtractor, find_identifiers

C03 = (
    "Main Sunita Devi, Indane consumer no 71000000123456789, mobile 9800000000, "
    "Rohtak se hoon. Shree Ganesh Gas ne delivery nahi ki."
)


def found(text: str) -> list[tuple[str, str, str]]:
    """(entity, value, the text the span covers) for every identifier."""
    return [
        (item.entity, item.value, text[item.start : item.end])
        for item in find_identifiers(text)
    ]


def test_c03_consumer_id_is_the_17_digits_and_the_mobile_is_a_phone():
    assert found(C03) == [
        ("consumer_id", "71000000123456789", "71000000123456789"),
        ("phone", "9800000000", "9800000000"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 17-digit LPG ID anywhere, in groups, with Devanagari digits
        ("id 71000000123456789", [("consumer_id", "71000000123456789")]),
        ("7100 0000 1234 5678 9 hai", [("consumer_id", "71000000123456789")]),
        ("LPG-ID: 7100-0000-1234-5678-9", [("consumer_id", "71000000123456789")]),
        ("७१०००००० १२३४५६७८९", [("consumer_id", "71000000123456789")]),
        # a short consumer number only after a consumer-number keyword
        ("consumer no 45821", [("consumer_id", "45821")]),
        ("consumer number: 4420193", [("consumer_id", "4420193")]),
        ("Indane consumer 45821, Shree Gas", [("consumer_id", "45821")]),
        ("customer id is 9931", [("consumer_id", "9931")]),
        ("grahak sankhya hai 55231", [("consumer_id", "55231")]),
        ("उपभोक्ता संख्या ४५८२१", [("consumer_id", "45821")]),
        ("ग्राहक संख्या: 77812", [("consumer_id", "77812")]),
        ("LPG ID 123456", [("consumer_id", "123456")]),
        ("45821", []),
        ("cylinder 3 din se nahi aaya", []),
        # phones: never a consumer ID
        ("mobile 9800000000", [("phone", "9800000000")]),
        ("+91 98000 00000", [("phone", "9800000000")]),
        ("call 09800000000", [("phone", "9800000000")]),
        ("91-9800000000", [("phone", "9800000000")]),
        ("मोबाइल ९८००००००००", [("phone", "9800000000")]),
        ("5800000000", []),
        (
            "consumer no 45821 9800000000",
            [("consumer_id", "45821"), ("phone", "9800000000")],
        ),
        # PIN codes, not other six-digit codes or amounts
        ("Rohtak 124001", [("pin_code", "124001")]),
        ("pin code 124001", [("pin_code", "124001")]),
        ("पिन १२४००१", [("pin_code", "124001")]),
        ("024001", []),
        ("dealer code 102072", []),
        ("OTP 482913 nahi aaya", []),
        ("Rs 100000 liye", []),
        ("100000 rupaye", []),
        # references, case-insensitive, with spaces, zero-padded
        ("status of MOPNG-2026-000123", [("reference", "MOPNG-2026-000123")]),
        ("mopng 2026 000123 ka kya hua", [("reference", "MOPNG-2026-000123")]),
        ("MoPNG-2026-123", [("reference", "MOPNG-2026-000123")]),
        ("शिकायत MOPNG-२०२६-०००१२३", [("reference", "MOPNG-2026-000123")]),
        # things that are none of these
        ("aadhaar 2345 6789 0123", []),
        ("bill 913 ka hai 960 maangta hai", []),
        ("12-03-2026 ko booking ki", []),
        ("MH12AB1234", []),
    ],
)
def test_identifiers(text, expected):
    assert [(entity, value) for entity, value, _ in found(text)] == expected


def test_span_is_in_the_original_text():
    text = "मेरा सिलेंडर नहीं आया, उपभोक्ता संख्या ७१०००००० १२३४५६७८९, स्थान रोहतक"

    [(entity, value, covered)] = found(text)

    assert (entity, value) == ("consumer_id", "71000000123456789")
    assert covered == "७१०००००० १२३४५६७८९"


def test_plus_sign_belongs_to_the_phone_span():
    text = "phone +91 98000 00000 hai"

    assert found(text) == [("phone", "9800000000", "+91 98000 00000")]


def test_component_adds_entities_and_drops_digits_taken_by_others():
    text = "naam Ravi, consumer no 45821, Bareilly"
    diet_location = {"entity": "location", "value": "Bareilly", "start": 30, "end": 38}
    diet_digits = {"entity": "person_name", "value": "45821", "start": 23, "end": 28}
    message = Message(data={TEXT: text, ENTITIES: [diet_location, diet_digits]})

    IdentifierExtractor().process([message])

    entities = message.get(ENTITIES)
    assert diet_location in entities
    assert diet_digits not in entities
    [consumer] = [e for e in entities if e["entity"] == "consumer_id"]
    assert consumer["value"] == "45821"
    assert text[consumer["start"] : consumer["end"]] == "45821"
    assert consumer["extractor"] == "IdentifierExtractor"


def test_component_leaves_messages_without_numbers_alone():
    message = Message(data={TEXT: "mera cylinder nahi aaya"})

    IdentifierExtractor().process([message])

    assert message.get(ENTITIES) in (None, [])
