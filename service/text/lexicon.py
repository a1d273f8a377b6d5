"""Language data: what the checks know of each language's words, in one place.

English's tables are written here (number words, function words, meaning words); other languages
come from Snowball's stemmers (snowballstemmer), stop words (stopwords.json) and meaning words
(meaning_words.json, written for Briefly from each language's grammar). A language with none of
these is still read: word for word, every word content. Also here: reading a text into words and
stems the way the checks compare them (``tokenise``, ``words``) and the per-language view the
scoped checks take (:class:`Lexicon`).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import snowballstemmer

from service.text.language import DEFAULT_LANGUAGE
from service.text.words import ENGLISH_TOKEN, bigrams, fold, plain, runs

NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}
# Capitalised only because they start a sentence: never names.
FUNCTION_WORDS = {
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "although",
    "am",
    "an",
    "and",
    "another",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "either",
    "even",
    "every",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "later",
    "let",
    "many",
    "may",
    "me",
    "meanwhile",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "neither",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "per",
    "same",
    "several",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "therefore",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
}
# ISO 639-1 -> Snowball algorithm (snowballstemmer.algorithms()); English keeps ``stem``'s light stemmer.
SNOWBALL = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "nl": "dutch",
    "eo": "esperanto",
    "et": "estonian",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "fa": "persian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "st": "sesotho",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
# Languages that write a decimal comma and group thousands with "." or a space ("1.000,5"); the
# rest write numbers as English does ("1,000.5").
DECIMAL_COMMA = frozenset(
    "de fr es it pt nl ru uk be bg pl cs sk sl hr sr bs ro hu da no nb nn sv fi et lv lt el tr id vi".split()
)
# Clitics Snowball leaves on, rewritten before stemming: Arabic's "and the", "with the", "as the", "for
# the" (وال, فال, بال, كال, لل) -> "the" (ال), so "بالخطة" is "الخطة".
CLITICS: dict[str, tuple[tuple[str, str], ...]] = {
    "arabic": (("وال", "ال"), ("فال", "ال"), ("بال", "ال"), ("كال", "ال"), ("لل", "ال"))
}
_STOP_WORDS_FILE = Path(__file__).with_name("stopwords.json")
# A character whose loss reverses a claim: a bigram skipping it is no paraphrase ("他不同意" is not "他同意").
UNSKIPPABLE = frozenset("不没沒未无無非别別勿莫否안못")


@dataclass(frozen=True)
class LanguageRules:
    """What the checks need to know of a language: its stemmer, stop words and number format."""

    code: str
    stemmer: str | None  # a Snowball algorithm, or None: words compared as written
    stop_words: frozenset[str]
    decimal_comma: bool

    @property
    def english(self) -> bool:
        return self.code == DEFAULT_LANGUAGE


@functools.cache
def _stop_words() -> dict[str, frozenset[str]]:
    table = json.loads(_STOP_WORDS_FILE.read_text(encoding="utf-8"))
    return {code: frozenset(plain(w) for w in words.split()) for code, words in table.items() if code != "_source"}


@functools.cache
def rules_for(code: str) -> LanguageRules:
    """The checks' view of ``code`` ("de", "de-AT", "zh_Hant"): any code works; one without a stemmer
    or stop words is compared word for word, all its words content."""
    base = code.strip().lower().replace("_", "-").split("-")[0] or DEFAULT_LANGUAGE
    return LanguageRules(base, SNOWBALL.get(base), _stop_words().get(base, frozenset()), base in DECIMAL_COMMA)


def stem(token: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A light stemmer for English: enough that a title-cased "Captures" matches "captured".
    Other languages: Snowball's stemmer where it has one, accents dropped after stemming."""
    lang = rules_for(language)
    if lang.english:
        for suffix in ("ing", "ed", "es", "s"):
            if token.endswith(suffix) and len(token) - len(suffix) >= 3:
                return token[: -len(suffix)]
        return token
    return _snowball(token, lang.stemmer)


_THREAD = threading.local()  # Snowball stemmers keep state between calls: one per thread


