"""English words that restate one another, from WordNet 3.0 (Princeton University; Debian's
``wordnet-base`` installs its database files in /usr/share/wordnet).

A summary says "hinder" where its article says "impede", "died" for "death", "the vessel" for "the
ferry". Those are paraphrase, not new facts: a word restates an article word when the two share a
synset, are derivationally related, or the written word is a broader term (a hypernym, at most two
steps up) of the article's. Never a narrower term (that adds a detail) and never an antonym.

Read where the files lie, without loading them: an index file's lines are sorted, so a lemma is
found by binary search over the memory-mapped file, and a synset by its byte offset in the data
file. NLTK's reader builds a map of all 150,000 lemmas first (seconds and tens of megabytes per
worker) for the handful of lookups a sentence needs; its reader also wants a ``lexnames`` file the
Debian package lacks. Without the files, :func:`open_wordnet` answers None and words are compared
as written (the checks stay correct, only stricter about wording).
"""

from __future__ import annotations

import functools
import mmap
from pathlib import Path

POS = ("noun", "verb", "adj", "adv")
# Morphy's detachment rules (WordNet's morph(3)): a suffix replaced to find a base form.
DETACHMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "noun": (
        ("s", ""),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "verb": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "adj": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "adv": (),
}
SAME = ("+", "&", "\\", "$")  # derivation, similar-to (adjectives), pertainym (adverbs), verb group
BROADER = ("@", "@i")  # hypernym, instance hypernym
BROADER_STEPS = 2


class _SortedLines:
    """A sorted text file searched by its lines' first word, without reading it into memory."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)

    def line(self, key: str) -> str | None:
        target = key.encode("utf-8") + b" "
        low, high = 0, len(self._map)
        while low < high:
            middle = (low + high) // 2
            start = self._map.rfind(b"\n", 0, middle) + 1
            end = self._map.find(b"\n", start)
            end = len(self._map) if end < 0 else end
            text = self._map[start:end]
            if text.startswith(b"  "):  # the licence header sorts first
                low = end + 1
            elif text.startswith(target):
                return text.decode("utf-8")
            elif text < target:
                low = end + 1
            else:
                high = start
        return None

    def at(self, offset: int) -> str:
        end = self._map.find(b"\n", offset)
        return self._map[offset : end if end >= 0 else len(self._map)].decode("utf-8")


class WordNet:
    """Lookups over one WordNet database folder (index.*, data.*, *.exc)."""

    def __init__(self, folder: Path) -> None:
        self._index = {pos: _SortedLines(folder / f"index.{pos}") for pos in POS}
        self._data = {pos: _SortedLines(folder / f"data.{pos}") for pos in POS}
        self._exceptions: dict[str, dict[str, list[str]]] = {}
        for pos in POS:
            table: dict[str, list[str]] = {}
            exc = folder / f"{pos}.exc"
            if exc.exists():
                for row in exc.read_text(encoding="utf-8").splitlines():
                    inflected, *bases = row.split()
                    table[inflected] = bases
            self._exceptions[pos] = table

    def base_forms(self, word: str, pos: str) -> list[str]:
        """The lemmas ``word`` may be an inflection of, as ``pos`` (morphy: exceptions, then rules)."""
        word = word.lower().replace(" ", "_")
        found = list(self._exceptions[pos].get(word, []))
        if self._index[pos].line(word):
            found.append(word)
        for suffix, ending in DETACHMENTS[pos]:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                base = word[: -len(suffix)] + ending
                if self._index[pos].line(base):
                    found.append(base)
        return list(dict.fromkeys(found))

    def _synsets(self, lemma: str, pos: str) -> list[int]:
        line = self._index[pos].line(lemma)
        if line is None:
            return []
        fields = line.split()
        pointers = int(fields[3])
        return [int(offset) for offset in fields[6 + pointers :]]

    def _synset(self, pos: str, offset: int) -> tuple[list[str], list[tuple[str, str, int]]]:
        """A synset's words and its pointers (symbol, part of speech, offset)."""
        fields = self._data[pos].at(offset).split(" | ")[0].split()
        count = int(fields[3], 16)
        words = [fields[4 + 2 * i].lower().split("(")[0] for i in range(count)]
        at = 4 + 2 * count
        pointers = []
        for i in range(int(fields[at])):
            symbol, target, target_pos = fields[at + 1 + 4 * i : at + 4 + 4 * i]
            pointers.append(
                (symbol, {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}[target_pos], int(target))
            )
        return words, pointers

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - one WordNet per process, its answers never change
    def restatements(self, word: str) -> frozenset[str]:
        """Lemmas that ``word`` may stand for without adding a fact: its equivalents and the broader
        terms (two steps up) of each sense, in any part of speech."""
        return self._lemmas(word, broader=True)

    @functools.lru_cache(maxsize=8192)  # noqa: B019
    def equivalents(self, word: str) -> frozenset[str]:
        """Lemmas saying what ``word`` says: its synonyms and derivationally related words."""
        return self._lemmas(word, broader=False)

    def _lemmas(self, word: str, broader: bool) -> frozenset[str]:
        found: set[str] = set()
        for pos in POS:
            for lemma in self.base_forms(word, pos):
                found.add(lemma)
                for offset in self._synsets(lemma, pos):
                    found |= self._around(pos, offset, broader)
        return frozenset(w.replace("_", " ") for w in found)

    def _around(self, pos: str, offset: int, broader: bool) -> set[str]:
        words, pointers = self._synset(pos, offset)
        found = set(words)
        for symbol, target_pos, target in pointers:
            if symbol in SAME:
                found |= set(self._synset(target_pos, target)[0])
        if not broader:
            return found
        frontier = [(pos, offset)]
        for _ in range(BROADER_STEPS):
            frontier = [
                (target_pos, target)
                for at_pos, at in frontier
                for symbol, target_pos, target in self._synset(at_pos, at)[1]
                if symbol in BROADER
            ]
            for at_pos, at in frontier:
                found |= set(self._synset(at_pos, at)[0])
        return found


@functools.cache
def open_wordnet(folder: str) -> WordNet | None:
    """The WordNet database in ``folder``, or None when it is not there."""
    path = Path(folder)
    if not all((path / f"{kind}.{pos}").exists() for kind in ("index", "data") for pos in POS):
        return None
    return WordNet(path)
