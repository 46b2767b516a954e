"""Public replies to posts that mention the desk on X: a short acknowledgement and a
link to continue in direct messages; never a request for personal details in public.
When the post itself shows a consumer ID or a phone number, the reply asks the citizen
to delete it."""

from __future__ import annotations

import regex

from bot.channels.text import guess_language

# A 17-digit LPG ID or a 10-digit mobile number (optionally +91/0 and spaced), after
# Devanagari digits are read as ASCII; any other long run of digits counts too.
_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_PERSONAL_NUMBER = regex.compile(
    r"(?<!\d)(?:\d[\s.-]?){16}\d(?!\d)"
    r"|(?<!\d)(?:\+?91[\s-]?|0)?[6-9]\d{4}[\s-]?\d{5}(?!\d)"
    r"|(?<!\d)\d{10,}(?!\d)"
)

REPLIES = {
    "ack": {
        "en": (
            "Thank you for writing to us. To register your complaint, please send us "
            "a direct message and we will take the details there. Please do not post "
            "personal details in public."
        ),
        "hi": (
            "हमें लिखने के लिए धन्यवाद। शिकायत दर्ज करने के लिए कृपया हमें डायरेक्ट "
            "मैसेज भेजें, विवरण हम वहीं लेंगे। कृपया अपनी निजी जानकारी सार्वजनिक रूप से "
            "न लिखें।"
        ),
        "hi-Latn": (
            "Humein likhne ke liye dhanyavaad. Complaint darj karne ke liye kripya "
            "humein direct message bhejein, details hum wahin lenge. Apni personal "
            "jaankari public mein na likhein."
        ),
    },
    "delete": {
        "en": (
            "Thank you. Your post seems to show a consumer number or a phone number: "
            "please delete it, and send us a direct message to continue safely."
        ),
        "hi": (
            "धन्यवाद। आपकी पोस्ट में उपभोक्ता संख्या या फ़ोन नंबर दिख रहा है: कृपया "
            "उसे हटा दें और सुरक्षित रूप से आगे बात करने के लिए हमें डायरेक्ट मैसेज भेजें।"
        ),
        "hi-Latn": (
            "Dhanyavaad. Aapki post mein consumer number ya phone number dikh raha hai: "
            "kripya use delete karein aur aage baat karne ke liye humein direct "
            "message bhejein."
        ),
    },
}


def has_personal_number(text: str) -> bool:
    """Whether a public post shows something like a consumer ID or a phone number."""
    return bool(_PERSONAL_NUMBER.search(text.translate(_DIGITS)))


def dm_link(desk_user_id: str) -> str:
    """X's deep link that opens a direct message to the desk (last in the post, so
    X shows a "Send a private message" button)."""
    return f"https://twitter.com/messages/compose?recipient_id={desk_user_id}"


def public_reply(post_text: str, desk_user_id: str) -> str:
    kind = "delete" if has_personal_number(post_text) else "ack"
    language = guess_language(post_text)
    return f"{REPLIES[kind][language]} {dm_link(desk_user_id)}"
