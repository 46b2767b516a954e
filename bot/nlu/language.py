"""The citizen's language of one message: `en`, `hi` (Devanagari) or `hi-Latn`.

Devanagari is recognised by its Unicode block. Romanized Hindi versus English comes
from two small word lists: Hindi function words and verb forms as people type them in
Latin letters ("nahi", "mera", "hua", "pe"), and English function words ("the", "my",
"not"). Words both languages use (cylinder, gas, booking, complaint, ok, hello,
please, help, sorry) count for neither. The confidence says how much the message shows its language: "ok", "👍",
"12345" or a bare name score 0, so the action server keeps the previous language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text import DEVANAGARI_LETTER, words

logger = logging.getLogger(__name__)

ENGLISH = "en"
HINDI = "hi"
HINGLISH = "hi-Latn"
LANGUAGE_KEY = "language"
CONFIDENCE_KEY = "language_confidence"

# Markers needed for full confidence; one marker word alone gives a third.
_FULL_EVIDENCE = 3
# A Hindi marker outweighs an English one: Hinglish borrows English words freely,
# English text almost never carries Hindi function words.
_HINDI_WEIGHT = 1.5

HINGLISH_WORDS = frozenset(
    """
    hai hain hei h ha hu hoon hun tha thi thay nahi nahin nhi nai nahee naa mat
    mera meri mere mra mri mujhe mujhko muje humko hamko hame hamara hamari hamare
    humara humari apna apni apne aap aapka aapki aapke ap apka tum tumhara tera teri
    hum ham woh wo yeh ye ya yaha yahan waha wahan kaha kahan kab kya kyu kyun kyon
    kaise kaisa kaun kitna kitni kitne jab tab toh abhi tak bhi aur lekin magar par
    pe ka ki ke ko se mein mai mujhse unka unki unke uska uski uske usko unko iska
    iski iske isko inka kuch koi sab sabhi bahut bohot bahot bht zyada jyada jada
    kam thoda hua hui hue hota hoti hote ho raha rahi rahe rha rhi rhe gaya gayi gaye
    gya gyi diya diye di liya liye lia kiya kiye kia karo karna karni karne karke
    krna krni krke kar kare karein karen kijiye kijie kariye dijiye dijie dena dene
    dedo lelo lena lene milta milti mila mili mile milega milegi milenge aaya aayi
    aaye aya ayi aata aati aate aana aaega aayega jata jati jaye jaa ja chahiye chahie
    chaiye wala wali wale vala vali vale bola boli bole bolta bolti bolte bolo batao
    bataye bataiye bata pata sakta sakti sakte skta skti sake bhej bhejo bheja bheji
    ji bhai bhaiya bhaisahab sahab saab haan haa han hanji acha accha achha theek thik
    thk sahi galat jaldi turant din dino hafte hafta mahine mahina saal ghar gaon
    paas baat bat kal aaj parso subah shaam raat paisa paise rupaye rupay rupiye
    dhanyavad dhanyawad shukriya namaste namaskar kripya krpya madad shikayat
    shikayaat chori lagta lagti dikkat pareshan pareshani band kholo kr rhe sirf
    gadi gaadi naya nayi purana purani wapas vapas dubara dobara abtak
    """.split()
)

ENGLISH_WORDS = frozenset(
    """
    the a an is are was were am be been being has have had does did doing done
    not dont didnt doesnt isnt wasnt cant cannot wont havent hasnt don didn doesn isn
    wasn haven hasn i im ive my me mine you your yours he she it its we our us they their them this that
    these those there here what when where why how who which whom of to for with from
    at on in into by about since until till yet still already again also and but or
    so if then than could would should will shall can may might must
    want need get got getting give given tell told ask asked asking no yes
    delivered received paid charged refused rejected booked waiting wait days weeks
    months today yesterday tomorrow morning evening night thank
    any some every all more less very too only just even nothing anyone someone
    """.split()
)


@dataclass(frozen=True)
class LanguageGuess:
    """A message's language and how sure the guess is (0..1)."""

    language: str
    confidence: float


def detect_language(text: str) -> LanguageGuess:
    """Guesses the language of one message from its script and its words."""
    all_words = words(text or "")
    devanagari = [word for word in all_words if DEVANAGARI_LETTER.search(word)]
    latin = [word.casefold() for word in all_words if word.isascii()]

    if devanagari and len(devanagari) >= 0.3 * (len(devanagari) + len(latin)):
        share = len(devanagari) / (len(devanagari) + len(latin))
        confidence = min(1.0, 0.5 + 0.25 * len(devanagari)) * min(1.0, share + 0.3)
        return LanguageGuess(HINDI, round(confidence, 2))

    hindi = sum(1 for word in latin if word in HINGLISH_WORDS)
    english = sum(1 for word in latin if word in ENGLISH_WORDS)
    if hindi == english == 0:
        return LanguageGuess(ENGLISH, 0.0)

    weighted_hindi = _HINDI_WEIGHT * hindi
    language = HINGLISH if weighted_hindi >= english else ENGLISH
    margin = abs(weighted_hindi - english) / (weighted_hindi + english)
    evidence = min(1.0, (hindi + english) / _FULL_EVIDENCE)
    return LanguageGuess(language, round(margin * evidence, 2))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class LanguageDetector(GraphComponent):
    """Adds `language` and `language_confidence` to every parse result."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates the detector (see the parent class)."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data needs no language: returned unchanged."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the two keys on every message that has text."""
        for message in messages:
            text = message.get(TEXT)
            if text is None:
                continue
            guess = detect_language(text)
            message.set(LANGUAGE_KEY, guess.language, add_to_output=True)
            message.set(CONFIDENCE_KEY, guess.confidence, add_to_output=True)
        return messages
