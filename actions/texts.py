"""Words the actions put inside replies: field labels and status names.

The replies themselves live in domain.yml; these are the pieces an action fills into
them (a summary line, a status), in the three languages of the `language` slot.
"""

from __future__ import annotations

from actions import catalog

EN, HI, HI_LATN = "en", "hi", "hi-Latn"
LANGUAGES = (EN, HI, HI_LATN)

FIELD_LABELS: dict[str, dict[str, str]] = {
    "category": {EN: "Complaint", HI: "शिकायत", HI_LATN: "Shikayat"},
    "full_name": {EN: "Name", HI: "नाम", HI_LATN: "Naam"},
    "consumer_id": {EN: "Consumer ID", HI: "उपभोक्ता नंबर", HI_LATN: "Consumer number"},
    "location": {EN: "Place", HI: "जगह", HI_LATN: "Jagah"},
    "service_agency": {EN: "Gas agency", HI: "गैस एजेंसी", HI_LATN: "Gas agency"},
    "outlet_details": {
        EN: "Pump / outlet",
        HI: "पंप / दुकान",
        HI_LATN: "Pump / dukaan",
    },
    "company": {EN: "Company", HI: "कंपनी", HI_LATN: "Company"},
    "description": {EN: "What happened", HI: "क्या हुआ", HI_LATN: "Kya hua"},
    "priority": {EN: "Priority", HI: "प्राथमिकता", HI_LATN: "Priority"},
}

# How the bot names each complaint category (catalog/categories.yml).
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    code: entry["labels"] for code, entry in catalog.categories().items()
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "submitted": {EN: "received", HI: "प्राप्त हुई", HI_LATN: "prapt hui"},
    "assigned": {
        EN: "with an officer",
        HI: "अधिकारी को सौंपी गई",
        HI_LATN: "officer ko saunpi gayi",
    },
    "in_progress": {EN: "being worked on", HI: "कार्रवाई जारी", HI_LATN: "kaam jaari"},
    "awaiting_citizen": {
        EN: "waiting for your reply",
        HI: "आपके जवाब का इंतज़ार",
        HI_LATN: "aapke jawab ka intezaar",
    },
    "transferred": {
        EN: "sent on to the right office",
        HI: "सही कार्यालय को भेजी गई",
        HI_LATN: "sahi office ko bheji gayi",
    },
    "resolved": {EN: "resolved", HI: "हल हो गई", HI_LATN: "hal ho gayi"},
    "closed": {EN: "closed", HI: "बंद", HI_LATN: "band"},
    "rejected": {EN: "not taken up", HI: "स्वीकार नहीं हुई", HI_LATN: "sweekar nahi hui"},
    "duplicate": {
        EN: "merged with an earlier complaint",
        HI: "पहले की शिकायत में जोड़ी गई",
        HI_LATN: "pehle ki shikayat mein jodi gayi",
    },
    "withdrawn": {EN: "withdrawn", HI: "वापस ली गई", HI_LATN: "wapas li gayi"},
}

EXPECTED_BY = {
    EN: " Expected by: {date}.",
    HI: " अनुमानित तारीख़: {date}।",
    HI_LATN: " Anumaanit tareekh: {date}.",
}

PRIORITY_URGENT = {EN: "urgent", HI: "तत्काल", HI_LATN: "urgent"}


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else EN


def label(table: dict[str, dict[str, str]], key: str, language: str | None) -> str:
    """The `language` word for `key`, the English one if missing, else the key."""
    entry = table.get(key)
    if not entry:
        return key
    return entry.get(language_of(language)) or entry[EN]