@functools.lru_cache(maxsize=1 << 16)
def _snowball(token: str, algorithm: str | None) -> str:
    if algorithm is None or token.isdigit():
        return plain(token)
    stemmers: dict[str, snowballstemmer.Stemmer] = _THREAD.__dict__.setdefault("stemmers", {})
    if algorithm not in stemmers:
        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    for clitic, replacement in CLITICS.get(algorithm, ()):
        if token.startswith(clitic) and len(token) > len(clitic) + 1:
            token = replacement + token[len(clitic) :]
            break
    return plain(stemmers[algorithm].stemWord(token))


def tokenise(text: str, language: str = DEFAULT_LANGUAGE) -> list[tuple[str, str]]:
    """The words of ``text`` as (word, stem) pairs, in order: folded and lower-cased words, and their
    stems; in Chinese, Japanese, Korean and Thai script, overlapping character bigrams (both)."""
    lang = rules_for(language)
    if lang.english:
        return [(t, stem(t)) for t in ENGLISH_TOKEN.findall(fold(text))]
    return [(word, root) for _, word, root in read_words(text, lang)]


def read_words(text: str, lang: LanguageRules) -> list[tuple[str, str, str]]:
    """(as written but lower-cased, folded, stem) for each word of ``text`` in a language other than English."""
    found: list[tuple[str, str, str]] = []
    for run, unspaced in runs(text):
        if unspaced:
            found += [(gram, gram, gram) for gram in bigrams(run)]
        else:
            found.append((run, plain(run), _snowball(run, lang.stemmer)))
    return found


