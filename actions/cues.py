"""Complaint cues: words that say plainly what went wrong, whatever the NLU read.

A message that carries the citizen's details and the complaint at once ("Main Sunita
Devi, consumer no ..., Rohtak se hoon. Shree Ganesh Gas ne delivery nahi ki") is
sometimes read as `inform`. When such a message also carries an explicit cue (a
cylinder not delivered, a booking refused, a bribe asked), the category comes from the
cue instead of being asked. Only clear phrases count, in English, Hindi (Devanagari)
and Hinglish; a message that names both an LPG and a petrol-pump context has no
category here. Matching uses the `regex` module so Devanagari vowel signs stay inside
words.
"""

from __future__ import annotations

import regex

# Whole words: no letter or vowel sign right before or after.
_START = r"(?<![\p{L}\p{M}])"
_END = r"(?![\p{L}\p{M}])"


def whole_words(*alternatives: str) -> regex.Pattern[str]:
    """Any of `alternatives` as whole words, ignoring case (Devanagari too)."""
    return regex.compile(
        _START + "(?:" + "|".join(alternatives) + ")" + _END, regex.IGNORECASE
    )


LPG_CONTEXT = whole_words(
    r"cylinders?",
    r"cylender",
    r"silind[ea]r",
    r"sil[ei]nder",
    r"refill",
    r"lpg",
    r"gas\s+agency",
    r"agency",
    r"distributors?",
    r"gas",
    r"indane",
    r"bharat\s*gas",
    r"hp\s*gas",
    r"सिलेंडर",
    r"सिलिंडर",
    r"रिफिल",
    r"एलपीजी",
    r"गैस",
    r"एजेंसी",
    r"वितरक",
    r"डिस्ट्रीब्यूटर",
    r"इंडेन",
)
PUMP_CONTEXT = whole_words(
    r"petrol",
    r"diesel",
    r"pump",
    r"fuel",
    r"nozzle",
    r"पेट्रोल",
    r"डीज़ल",
    r"डीजल",
    r"पंप",
)
CITY_GAS_CONTEXT = whole_words(
    r"png",
    r"cng",
    r"pipe(?:d|line)?\s+gas",
    r"pipeline",
    r"gas\s+meter",
    r"gas\s+bill",
    r"पीएनजी",
    r"सीएनजी",
    r"पाइप\s*लाइन",
)
KEROSENE_CONTEXT = whole_words(
    r"kerosene",
    r"mitti\s+ka\s+tel",
    r"mitti\s+tel",
    r"केरोसिन",
    r"मिट्टी\s+का\s+तेल",
)

# Bribery and black-marketing (also the handoff trigger of actions/handoff.py). Not
# "ghus", which in Hinglish mostly means "got in" ("paani ghus gaya").
CORRUPTION = whole_words(
    r"brib\w*",
    r"kickbacks?",
    r"black[- ]?market\w*",
    r"(?:sells?|selling|sold)\s+(?:\w+\s+){0,3}in\s+(?:the\s+)?black",
    r"black\s+(?:me|mein|main|mai)\s+(?:\w+\s+)?(?:bech\w*|bik\w*|de\w*)",
    r"ri[sś]h?wat\w*",
    r"rishvat\w*",
    r"ghoos\w*",
    r"kaa?la\s*baa?zaa?ri",
    r"रिश्वत\w*",
    r"घूस\w*",
    r"काला\s*बाज़ारी",
    r"काला\s*बाजारी",
    r"कालाबाज़ारी",
    r"कालाबाजारी",
    r"ब्लैक\s+(?:में|मार्केटिंग|मार्केट)",
)

_BOOKING_FAILED = whole_words(
    r"booking\s+(?:nahi|nahin|nhi|not|fail\w*|reject\w*|cancel\w*)",
    r"book\s+(?:nahi|nahin|nhi)\s+ho",
    r"(?:can\s*not|cannot|can't|unable\s+to|not\s+able\s+to)\s+book",
    r"बुकिंग\s+(?:नहीं|नही|फेल|रद्द)",
    r"बुक\s+(?:नहीं|नही)\s+हो",
)
_SUBSIDY = whole_words(r"subsidy", r"pahal", r"dbtl?", r"सब्सिडी", r"सबसिडी")
_NEW_CONNECTION = whole_words(
    r"new\s+connection",
    r"naya\s+connection",
    r"ujjwala",
    r"pmuy",
    r"नया\s+कनेक्शन",
    r"नए\s+कनेक्शन",
    r"उज्ज्वला",
)
_KYC_OTP = whole_words(r"e?kyc", r"otp", r"dac", r"ई?केवाईसी", r"ओटीपी")
_NOT_DELIVERED = whole_words(
    r"delivery\s+(?:nahi|nahin|nhi|na|not)",
    r"(?:nahi|nahin|nhi)\s+(?:aaya|aya|aayi|aai|mila|mili|pahunch\w*|pahuch\w*)",
    r"(?:cylinder|silinder|refill)\s+(?:\w+\s+){0,2}(?:nahi|nahin|nhi)\s+"
    r"(?:diya|di|de\s+rah\w*|deta|dete)",
    r"(?:not|never|(?:did|does|has|have|had|was|is|were)n['’]t)\s+"
    r"(?:been\s+|yet\s+|even\s+)?(?:delivered|received|come|came|arrived|deliver|"
    r"arrive)",
    r"no\s+delivery",
    r"(?:नहीं|नही)\s+(?:आया|आई|मिला|मिली|पहुँचा|पहुंचा)",
    r"(?:सिलेंडर|सिलिंडर)\s+(?:\S+\s+){0,2}(?:नहीं|नही)\s+(?:दिया|दी|दे\s+रह\S*)",
    r"डिलीवरी\s+(?:नहीं|नही)",
)
_OVERCHARGED = whole_words(
    r"(?:zyada|jyada|zyaada|extra)\s+(?:paise|paisa|rupaye|rupees|charge\w*|liye|"
    r"maange|mange)",
    r"over\s*charg\w*",
    r"(?:charged|took|asked)\s+(?:me\s+)?(?:more|extra)",
    r"(?:ज़्यादा|ज्यादा|अधिक|एक्स्ट्रा)\s+(?:पैसे|रुपये|रुपए|पैसा|चार्ज|लिए|मांगे|माँगे)",
)


def category_from_cues(text: str | None) -> str | None:
    """The complaint category a message states outright, or None."""
    if not text:
        return None
    lpg = bool(LPG_CONTEXT.search(text))
    pump = bool(PUMP_CONTEXT.search(text))
    if KEROSENE_CONTEXT.search(text) and not (lpg or pump):
        return "kerosene"
    if lpg == pump or CITY_GAS_CONTEXT.search(text):
        return None  # neither, or more than one: not plain enough

    if CORRUPTION.search(text):
        return "lpg_distributor_conduct" if lpg else "pump_staff"
    if pump:
        return None  # the pump's categories are many; the NLU or the question decide
    if _BOOKING_FAILED.search(text):
        return "lpg_booking"
    for cue, category in (
        (_SUBSIDY, "lpg_subsidy"),
        (_NEW_CONNECTION, "lpg_new_connection"),
        (_KYC_OTP, "lpg_kyc_otp"),
        (_OVERCHARGED, "lpg_overcharge"),
    ):
        if cue.search(text):
            return category
    if _NOT_DELIVERED.search(text):
        return "lpg_delivery"
    return None


def alleges_corruption(text: str | None) -> bool:
    """An allegation of bribery or black-marketing, in any of the three languages."""
    return bool(text and CORRUPTION.search(text))
