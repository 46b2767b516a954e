"""Words the actions put inside replies: field labels and status names.

The replies themselves live in domain.yml; these are the pieces an action fills into
them (a summary line, a status), in the three languages of the `language` slot.
"""

from __future__ import annotations

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

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "lpg_delivery": {
        EN: "LPG cylinder not delivered",
        HI: "एलपीजी सिलेंडर की डिलीवरी नहीं हुई",
        HI_LATN: "LPG cylinder delivery nahi hui",
    },
    "lpg_booking": {
        EN: "LPG refill booking",
        HI: "एलपीजी रिफ़िल बुकिंग",
        HI_LATN: "LPG refill booking",
    },
    "lpg_overcharge": {
        EN: "LPG overcharging",
        HI: "एलपीजी पर ज़्यादा पैसे",
        HI_LATN: "LPG par zyada paise",
    },
    "lpg_short_weight": {
        EN: "LPG cylinder short weight",
        HI: "सिलेंडर में गैस कम",
        HI_LATN: "Cylinder mein gas kam",
    },
    "lpg_subsidy": {
        EN: "LPG subsidy not received",
        HI: "एलपीजी सब्सिडी नहीं मिली",
        HI_LATN: "LPG subsidy nahi mili",
    },
    "lpg_new_connection": {
        EN: "New LPG connection / Ujjwala",
        HI: "नया एलपीजी कनेक्शन / उज्ज्वला",
        HI_LATN: "Naya LPG connection / Ujjwala",
    },
    "lpg_kyc_otp": {
        EN: "LPG eKYC / delivery OTP",
        HI: "एलपीजी ई-केवाईसी / डिलीवरी ओटीपी",
        HI_LATN: "LPG eKYC / delivery OTP",
    },
    "lpg_distributor_conduct": {
        EN: "LPG distributor's conduct",
        HI: "गैस एजेंसी का व्यवहार",
        HI_LATN: "Gas agency ka vyavhaar",
    },
    "pump_short_delivery": {
        EN: "Less fuel at a petrol pump",
        HI: "पेट्रोल पंप पर कम तेल",
        HI_LATN: "Petrol pump par kam tel",
    },
    "pump_quality": {
        EN: "Fuel quality at a petrol pump",
        HI: "पेट्रोल पंप पर तेल की गुणवत्ता",
        HI_LATN: "Petrol pump par tel ki quality",
    },
    "pump_overcharge": {
        EN: "Overcharging at a petrol pump",
        HI: "पेट्रोल पंप पर ज़्यादा पैसे",
        HI_LATN: "Petrol pump par zyada paise",
    },
    "pump_stock": {
        EN: "No fuel at a petrol pump",
        HI: "पेट्रोल पंप पर तेल नहीं",
        HI_LATN: "Petrol pump par tel nahi",
    },
    "pump_amenities": {
        EN: "Petrol pump amenities",
        HI: "पेट्रोल पंप की सुविधाएँ",
        HI_LATN: "Petrol pump ki suvidhayein",
    },
    "pump_staff": {
        EN: "Petrol pump staff",
        HI: "पेट्रोल पंप कर्मचारी",
        HI_LATN: "Petrol pump staff",
    },
    "pump_payment": {
        EN: "Payment refused at a petrol pump",
        HI: "पेट्रोल पंप पर भुगतान से इनकार",
        HI_LATN: "Petrol pump par payment mana",
    },
    "cgd_billing": {EN: "PNG bill", HI: "पीएनजी बिल", HI_LATN: "PNG bill"},
    "cgd_connection": {
        EN: "PNG connection or supply",
        HI: "पीएनजी कनेक्शन या सप्लाई",
        HI_LATN: "PNG connection ya supply",
    },
    "cng_station": {EN: "CNG station", HI: "सीएनजी स्टेशन", HI_LATN: "CNG station"},
    "kerosene": {
        EN: "PDS kerosene",
        HI: "राशन का केरोसिन",
        HI_LATN: "Ration ka kerosene",
    },
    "other": {EN: "Other", HI: "अन्य", HI_LATN: "Anya"},
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