def is_content(word: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether a (folded) word carries content: not a function word; outside English, not a single letter."""
    lang = rules_for(language)
    if lang.english:
        return word not in FUNCTION_WORDS
    return word.isdigit() or (len(word) >= 2 and word not in lang.stop_words)


def content_tokens(text: str, language: str = DEFAULT_LANGUAGE) -> set[str]:
    """Stemmed words that carry content (function words dropped)."""
    if rules_for(language).english:
        return {stem(t) for t in ENGLISH_TOKEN.findall(fold(text)) if t not in FUNCTION_WORDS}
    return {root for word, root in tokenise(text, language) if is_content(word, language)}


# ---------------------------------------------------------------- meaning words
# Words whose loss or addition changes what a sentence claims, by kind; multi-word entries are matched
# as phrases. A lookup table, so a language adds its own rows (meaning_words.json).


def _listed(phrases: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in phrases.split(","))


MEANING_WORDS: dict[str, tuple[str, ...]] = {
    "negation": _listed("not, no, never, without, nor, none, neither, nobody, nothing, cannot"),
    "hedge": _listed(
        "at least, at most, more than, less than, fewer than, up to, as many as, about, around, nearly, almost, "
        "approximately, roughly, some, over, under, only, reportedly, allegedly, possibly, probably, likely, estimated"
    ),
    "modal": _listed("may, might, could, would, should, can, must, will"),
    "time": _listed(
        "last week, last month, last year, next week, next month, next year, this week, yesterday, today, tomorrow, "
        "tonight, earlier, later, ago, recently, previous week, monday, tuesday, wednesday, thursday, friday, "
        "saturday, sunday, weekend, morning, afternoon, evening, night, january, february, march, april, june, "
        "july, august, september, october, november, december, spring, summer, autumn, winter"
    ),
    "connective": _listed(
        "because, after, before, since, so, therefore, although, though, despite, until, unless, if, then, thus, "
        "hence, due to, as a result, following"
    ),
}
# Phrases of one kind that say the same thing: "about 280,000" restates "approximately 280,000".
SAME_MEANING = {
    "around": "about",
    "approximately": "about",
    "roughly": "about",
    "some": "about",
    "estimated": "about",
    "almost": "nearly",
    "more than": "over",
    "less than": "under",
    "fewer than": "under",
}
# Words that open a clause of their own: a sentence that keeps nothing from one onwards deleted that
# clause whole, and the meaning words inside it with it ("…on Thursday but there were concerns it would
# default" -> "…on Thursday"). Not "if", "unless", "until": without its condition a claim is unconditional.
CLAUSE_OPENERS = frozenset(
    _listed(
        "because, after, before, since, so, therefore, although, though, despite, following, thus, hence, "
        "but, and, while, whereas, as, when, which, who, whose, where, amid"
    )
)
# Words that carry no claim of their own (negations and modals are checked as meaning words instead).
_NOT_CONTENT = FUNCTION_WORDS | set(MEANING_WORDS["negation"]) | set(MEANING_WORDS["modal"])
_TIME_WORDS = {w for phrase in MEANING_WORDS["time"] for w in phrase.split()}
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CHUNK_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s")
_WIDE_CHUNK_BREAK = re.compile(r"[,;:()\[\]—–，；：（）、]|\s-\s")  # with the CJK marks
_POSSESSIVE = re.compile(r"'s$")  # "yesterday's report" is a report of yesterday
_CONTRACTIONS = {"can't": "can not", "won't": "will not", "n't": " not"}
_MEANING_WORDS_FILE = Path(__file__).with_name("meaning_words.json")


def folded_words(text: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Folded words, contractions opened ("didn't" -> "did not") so a dropped negation is a word.
    Other languages: :func:`tokenise`'s words (accents dropped; CJK in character bigrams)."""
    if not rules_for(language).english:
        return [word for word, _ in tokenise(text, language)]
    folded = fold(text).replace("’", "'")
    for short, full in _CONTRACTIONS.items():
        folded = folded.replace(short, full)
    return [_POSSESSIVE.sub("", w) for w in _WORD.findall(folded)]


@dataclass(frozen=True)
class Lexicon:
    """One language's meaning words, clause openers and content test. English reads them as written
    (the tables above); other languages by stem (meaning_words.json), so "keinen" is "kein"."""

    language: str
    english: bool
    meaning: dict[str, tuple[str, ...]]  # kind -> phrases, as keys (below)
    same_meaning: dict[str, str]  # a phrase's key -> the phrase it is reported as
    openers: frozenset[str]
    not_content: frozenset[str]
    time_words: frozenset[str]
    chunk_break: re.Pattern[str]

    def read(self, text: str) -> tuple[list[str], list[str]]:
        """``text``'s words and their stems."""
        if self.english:
            tokens = folded_words(text)
            return tokens, [stem(t) for t in tokens]
        pairs = tokenise(text, self.language)
        return [w for w, _ in pairs], [st for _, st in pairs]

    def keys(self, tokens: list[str], stems: list[str]) -> list[str]:
        """What meaning words are matched on: English words as written, other languages' stems."""
        return tokens if self.english else stems

    def carries_content(self, token: str, key: str) -> bool:
        if self.english:
            return token not in _NOT_CONTENT
        return is_content(token, self.language) and key not in self.not_content

    def is_function(self, token: str) -> bool:
        return token in FUNCTION_WORDS if self.english else not is_content(token, self.language)


@functools.cache
def _meaning_tables() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = json.loads(_MEANING_WORDS_FILE.read_text(encoding="utf-8"))
    return table


@functools.cache
def lexicon(language: str) -> Lexicon:
    """The lexicon of ``language`` (any ISO 639-1 code): English's tables, a row of
    meaning_words.json, or for a language with none no meaning words at all (its other checks stand)."""
    rules = rules_for(language)
    code = rules.code
    if rules.english:
        return Lexicon(
            code,
            True,
            MEANING_WORDS,
            SAME_MEANING,
            CLAUSE_OPENERS,
            frozenset(_NOT_CONTENT),
            frozenset(_TIME_WORDS),
            _CHUNK_BREAK,
        )
    rows = _meaning_tables().get(code, {})

    def key(phrase: str) -> str:
        return " ".join(st for _, st in tokenise(phrase, code))

    meaning: dict[str, tuple[str, ...]] = {}
    shown: dict[str, str] = {}
    for kind in MEANING_WORDS:
        phrases = [p for p in _listed(rows.get(kind, "")) if p]
        meaning[kind] = tuple(dict.fromkeys(key(p) for p in phrases))
        for p in phrases:
            shown.setdefault(key(p), " ".join(folded_words(p, code)))
    quiet = {k for kind in ("negation", "modal") for k in meaning[kind] if " " not in k}
    times = {part for phrase in meaning["time"] for part in phrase.split()}
    openers = {key(p) for p in _listed(rows.get("opener", "")) if p}
    return Lexicon(
        code, False, meaning, shown, frozenset(openers), frozenset(quiet), frozenset(times), _WIDE_CHUNK_BREAK
    )


def phrases(keys: list[str], kind: str, lex: Lexicon) -> list[tuple[int, str]]:
    """(position, phrase) of every meaning word of ``kind`` in a list of words' keys."""
    return [(start, phrase) for start, _, phrase in phrase_spans(keys, kind, lex)]


def phrase_spans(keys: list[str], kind: str, lex: Lexicon) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of every meaning word of ``kind``: where it stands, so a caller can tell
    what comes right after it ("at least" before "500"), and its meaning's one spelling."""
    found = []
    for phrase in lex.meaning[kind]:
        parts = phrase.split()
        for i in range(len(keys) - len(parts) + 1):
            if keys[i : i + len(parts)] == parts:
                found.append((i, phrase))
    # One phrase per place: the longest at a position, and none that starts inside it.
    found.sort(key=lambda item: (item[0], -len(item[1])))
    kept: list[tuple[int, str]] = []
    for pos, phrase in found:
        if not kept or pos >= kept[-1][0] + len(kept[-1][1].split()):
            kept.append((pos, phrase))
    return [(pos, pos + len(phrase.split()), lex.same_meaning.get(phrase, phrase)) for pos, phrase in kept]


# ---------------------------------------------------------------- English clause grammar (text/clauses.py)
# A clause cannot end on these: a cut after one leaves a dangling phrase ("99 of.", "calls, even.").
DANGLING_WORDS = frozenset(
    "a an the this that these those its their his her our your my some any each every no all both either "
    "of in on at to for from by with about into onto over under between among through during per than as "
    "like against toward towards near within without upon via and or but nor so yet if whether "
    "many much most more less several few even also only just not very is are was were be been being "
    "has have had will would can could may might should must do does did able unable going".split()
)
# Words that open an adverbial or subordinate phrase: a head made only of one is no sentence.
OPENERS = frozenset(
    "after although amid as at because before by despite during following for from if in into like "
    "on over since though through throughout under unless until upon when whereas while with within "
    "without according earlier later meanwhile however also still yet instead due thanks owing given unlike".split()
)
# Verbs without a regular ending, and auxiliaries: enough to tell a clause from a noun phrase.
VERB_FORMS = frozenset(
    "is are was were be been am has have had do does did will would can could may might shall should must "
    "said says say told tells took takes take made makes make went goes go came comes come got gets get gave "
    "gives give found finds find left leaves leave fell falls fall fled flees flee hit hits struck strikes "
    "began begins begin won wins win lost loses lose led leads lead met meets meet ran runs run saw sees see "
    "sent sends send set sets spent spends stood stands kept keeps held holds brought brings bought buys "
    "built builds caught catches chose chooses drew draws drove drives fought fights felt feels grew grows "
    "heard hears hid knew knows laid lays lay paid pays put puts rose rises sold sells shot shoots shut "
    "sought seeks spoke speaks stole swore taught thought thinks threw throws understood wore wrote writes "
    "broke breaks became becomes cut cuts let lets mean means meant needs wants faces faced remains "
    "continues seems appears plans warns urges calls shows owns uses helps beat bet bid burst cost hurt quit "
    "read shed split spread sank sang rang swam flew drank ate forgot froze bit hung slid stuck swung woke "
    "withdrew overcame undertook dealt dug fed forbade lent lit meant rode shook shone slept spun sprang "
    "stung stank strove swept tore trod wound wants needs remains seems appears lies sits stands looks "
    "expects hopes believes thinks knows plays wins loses rises falls grows holds keeps brings "
    "faces leads gets gives goes comes runs sees sends sets tries works lives dies kills opens closes "
    "starts ends moves pays buys sells asks offers allows agrees denies admits insists argues suggests "
    "reports claims announces confirms describes accuses charges".split()
)
TIME_PHRASE_WORDS = frozenset(
    "last this next past early earlier late later on in at the a of week weeks month months year years day days "
    "yesterday today tomorrow tonight monday tuesday wednesday thursday friday saturday sunday weekend morning "
    "afternoon evening night january february march april may june july august september october november "
    "december spring summer autumn fall winter decade century ago recently".split()
)
COORDINATORS = frozenset("and or but nor".split())
SUBORDINATORS = frozenset(
    "while although though if because when whereas since as unless until after before once".split()
)
RELATIVES = frozenset("which who whom whose where when".split())

# ---------------------------------------------------------------- words that point back (text/standalone.py)
# What a sentence may not open with if it is to stand alone: a pronoun or demonstrative whose referent
# is in an earlier sentence ("It comes just one day...", "This city holds..."), or a connective that
# continues one ("However, ...", "The following morning ..."). Phrases are matched on the sentence's
# first words, lower-cased; a leading adverbial ("On Thursday, he said") is looked past.
_EN_POINTERS = (
    "he, she, it, they, him, them, we, us, i, you, his, its, their, our, my, your, this, that, these, those, such, "
    "here, the former, the latter, the pair, the duo, the trio, the couple, the move, the same, "
    "the decision, the incident, the announcement, the comments, the remarks, the news, the report, the plan, "
    "the deal, the claim, the claims, the figures, the findings, the study, the latter's, the former's"
)
_EN_CONTINUERS = (
    "also, however, but, and, or, yet, still, meanwhile, instead, moreover, furthermore, besides, nevertheless, "
    "nonetheless, therefore, thus, hence, consequently, likewise, similarly, otherwise, then, afterwards, "
    "afterward, subsequently, additionally, in addition, as a result, in turn, for example, for instance, "
    "on the other hand, by contrast, in contrast, at the same time, even so, after that, before that, since then, "
    "until then, by then, the following day, the following morning, the following week, the following year, "
    "the next day, the next morning, the next week, the day before, the day after, that day, that night, "
    "that morning, that evening, that week, that year, days later, hours later, weeks later, months later, "
    "years later, a day later, a week later, shortly after, shortly afterwards, soon after, soon afterwards, "
    "later that, earlier that"
)
BACK_REFERENCES: dict[str, tuple[str, ...]] = {
    "en": _listed(_EN_POINTERS + ", " + _EN_CONTINUERS),
    "de": _listed(
        "er, sie, es, ihm, ihn, ihr, ihnen, sein, seine, seinen, seinem, seiner, ihre, ihren, ihrem, ihrer, "
        "dies, diese, dieser, dieses, diesem, diesen, jene, jener, jenes, dort, damals, dabei, danach, daraufhin, "
        "außerdem, zudem, ebenfalls, auch, aber, doch, jedoch, dennoch, trotzdem, allerdings, daher, deshalb, "
        "deswegen, darum, somit, also, stattdessen, indes, inzwischen, später, am nächsten tag, am folgenden tag"
    ),
    "fr": _listed(
        "il, elle, ils, elles, ce, cet, cette, ces, celui, celle, ceux, celles, cela, ceci, ça, lui, leur, leurs, "
        "son, sa, ses, cependant, toutefois, pourtant, mais, aussi, ensuite, puis, ainsi, donc, alors, néanmoins, "
        "de plus, en outre, par ailleurs, par conséquent, le lendemain, la veille, plus tard"
    ),
    "es": _listed(
        "él, ella, ellos, ellas, este, esta, estos, estas, esto, ese, esa, esos, esas, eso, aquel, aquella, "
        "aquellos, aquellas, su, sus, sin embargo, además, pero, también, luego, después, entonces, así, "
        "por eso, por lo tanto, no obstante, al día siguiente, más tarde"
    ),
    "it": _listed(
        "egli, lui, lei, esso, essa, essi, esse, loro, questo, questa, questi, queste, quello, quella, quelli, "
        "quelle, ciò, suo, sua, suoi, sue, tuttavia, però, ma, anche, inoltre, poi, quindi, dunque, invece, "
        "il giorno dopo, più tardi"
    ),
    "pt": _listed(
        "ele, ela, eles, elas, este, esta, estes, estas, isto, esse, essa, esses, essas, isso, aquele, aquela, "
        "aqueles, aquelas, seu, sua, seus, suas, porém, contudo, mas, também, além disso, depois, então, assim, "
        "no entanto, no dia seguinte, mais tarde"
    ),
    "nl": _listed(
        "hij, zij, ze, hem, haar, hun, zijn, dit, dat, deze, die, daar, toen, daarna, daarom, daardoor, echter, "
        "maar, ook, bovendien, toch, dus, vervolgens, later, de volgende dag"
    ),
}
# Nouns for places, which English names as "the city of Homs": a resolved "This city" keeps the
# article's noun beside the name (the checks read a bare "Homs" where the source says "This city" as
# another subject put in its place); other nouns take the name as an aside ("Smith, the lawyer,").
PLACE_NOUNS = frozenset(
    "city town village region province state county district capital country island port area neighbourhood "
    "neighborhood suburb valley municipality borough".split()
)
