"""Slots filled after every message: `language`, and the end of an emergency offer.

The NLU's LanguageDetector puts `language` (en, hi, hi-Latn) and `language_confidence`
into each parse result (docs/architecture.md, "Language"). A message that says little
about its language (digits, "ok", an emoji, a name) keeps the previous one; a switch
needs a confident reading of a message with real words.
"""

from __future__ import annotations

import logging
from typing import Any

import regex
from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.texts import LANGUAGES
from actions.tracking import latest_intent, latest_text

logger = logging.getLogger(__name__)

SWITCH_CONFIDENCE = 0.7
_DEVANAGARI_WORD = regex.compile(r"[\u0900-\u097F]{2,}")
_LATIN_WORD = regex.compile(r"[A-Za-z]{2,}")
# Answers to these questions are mostly proper nouns, which say little about language.
_NAME_LIKE_QUESTIONS = {
    "full_name",
    "location",
    "service_agency",
    "outlet_details",
    "company",
    "consumer_id",
}


def detected_language(
    text: str,
    detected: Any,
    confidence: float,
    current: str | None,
    requested_slot: str | None,
) -> str | None:
    """The language to switch to, or None to keep the current one."""
    if detected not in LANGUAGES or detected == current:
        return None
    devanagari = len(_DEVANAGARI_WORD.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    if devanagari == 0 and latin == 0:
        return None
    if current is None:
        return str(detected)
    if confidence < SWITCH_CONFIDENCE:
        return None
    if detected == "hi":
        return "hi" if devanagari >= 1 and devanagari >= latin else None
    if devanagari > latin:
        return None
    words_needed = 3 if requested_slot in _NAME_LIKE_QUESTIONS else 2
    return str(detected) if latin >= words_needed else None


class ValidateSlotMappings(ValidationAction):
    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return ["language", "emergency_offered"]

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = tracker.latest_message
        try:
            confidence = float(message.get("language_confidence") or 0.0)
        except (TypeError, ValueError):
            confidence = 0.0
        language = detected_language(
            latest_text(tracker),
            message.get("language"),
            confidence,
            tracker.get_slot("language"),
            tracker.get_slot("requested_slot"),
        )
        if language is None:
            return {}
        logger.debug("conversation %s: language %s", tracker.sender_id, language)
        return {"language": language}

    async def extract_emergency_offered(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The offer to file after an emergency stands only for a yes or no."""
        intent = latest_intent(tracker) or ""
        answers = intent in ("affirm", "deny", "file_complaint", "request_human")
        if tracker.get_slot("emergency_offered") and not (
            answers or intent.startswith("complain_")
        ):
            return {"emergency_offered": None}
        return {}

    def validate_emergency_offered(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        return {"emergency_offered": value}

    def validate_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, _: Any
    ) -> dict[str, Any]:
        return {"language": value if value in LANGUAGES else None}
