"""Briefings: article in, every requested length out, each sentence verified and cited.

Pipeline (like a transformers pipeline around ``generate``):
  preprocess  segment, embed, rank; condense the article if it exceeds the generation budget
  forward     one prompt per length, article first so all lengths share one prefill
  postprocess parse by shape, verify every sentence, enforce the length contract, fall back to
              extracted sentences where the mode allows
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from service.briefing.condenser import Condenser
from service.briefing.lengths import LENGTHS, LengthSpec, render, violations
from service.briefing.promptbook import PromptBook
from service.errors import ClientGone, GenerationTimeout, InvalidInput, PayloadTooLarge
from service.models.embedder import Embedder
from service.models.generator import QUIET, Generation, GenerationWatch, Generator, Prompt
from service.text import clauses, extractor
from service.text.evidence import EvidenceReader
from service.text.extractor import Document
from service.text.facts import SourceIndex, check
from service.text.furniture import boilerplate_sentences
from service.text.injection import hostile_sentences, looks_like_instruction
from service.text.judge import Judge
from service.text.language import DEFAULT_LANGUAGE, Family, Language
from service.text.language import detect as detect_language
from service.text.language import language as language_of
from service.text.language import writes as writes_language
from service.text.segmenter import split_sentences
from service.text.standalone import leans_back, referent
from service.text.wordnet import WordNet
from service.text.words import count_words

# Tokens the prompt template adds around the article (instructions, chat markup).
TEMPLATE_OVERHEAD_TOKENS = 160
LEAD_SENTENCES_KEPT = 3  # condensing always keeps the lead: news puts the gist first
REPEAT_SIMILARITY = 0.85  # a sentence this close to a kept one would repeat it (written or filled in)


@dataclass(frozen=True)
class ModeSpec:
    """What a mode does with the model and with sentences that fail verification."""

    name: str
    writes: str  # free writing of each length: "always", "optional" (Briefer.writes_freely decides) or "never"
    replaces_failed: bool  # auto: swap in the best article sentence; abstractive: flag instead
    fills_from_article: bool  # top up an undershooting briefing with article sentences
    condenses: bool  # the model shortens the article sentences it ships, choosing among their deletions

    @property
    def uses_model(self) -> bool:
        """Whether the mode runs the generator at all (and so needs a generation slot)."""
        return self.writes != "never" or self.condenses


MODES: dict[str, ModeSpec] = {
    m.name: m
    for m in (
        ModeSpec("auto", writes="optional", replaces_failed=True, fills_from_article=True, condenses=True),
        ModeSpec("extractive", writes="never", replaces_failed=True, fills_from_article=True, condenses=False),
        ModeSpec("abstractive", writes="always", replaces_failed=False, fills_from_article=False, condenses=False),
    )
}
# Shapes whose text is one sentence: judged with the model fitted on one-sentence summaries.
SINGLE_SHAPES = frozenset({"line", "sentence"})
# A publisher's headline paraphrases its story more freely than a summary sentence may, so it needs
# less embedding support; its names, numbers and quotes must still all be in the article.
TITLE_MIN_SUPPORT = 0.5
# Abstractive mode: a weighed (not vetoed) refusal ships flagged only at this support (1 - risk) or
# more; below it the judge finds the sentence more likely wrong than right.
FLAG_MIN_SUPPORT = 0.5
TITLE_MIN_WORDS = 3  # a shorter title ("Syria", "Live updates") names a topic, not the news
HEADLINE_CANDIDATES = 3  # the best-ranked sentences that make a headline, of which the fullest is chosen
HEADLINE_SEARCH = 8  # how far down the ranking they are looked for


@dataclass(frozen=True)
class BriefingJob:
    article: str
    title: str | None = None
    lengths: tuple[str, ...] = tuple(LENGTHS)
    fmt: str = "text"
    mode: str = "auto"
    focus: str | None = None  # what the reader cares about: biases extraction, told to the model, never evidence
    sizes: Mapping[str, LengthSpec] = field(default_factory=dict)  # the request's counts (lengths.ADJUSTABLE)
    language: str | None = None  # ISO 639-1; None: detected from the article
    cut: str | None = None  # the article is the first part of a longer page: why, told in the note

    def specs(self, family: Family) -> list[LengthSpec]:
        """The requested lengths' contracts, with the request's counts where it gave any, measured
        as the article's script is (CJK in characters)."""
        return [self.sizes.get(name, LENGTHS[name]).measured_in(family) for name in self.lengths]


