"""Deterministic digit entities: consumer ID, phone, PIN code, complaint reference.

Rules (docs/nlu.md, domain brief §2): Devanagari digits count as digits; a number may
be written in groups separated by one space, hyphen or dot. A 17-digit number is an
LPG ID; a 1-10 digit number right after a consumer-number keyword is a consumer
number; an Indian mobile number is a `phone`, never a consumer ID; six digits starting
1-9 are a PIN code unless the words before them name another kind of code or an amount.
The entity value is the normalised form; start and end index the original text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import regex
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.text import normalise_digits

logger = logging.getLogger(__name__)

CONSUMER_ID = "consumer_id"
PHONE = "phone"
PIN_CODE = "pin_code"
REFERENCE = "reference"
ENTITY_TYPES = (CONSUMER_ID, PHONE, PIN_CODE, REFERENCE)

# How far back the keyword in front of a number is looked for (characters).
_LOOKBACK = 48

# Punctuation and filler words allowed between a keyword and its number:
# "consumer no.: 45821", "consumer number hai 45821", "उपभोक्ता संख्या है 45821".
_GLUE = r"[\s.:#=\-–—]*(?:(?:is|hai|h|he|है|:-)[\s.:#=\-–—]*)?"
_LEFT = r"(?<![\p{L}\p{M}])"

_CONSUMER_KEYWORD = regex.compile(
    _LEFT + r"(?:"
    r"(?:consumer|consumar|cunsumer|customer|costumer|cust|cons|grahak|grahaak"
    r"|upbhokta|upbhogta|upabhokta|उपभोक्ता|ग्राहक|कंज्यूमर|कन्ज्यूमर|कंज़्यूमर)"
    r"(?:\s*(?:no|nos|number|num|nmbr|nbr|id|code|card\s*no|sankhya|sankhyaa"
    r"|kramank|संख्या|नंबर|नम्बर|क्रमांक|आईडी|आई\s*डी|सं))?"
    r"|lpg\s*id|एलपीजी\s*(?:आईडी|आई\s*डी)"
    r")" + _GLUE + r"\Z",
    regex.IGNORECASE,
)

_PIN_KEYWORD = regex.compile(
    _LEFT
    + r"(?:pin\s*code|pincode|pin|postal\s*code|zip|पिन\s*कोड|पिनकोड|पिन)"
    + _GLUE
    + r"\Z",
    regex.IGNORECASE,
)

# Words that say a number is some other code or an amount, so six digits after them
# are not a PIN code ("dealer code 102072", "OTP 482913", "Rs 100000").
_OTHER_NUMBER_KEYWORD = regex.compile(
    _LEFT + r"(?:code|dealer|outlet|booking|memo|bill|order|receipt|invoice|meter"
    r"|otp|dac|bp|ro|rs|inr|rupees?|rupaye|rupay|₹|कोड|बुकिंग|बिल|मीटर|ओटीपी|रुपये|रु)"
    r"(?:\s*(?:no|number|num|id))?" + _GLUE + r"\Z",
    regex.IGNORECASE,
)
_UNIT_AFTER = regex.compile(
    r"\A\s*(?:rs|rupees?|rupaye|rupay|₹|/-|ltr|litres?|liters?|kg|km|रुपये|रु|लीटर)"
    r"(?![\p{L}\p{M}])",
    regex.IGNORECASE,
)

_REFERENCE = regex.compile(
    r"(?<![\p{L}\p{M}\p{N}])mopng\s*[-–/]?\s*(\d{4})\s*[-–/]?\s*(\d{1,6})(?![\p{N}])",
    regex.IGNORECASE,
)

# A run of digit groups joined by one space, hyphen or dot: "7100 0000-1234.56789".
_DIGIT_RUN = regex.compile(r"(?<![\p{N}\p{L}\p{M}])\d+(?:[ \-.]\d+)*(?![\p{N}])")
_DIGIT_GROUP = regex.compile(r"\d+")


@dataclass(frozen=True)
class Identifier:
    """One recognised identifier: its entity type, normalised value and span."""

    entity: str
    value: str
    start: int
    end: int


def _phone_digits(digits: str) -> str | None:
    """The ten digits of an Indian mobile number, with +91/91/0 prefixes removed."""
    if len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) == 10 and digits[0] in "6789":
        return digits
    return None


def _classify(digits: str, before: str, after: str) -> tuple[str, str] | None:
    """The entity type and value of a number, given the text around it."""
    if _CONSUMER_KEYWORD.search(before) and (len(digits) <= 10 or len(digits) == 17):
        return CONSUMER_ID, digits
    if len(digits) == 17:
        return CONSUMER_ID, digits

    phone = _phone_digits(digits)
    if phone:
        return PHONE, phone

    if len(digits) == 6 and digits[0] != "0":
        if _PIN_KEYWORD.search(before):
            return PIN_CODE, digits
        if _OTHER_NUMBER_KEYWORD.search(before) or _UNIT_AFTER.match(after):
            return None
        return PIN_CODE, digits
    return None


def _segment_run(text: str, run_start: int, run: str) -> list[Identifier]:
    """Splits a run of digit groups into identifiers, longest valid piece first."""
    groups = [
        (run_start + m.start(), run_start + m.end()) for m in _DIGIT_GROUP.finditer(run)
    ]
    found: list[Identifier] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            start, end = groups[i][0], groups[j - 1][1]
            digits = "".join(text[s:e] for s, e in groups[i:j])
            before = text[max(0, start - _LOOKBACK) : start]
            if before.endswith("+") and _phone_digits(digits):
                before = before[:-1]
                start -= 1
            result = _classify(digits, before, text[end : end + 12])
            if result:
                found.append(Identifier(result[0], result[1], start, end))
                i = j
                break
        else:
            i += 1
    return found


def find_identifiers(text: str) -> list[Identifier]:
    """Every identifier in `text`, in order of position."""
    normalised = normalise_digits(text)
    found: list[Identifier] = []

    masked = list(normalised)
    for match in _REFERENCE.finditer(normalised):
        year, number = match.group(1), match.group(2)
        value = f"MOPNG-{year}-{number.zfill(6)}"
        found.append(Identifier(REFERENCE, value, match.start(), match.end()))
        masked[match.start() : match.end()] = " " * (match.end() - match.start())

    scan = "".join(masked)
    for match in _DIGIT_RUN.finditer(scan):
        found.extend(_segment_run(scan, match.start(), match.group()))

    return sorted(found, key=lambda item: item.start)


def _inside(entity: dict[str, Any], spans: list[tuple[int, int]]) -> bool:
    """Whether the entity's span lies within one of `spans`."""
    start, end = entity.get("start"), entity.get("end")
    if start is None or end is None:
        return False
    return any(
        span_start <= start and end <= span_end for span_start, span_end in spans
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class IdentifierExtractor(GraphComponent, EntityExtractorMixin):
    """Adds consumer_id, phone, pin_code and reference entities found by rule."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options: the rules are the domain's."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IdentifierExtractor:
        """Creates the extractor (see the parent class)."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the identifiers of each message to its entities.

        Entities of other extractors that lie within a recognised number (DIET
        taking digits for a name or place) are dropped: the digits are ours.
        """
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            identifiers = find_identifiers(text)
            if not identifiers:
                continue

            spans = [(item.start, item.end) for item in identifiers]
            kept = [
                entity
                for entity in message.get(ENTITIES, [])
                if entity.get("entity") not in ENTITY_TYPES
                and not _inside(entity, spans)
            ]
            added = [
                {
                    "entity": item.entity,
                    "value": item.value,
                    "start": item.start,
                    "end": item.end,
                    "confidence_entity": 1.0,
                }
                for item in identifiers
            ]
            message.set(
                ENTITIES, kept + self.add_extractor_name(added), add_to_output=True
            )
        return messages