@dataclass
class Shipped:
    """One sentence of a briefing with where it came from."""

    text: str
    origin: str  # "generated" (written freely) | "condensed" (the model's deletions) | "extracted" | "title"
    support: float
    cites: list[int]
    flagged: bool = False  # abstractive mode: shipped although its semantic support is low


@dataclass(frozen=True)
class Standing:
    """An article sentence as it can ship on its own: its text, the origin when not its own words
    (a resolved referent), its support and the article sentences it cites."""

    text: str
    origin: str | None
    support: float
    cites: list[int]


@dataclass(frozen=True)
class RejectedSentence:
    """A generated sentence that did not ship, and why."""

    text: str
    reasons: list[str]


@dataclass
class LengthBriefing:
    """One length of a briefing: its text, how it measures against the contract, its sentences."""

    text: str
    words: int
    within_contract: bool
    violations: list[str]
    sentences: list[Shipped]
    rejected: list[RejectedSentence]
    contract: str = ""  # what it was measured against: the length's, with the request's counts


@dataclass(frozen=True)
class Fit:
    """How the article fits the generator's input: its tokens and, when condensed, how."""

    tokens: int
    condensed: bool = False
    budget_tokens: int | None = None  # generating modes only
    strategy: str | None = None  # the rest: only when condensed
    kept_sentences: int | None = None
    generation_tokens: int | None = None


@dataclass(frozen=True)
class InputReport:
    """What the briefing was made from: the article's size and language, and how it fit the generator."""

    sentences: int
    words: int
    characters: int
    fit: Fit
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Preview:
    """What a listener hears once the article is analysed, before any length is made."""

    mode: str
    lengths: list[str]
    input: InputReport
    article_sentences: list[str]


@dataclass
class BriefingResult:
    """Every requested length (in request order), the mode used, the input and the timings."""

    briefings: dict[str, LengthBriefing]
    mode: str
    cut_short: bool  # the deadline stopped generation early, or the article is a long page's first part
    input: InputReport
    article_sentences: list[str]
    timings: dict[str, float]
    note: str | None = None  # why the mode differs from the one asked for, or that a page was cut


@dataclass
class Candidate:
    text: str
    vector: np.ndarray
    support: float
    cites: list[int]
    reasons: list[str] = field(default_factory=list)
    weighed: bool = False  # refused only by the judge's weighing of its signals (no veto, no other rule)


@dataclass
class Analysis:
    """The preprocessed article, shared by every length. ``hostile`` sentences (injected
    instructions, fake chat turns) are never extracted and never count as evidence; ``furniture``
    (bylines, copyright, reading times) is never extracted."""

    doc: Document
    source: SourceIndex
    evidence: np.ndarray  # sentence vectors, hostile rows zeroed
    hostile: set[int]
    furniture: set[int]
    timings: dict[str, float]
    condenser: Condenser  # this request's: remembers versions and scores across lengths
    language: Language  # the article's: how it is split, checked, condensed and prompted
    reader: EvidenceReader  # reads written sentences against the trusted article
    title: str | None = None  # the request's (or page's) title, when it is a headline of this article

    def barred(self, i: int) -> bool:
        """Whether article sentence ``i`` may never be shipped (an injected instruction, page furniture)."""
        return i in self.hostile or i in self.furniture


FORMATS = ("text", "markdown")


class BriefingListener:
    """Hears a briefing take shape, for streaming: the analysed input, generated text as it is
    decoded, each length as soon as it is verified. ``cancelled`` is asked between steps; when it
    says yes the work stops with :class:`ClientGone`. The base class hears nothing."""

    def analysed(self, preview: Preview) -> None:
        pass

    def token(self, length: str, delta: str) -> None:
        pass

    def briefing(self, length: str, briefing: LengthBriefing) -> None:
        pass

    def cancelled(self) -> bool:
        return False


SILENT = BriefingListener()


class Briefer:
    def __init__(
        self,
        generator: Generator,
        embedder: Embedder,
        prompts: PromptBook,
        judge: Judge,
        generation_input_tokens: int,
        request_timeout_s: float,
        writes_freely: bool = True,
        model_languages: str = "*",
        wordnet: WordNet | None = None,
    ) -> None:
        self.generator = generator
        self.embedder = embedder
        self.prompts = prompts
        self.judge = judge
        self.generation_input_tokens = generation_input_tokens
        self.request_timeout_s = request_timeout_s
        self.writes_freely = writes_freely  # auto mode: free writing too, or condensing only
        self.model_languages = model_languages  # what the model writes well ("*": any)
        self.wordnet = wordnet  # synonyms for the checks (None: words compared as written)

    def writes(self, mode: ModeSpec) -> bool:
        """Whether this mode asks the model to write each length freely on this service."""
        return mode.writes == "always" or (mode.writes == "optional" and self.writes_freely)

    # ---------------------------------------------------------------- preprocess
    def analyse(
        self, article: str, title: str | None = None, focus: str | None = None, language: str = DEFAULT_LANGUAGE
    ) -> Analysis:
        started = time.perf_counter()
        sentences = split_sentences(article, language=language)
        if not sentences:
            raise InvalidInput("the article has no sentences with words in them", field="article")
        segmented = time.perf_counter()
        doc = Document.build(sentences, self.embedder.encode(sentences), language)
        if focus:  # the reader's interest raises the sentences about it, for every length
            doc.focus_on(self.embedder.encode([focus])[0])
        embedded = time.perf_counter()
        hostile = hostile_sentences(sentences, article)
        trusted = [s if i not in hostile else "" for i, s in enumerate(sentences)]
        evidence = doc.embeddings.copy()
        evidence[sorted(hostile)] = 0.0
        source = SourceIndex(" ".join(trusted), trusted, language)
        analysis = Analysis(
            doc,
            source,
            evidence,
            hostile,
            boilerplate_sentences(sentences),
            {"segment_s": segmented - started, "embed_s": embedded - segmented},
            Condenser(self.generator, self.prompts, language),
            language_of(language),
            EvidenceReader(source, evidence, self.wordnet),
        )
        analysis.title = self.headline_title(title, analysis) if title else None  # needs the analysis
        return analysis

    def headline_title(self, title: str, analysis: Analysis) -> str | None:
        """The title as this article's headline, or None: the longest part of it once a site name
        (" | CNN", " - BBC News") is split off, cut back by clauses to 14 words if longer, if that has
        at least 3 words, every name, number and quote in it is in the article, and it is about the
        article (support). A title that fails is not this article's headline (a page's generic
        title, or another story's)."""
        parts = [p.strip() for p in re.split(r"\s+[|–—-]\s+|\s*\|\s*", title) if p.strip()]
        longest = max(parts, key=count_words, default="")
        best = clauses.shorten(longest.rstrip(".") + ".", LENGTHS["headline"].max_words) or ""
        if (
            count_words(best) < TITLE_MIN_WORDS
            or looks_like_instruction(best)
            or leans_back(best, analysis.language.code)
        ):
            return None
        result = check(best, self.embedder.encode([best])[0], analysis.source, analysis.evidence)
        facts_found = not (result.unsupported_numbers or result.unsupported_names or result.unsupported_quotes)
        return best.rstrip(".") if facts_found and result.support >= TITLE_MIN_SUPPORT else None

    def generation_input(self, analysis: Analysis, article: str, specs: list[LengthSpec]) -> tuple[str, Fit]:
        """The article, or a condensed version (lead + most central sentences, in article order)
        when it exceeds the generation budget. Never a silent cut: the response reports it."""
        budget = min(
            self.generation_input_tokens,
            self.generator.input_budget(max(s.max_new_tokens for s in specs), TEMPLATE_OVERHEAD_TOKENS),
        )
        tokens = self.generator.count_tokens(article)
        if tokens <= budget:
            return article, Fit(tokens, budget_tokens=budget)
        doc = analysis.doc
        order = list(range(min(LEAD_SENTENCES_KEPT, len(doc.sentences)))) + extractor.rank(doc)
        kept: list[int] = []
        used = 0
        for i in order:
            if i in kept or i in analysis.hostile:
                continue
            cost = self.generator.count_tokens(doc.sentences[i]) + 1
            if used + cost > budget:
                continue
            kept.append(i)
            used += cost
        if not kept:
            raise PayloadTooLarge(
                f"no sentence of the article fits the model's input budget of {budget} tokens", field="article"
            )
        text = " ".join(doc.sentences[i] for i in sorted(kept))
        fit = Fit(tokens, True, budget, strategy="lead+central", kept_sentences=len(kept), generation_tokens=used)
        return text, fit

    def measure(
        self, analysis: Analysis, article: str, mode: ModeSpec, specs: list[LengthSpec]
    ) -> tuple[str, InputReport]:
        """The text the generator is given (the article, or a condensed version) and the input's size."""
        if self.writes(mode):
            text, fit = self.generation_input(analysis, article, specs)
        else:
            text, fit = article, Fit(self.generator.count_tokens(article))
        size = (len(analysis.doc.sentences), count_words(article), len(article))
        return text, InputReport(*size, fit, analysis.language.code)

    # ---------------------------------------------------------------- the whole request
    def brief(self, request: BriefingJob, listener: BriefingListener = SILENT) -> BriefingResult:
        started = time.perf_counter()
        lang = language_of(request.language or detect_language(request.article))
        mode, note = self.mode_for(MODES[request.mode], lang)
        specs = request.specs(lang.family)
        analysis = self.analyse(request.article, request.title, request.focus, lang.code)
        text, article_input = self.measure(analysis, request.article, mode, specs)
        listener.analysed(Preview(mode.name, [s.name for s in specs], article_input, analysis.doc.sentences))
        timings = dict(analysis.timings)
        briefings, cut_short = self.make_lengths(text, request, mode, specs, analysis, listener, timings)
        if mode.name == "abstractive" and cut_short and not any(b.sentences for b in briefings.values()):
            raise GenerationTimeout(f"generation ran past the {self.request_timeout_s:.0f} s budget")
        timings["total_s"] = time.perf_counter() - started
        rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in timings.items()}
        notes = "; ".join(n for n in (note, request.cut) if n) or None
        cut_short = cut_short or request.cut is not None
        return BriefingResult(briefings, mode.name, cut_short, article_input, analysis.doc.sentences, rounded, notes)

    def mode_for(self, mode: ModeSpec, lang: Language) -> tuple[ModeSpec, str | None]:
        """The mode asked for, or extraction with a note when the model does not write the
        article's language (a 135M English model's German is garble the checks may not catch)."""
        if not mode.uses_model or writes_language(lang.code, self.model_languages):
            return mode, None
        note = f"the model does not write {lang.name} ({lang.code}) well: briefed by extraction instead of {mode.name}"
        return MODES["extractive"], note

    def make_lengths(
        self,
        text: str,
        request: BriefingJob,
        mode: ModeSpec,
        specs: list[LengthSpec],
        analysis: Analysis,
        listener: BriefingListener,
        timings: dict[str, float],
    ) -> tuple[dict[str, LengthBriefing], bool]:
        """Generate every length in one call (if the mode generates), verify and ship each as soon
        as it is done; the briefings in request order, and whether the deadline cut generation short.
        Adds the generation and verification times to ``timings``."""
        briefings: dict[str, LengthBriefing] = {}
        verify_s = 0.0

        def finish_length(spec: LengthSpec, generation: Generation | None) -> None:
            """Verify and ship one length the moment its generation is done (or at once, extractive)."""
            nonlocal verify_s
            verify_started = time.perf_counter()
            briefings[spec.name] = self.postprocess(spec, generation, analysis, mode, request.fmt)
            verify_s += time.perf_counter() - verify_started
            listener.briefing(spec.name, briefings[spec.name])

        generations: dict[str, Generation] = {}
        if self.writes(mode):
            # Nobody listening: decode without per-token text and verify every length at the end.
            watch = (
                QUIET
                if listener is SILENT
                else GenerationWatch(
                    on_text=lambda i, delta: listener.token(specs[i].name, delta),
                    on_done=lambda i, generation: finish_length(specs[i], generation),
                    cancelled=listener.cancelled,
                )
            )
            generations, gen_timings = self.forward(
                text, request.title, specs, watch, request.focus, analysis.language.name
            )
            timings.update(gen_timings)
        for spec in specs:
            if spec.name not in briefings:
                if listener.cancelled():
                    raise ClientGone("the client went away; briefing stopped")
                finish_length(spec, generations.get(spec.name))
        timings["verify_s"] = verify_s
        if analysis.condenser.scored:
            timings.update(condense_s=analysis.condenser.seconds, versions_scored=analysis.condenser.scored)
        cut_short = any(g.cut_by_deadline for g in generations.values())
        return {spec.name: briefings[spec.name] for spec in specs}, cut_short  # request order, not finishing order

    # ---------------------------------------------------------------- forward
    def forward(
        self,
        article: str,
        title: str | None,
        specs: list[LengthSpec],
        watch: GenerationWatch = QUIET,
        focus: str | None = None,
        language: str = "English",
    ) -> tuple[dict[str, Generation], dict[str, Any]]:
        prompts = [
            Prompt(
                user=self.prompts.render_briefing(spec, article, title, focus, language),
                source=article,
                task="summarize",
                system=self.prompts.system,
                max_new_tokens=spec.max_new_tokens,
                min_new_tokens=spec.min_new_tokens,
            )
            for spec in specs
        ]
        started = time.perf_counter()
        deadline = time.monotonic() + self.request_timeout_s
        results = self.generator.generate(prompts, deadline=deadline, watch=watch)
        timings: dict[str, Any] = {"generate_s": time.perf_counter() - started}
        stats = results.stats  # this call's own timings
        timings.update(
            prefill_s=stats.prefill_s,
            decode_s=stats.decode_s,
            new_tokens=stats.new_tokens,
            shared_prefix_tokens=stats.shared_prefix_tokens,
        )
        return {spec.name: result for spec, result in zip(specs, results)}, timings

    # ---------------------------------------------------------------- postprocess
    def postprocess(
        self, spec: LengthSpec, generation: Generation | None, analysis: Analysis, mode: ModeSpec, fmt: str
    ) -> LengthBriefing:
        generated = SHAPE_PARSERS[spec.shape](clean_generation(generation.text)) if generation else []
        candidates = self.verify(generated, analysis, spec)
        shipped, rejected = self.assemble(spec, candidates, analysis, mode)
        texts = [s.text for s in shipped]
        problems = violations(spec, texts)
        return LengthBriefing(
            text=render(spec, texts, fmt),
            words=sum(count_words(t) for t in texts),
            within_contract=not problems,
            violations=problems,
            sentences=shipped,
            rejected=[RejectedSentence(c.text, c.reasons) for c in rejected],
            contract=spec.contract,
        )

    def verify(self, sentences: list[str], analysis: Analysis, spec: LengthSpec) -> list[Candidate]:
        """Every written sentence judged against the article (service/text/judge.py, the same judge
        as POST /v1/check), read in order so a pronoun finds the sentences before it; also refused:
        a sentence about the article rather than the news, or one that reads like an instruction."""
        if not sentences:
            return []
        vectors = self.embedder.encode(sentences)
        source = analysis.source

        def sources_text(ids: list[int]) -> str:
            return " ".join(source.sentences[i] for i in ids)

        candidates = []
        for k, (text, vector) in enumerate(zip(sentences, vectors)):
            evidence = analysis.reader.read(text, vector, sentences[:k])
            judgement = self.judge.judge(evidence, sources_text, single=spec.shape in SINGLE_SHAPES)
            reasons = list(judgement.reasons)
            rules = []
            if META_SENTENCE.match(text):
                rules.append("describes the article instead of the news")
            if looks_like_instruction(text):
                rules.append("reads like an instruction or markup, not news")
            weighed = not judgement.supported and not judgement.vetoed and not rules
            candidates.append(
                Candidate(text, vector, 1.0 - judgement.risk, list(judgement.cites), reasons + rules, weighed)
            )
        return candidates

    def assemble(
        self, spec: LengthSpec, candidates: list[Candidate], analysis: Analysis, mode: ModeSpec
    ) -> tuple[list[Shipped], list[Candidate]]:
        """Keep what passed, cut overshoot at sentence boundaries, fill from the article if allowed."""
        kept: list[Shipped] = []
        kept_vectors: list[np.ndarray] = []
        rejected: list[Candidate] = []
        for cand in candidates:
            text = clauses.shorten(cand.text, spec.sentence_max_words)
            # Abstractive mode ships a sentence the judge weighed as risky, flagged, only while the
            # judge still finds it more likely right than wrong; past that it is dropped like a veto.
            soft_fail = cand.weighed and cand.support >= FLAG_MIN_SUPPORT
            hard_fail = bool(cand.reasons) and not soft_fail
            if text is None:
                cand.reasons.append("too long to fit the contract")
            elif repeats(cand.vector, kept_vectors):
                cand.reasons.append("repeats a sentence already in this briefing")
                hard_fail = True
            if text is None or hard_fail or (soft_fail and mode.replaces_failed):
                rejected.append(cand)
                continue
            text = finish(spec, text, analysis.language.code)
            leaning = leans_back(text, analysis.language.code)
            if leaning and (spec.shape in SINGLE_SHAPES or not kept):
                cand.reasons.append(f"{leaning}, and none comes before it")
                rejected.append(cand)
                continue
            if not fits(spec, kept, text):
                rejected.append(
                    Candidate(cand.text, cand.vector, cand.support, cand.cites, ["over the length contract"])
                )
                continue
            kept.append(Shipped(text, "generated", cand.support, cand.cites, flagged=soft_fail))
            kept_vectors.append(cand.vector)
        if mode.fills_from_article:
            self.fill(spec, kept, kept_vectors, analysis, mode)
        return kept, rejected

    def fill(
        self, spec: LengthSpec, kept: list[Shipped], kept_vectors: list[np.ndarray], analysis: Analysis, mode: ModeSpec
    ) -> None:
        """Top up with the best article sentences until the contract's floor (and target) is met:
        first among sentences of at least ``spec.fill_min_words``, then among any (a one-sentence
        summary of six words rarely says who did what where; an article of short sentences still
        gets one)."""
        added: list[tuple[int, Shipped]] = []
        if spec.shape == "line" and not kept and analysis.title:  # the publisher's headline, checked
            kept.append(Shipped(analysis.title, "title", 1.0, []))
            return
        order = extractor.rank(analysis.doc, spec.position_weight)
        if spec.shape == "line" and not kept and self._headline(order, spec, kept, analysis, mode):
            return
        for least_words in dict.fromkeys((spec.fill_min_words, 0)):
            added += self._fill_from(order, least_words, spec, kept, kept_vectors, analysis, mode)
        if spec.shape == "line" and not kept:  # no sentence has a version that short: cut a phrase
            self._phrase_headline(order, spec, kept, analysis, "condensed" if mode.condenses else "extracted")
        if spec.shape == "prose" and added:
            # Extracted sentences read best in article order, after whatever the model wrote. A
            # sentence the fill itself added is among ``added`` only, even when it is "generated" (a
            # demonstrative resolved: "The city of Homs holds..."), or it would ship twice.
            filled = {id(s) for _, s in added}
            written = [s for s in kept if id(s) not in filled]
            kept[:] = written + [s for _, s in sorted(added, key=lambda pair: pair[0])]

    def _fill_from(
        self,
        order: list[int],
        least_words: int,
        spec: LengthSpec,
        kept: list[Shipped],
        kept_vectors: list[np.ndarray],
        analysis: Analysis,
        mode: ModeSpec,
    ) -> list[tuple[int, Shipped]]:
        """One pass of :meth:`fill` over the ranked sentences; returns what it added."""
        doc = analysis.doc
        added: list[tuple[int, Shipped]] = []
        for i in order:  # a sentence taken in an earlier pass repeats itself: the similarity test skips it
            if FILL_DONE[spec.shape](spec, kept):
                break
            if repeats(doc.embeddings[i], kept_vectors):
                continue
            if analysis.barred(i):
                continue  # an injected instruction, or the page's furniture, is not news
            if spec.shape != "prose" and doc.sentences[i].rstrip().endswith(("?", "？", "؟")):
                continue  # a question is no headline, summary or key point
            version = self.version_of(i, spec, analysis, mode)
            if version is None or count_words(version) < max(extractor.MIN_SENTENCE_WORDS - 1, least_words):
                continue
            standing = self._standing(i, version, spec, kept, analysis)
            if standing is None:
                continue
            text = finish(spec, standing.text, analysis.language.code)
            if not fits(spec, kept, text):
                continue
            origin = "condensed" if mode.condenses and version != doc.sentences[i] else "extracted"
            shipped = Shipped(text, standing.origin or origin, standing.support, standing.cites)
            kept.append(shipped)
            kept_vectors.append(doc.embeddings[i])
            added.append((i, shipped))
        return added

    def _headline(
        self, order: list[int], spec: LengthSpec, kept: list[Shipped], analysis: Analysis, mode: ModeSpec
    ) -> bool:
        """A headline about the central event: of the HEADLINE_CANDIDATES best-ranked sentences that
        make a headline (all central to the article), the one whose version says the most, in words (bench/quality:
        the first-ranked alone cut short says less than the opening's first 14 words). A version is
        the length's own, or else the main clause cut before a trailing phrase; never a subordinate
        clause alone, a cut inside a list, name or quotation, or a sentence leaning on another.
        Whether one was added: if not, the ranked sentences are tried further down as for any length."""
        doc = analysis.doc
        tried = [
            i for i in order if not analysis.barred(i) and count_words(doc.sentences[i]) >= extractor.MIN_SENTENCE_WORDS
        ]
        found: list[tuple[int, Standing]] = []
        for i in tried[:HEADLINE_SEARCH]:
            if len(found) == HEADLINE_CANDIDATES:
                break
            sentence = doc.sentences[i]
            if sentence.rstrip().endswith(("?", "？", "؟")):
                continue
            version = self.version_of(i, spec, analysis, mode)
            if version is None or not headline_reads(version, sentence):
                version = analysis.condenser.main_clause(sentence, spec.sentence_max_words, spec.may_drop)
            standing = (
                None
                if version is None or not headline_reads(version, sentence)
                else self._standing(i, version, spec, kept, analysis)
            )
            if standing is not None:
                found.append((i, standing))
        if not found:
            return False
        i, best = max(found, key=lambda pair: count_words(pair[1].text))  # the first of equals: the better ranked
        origin = best.origin or ("condensed" if mode.condenses and best.text != doc.sentences[i] else "extracted")
        kept.append(Shipped(finish(spec, best.text, analysis.language.code), origin, best.support, best.cites))
        return True

    def _standing(
        self, i: int, version: str, spec: LengthSpec, kept: list[Shipped], analysis: Analysis
    ) -> Standing | None:
        """How article sentence ``i`` (as ``version``) ships so that a reader needs no sentence they
        were not given: as it is when it leans on none; in a key point or a paragraph, as it is when
        it comes right after the article sentence before it (a paragraph is put in article order); or
        with its demonstrative replaced by the referent the article makes unambiguous ("This city" ->
        "Homs"), a sentence the service wrote and so checked like any written one. None: it does not
        ship here."""
        language = analysis.language.code
        if not leans_back(version, language):
            return Standing(version, None, 1.0, [i])
        before = [s.cites for s in kept if s.origin in ("extracted", "condensed")]
        follows = [i - 1] in (before[-1:] if spec.shape == "bullets" else before)
        if spec.shape in ("bullets", "prose") and follows:
            return Standing(version, None, 1.0, [i])
        sentences = list(analysis.doc.sentences)
        sentences[i] = version
        found = referent(sentences, i, language)
        if found is None or leans_back(found.text, language):
            return None
        (checked,) = self.verify([found.text], analysis, spec)
        if checked.reasons:
            return None
        return Standing(found.text, "generated", checked.support, sorted({i, found.named_in}))

    def _phrase_headline(
        self, order: list[int], spec: LengthSpec, kept: list[Shipped], analysis: Analysis, origin: str
    ) -> None:
        """A headline from the best sentence that a cut before a trailing phrase brings within the
        contract (every sentence of the article is longer than a headline and has no clause to drop)."""
        for i in order:
            sentence = analysis.doc.sentences[i]
            if analysis.barred(i) or not clauses.standalone(sentence) or leans_back(sentence, analysis.language.code):
                continue
            version = analysis.condenser.phrase_cut(sentence, spec.sentence_max_words, spec.may_drop)
            if version is not None:
                kept.append(Shipped(finish(spec, version), origin, 1.0, [i]))
                return

    def version_of(self, i: int, spec: LengthSpec, analysis: Analysis, mode: ModeSpec) -> str | None:
        """What of article sentence ``i`` this length ships: the sentence, or a faithful deletion of it
        that fits (briefing/condenser.py); None when no complete version fits. Condensing modes aim
        each sentence at ``spec.condense_words`` and let the model choose; extractive keeps the most."""
        sentence = analysis.doc.sentences[i]
        condenser = analysis.condenser
        # The stand-alone tests read English syntax (verbs, captions, quote fragments): another
        # language's sentences only have to be sentences, not pieces of one.
        english = analysis.language.code == DEFAULT_LANGUAGE
        alone = STANDS_ALONE[spec.shape] if english else _starts_and_ends_a_sentence
        if not mode.condenses:
            return condenser.fullest(sentence, spec.sentence_max_words, spec.may_drop, alone)
        return condenser.condense(sentence, spec.condense_words, spec.sentence_max_words, spec.may_drop, alone)


def headline_reads(version: str, sentence: str) -> bool:
    """Whether ``version`` of article sentence ``sentence`` reads as a headline: a statement on its
    own with its main verb, not a subordinate clause alone ("Right after the incident took place"),
    not cut inside a list, a name or a quotation ("frigates HMS Cumberland")."""
    return (
        clauses.standalone(version)
        and not clauses.subordinate_only(version)
        and not clauses.cut_inside_phrase(version, sentence)
    )


def _starts_and_ends_a_sentence(text: str) -> bool:
    """Not a piece of a longer sentence: the segmenter cuts a run-on "sentence" of over 60 words at
    a comma, and "by comparison, are considered fake" reads wrong shipped without what came before."""
    first = next((ch for ch in text if ch.isalnum()), "")
    return not first.islower() and not text.rstrip().endswith((",", ";", ":"))


# What an article sentence must pass to be shipped whole, by shape: a headline reads as a statement
# on its own (no caption, label or quote's fragment); a TL;DR or key point at least as a complete
# sentence ("Foul by Sean Murray." is none); a paragraph's sentences have their neighbours, but are
# sentences, not pieces of one.
STANDS_ALONE: dict[str, Callable[[str], bool] | None] = {
    "line": clauses.standalone,
    "sentence": clauses.complete,
    "bullets": clauses.complete,
    "prose": _starts_and_ends_a_sentence,
}
_LEADING_ARTICLE = re.compile(r"^(?:a|an|the)\s+(?=\w)", re.I)


def finish(spec: LengthSpec, text: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Shape-specific surface rules: a headline has no final full stop; sentences end with one."""
    text = text.strip()
    if spec.shape == "line":  # headline style: no final stop, in English no leading article ("Rebels capture Hama")
        text = text.rstrip(".。").strip()
        text = _LEADING_ARTICLE.sub("", text) if language == DEFAULT_LANGUAGE else text
        return text[:1].upper() + text[1:]
    if text and not clauses.ends_sentence(text):  # no "." after "。", "؟", a closing quote or "…"
        text = text.rstrip(",;:—– ") + "."  # a sentence cut at its comma ends "facility.", not "facility,."
    return text


def repeats(vector: np.ndarray, kept_vectors: list[np.ndarray]) -> bool:
    """Whether a sentence (its unit vector) restates one already kept in this briefing."""
    return any(float(vector @ v) > REPEAT_SIMILARITY for v in kept_vectors)


def fits(spec: LengthSpec, kept: list[Shipped], text: str) -> bool:
    """Would adding ``text`` keep the briefing within its maximum (items and words)?"""
    if len(kept) >= spec.items and spec.shape != "prose":
        return False
    return sum(count_words(s.text) for s in kept) + count_words(text) <= spec.max_words


def _prose_done(spec: LengthSpec, kept: list[Shipped]) -> bool:
    return sum(count_words(s.text) for s in kept) >= spec.target_words


def _items_done(spec: LengthSpec, kept: list[Shipped]) -> bool:
    return len(kept) >= spec.items


FILL_DONE: dict[str, Callable[[LengthSpec, list[Shipped]], bool]] = {
    "line": _items_done,
    "sentence": _items_done,
    "bullets": _items_done,
    "prose": _prose_done,
}

# ---------------------------------------------------------------- parsing what a model wrote
_LABEL = re.compile(
    r"^\s*(?:\*\*|#+\s*)?(?:headline|title|summary|tl;?dr|answer|brief|key points?|paragraph)\s*[:\-–]\s*(?:\*\*)?\s*",
    re.I,
)
_MARKUP = re.compile(r"</?(?:article|text|h\d|p|b|strong|em)>|<\|[^|>]*\|>|</s>|\*\*|^#+\s*", re.I | re.M)
_ROLE_LINE = re.compile(r"^\s*(?:assistant|user|system)\s*:?\s*$", re.I | re.M)
_PREAMBLE = re.compile(
    r"^(?:here (?:is|are)|sure[,!]|certainly[,!]|the article (?:discusses|describes|highlights|reports|is about))[^\n:]*:\s*$",
    re.I | re.M,
)
META_SENTENCE = re.compile(r"^\s*(?:the|this) (?:article|text|story|report|passage)\b", re.I)
_BULLET_MARK = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s*")


def clean_generation(text: str) -> str:
    """Strip chat markup, echoed prompt tags, labels and preambles a model wraps its answer in."""
    text = _MARKUP.sub("", text)
    text = _ROLE_LINE.sub("", text)
    text = _PREAMBLE.sub("", text)
    lines = [_LABEL.sub("", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _parse_line(text: str) -> list[str]:
    first = next((line for line in text.split("\n") if line.strip()), "")
    first = first.strip().strip("\"'“”").strip()
    return [first] if first else []


def _parse_sentence(text: str) -> list[str]:
    sentences = split_sentences(text)
    return sentences[:1]


def _parse_bullets(text: str) -> list[str]:
    items = []
    for line in text.split("\n"):
        line = _BULLET_MARK.sub("", line).strip()
        sentences = split_sentences(line)
        if sentences:
            items.append(sentences[0])
    return items


def _parse_prose(text: str) -> list[str]:
    """The sentences of a paragraph; a last one left unfinished (no stop: the model ran out of
    tokens mid-sentence, "The plan") is a fragment, not a claim, and is dropped."""
    sentences = split_sentences(text.replace("\n", " "))
    if len(sentences) > 1 and not clauses.ends_sentence(sentences[-1].rstrip()):
        sentences.pop()
    return sentences


SHAPE_PARSERS: dict[str, Callable[[str], list[str]]] = {
    "line": _parse_line,
    "sentence": _parse_sentence,
    "bullets": _parse_bullets,
    "prose": _parse_prose,
}
