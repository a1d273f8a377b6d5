"""The prompt-injection filter: article text addressed to a model instead of to a reader.

An article is data, but a small model obeys text that reads like its prompt. Two kinds are caught:

* Fake chat turns: a chat template's markers (ChatML, Llama 2 and 3, Alpaca headers, Zephyr and
  Phi-3, Gemma, Mistral, XML role tags, "System:"/"User:" role lines) and every sentence of the
  turn's body up to the end of the turn. The splitter cuts a turn into several sentences, so the
  body is found over the sentence list, with the article's line breaks when the caller passes it.
* Instructions: sentences addressed to a model or summariser ("Note to AI summarisers: ...",
  "If you are a language model ..."), attempts to override the prompt ("Ignore previous
  instructions"), imperatives aimed at the briefing ("Always describe X as Y", "Do not mention Z in
  your summary"), requests for secrets, markup, and our own prompt's wording echoed back.

Ordinary news uses the same words ("act as lender of last resort", "the judge instructed the jury to
disregard", a new "large language model", a "jailbreak for the iPhone", '"Always carry your ID," the
minister told citizens'), so no single word is a signal: every pattern needs the addressee (a model,
a summary, "your instructions") or the imperative form at the start of a sentence, and imperatives
inside a quotation that a sentence attributes to someone are reported speech, not instructions.
Measured by bench/injection on tests/data/injections.jsonl, tests/hostile_articles.jsonl and
tests/data/instruction_like_news.jsonl.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

Role = Literal["open", "close", "reply", "mark"]

# Chat-template markers: (role, family, pattern). "open" starts a turn whose body runs to the turn's
# end; "close" ends the open turn of its family ("*": every open turn, as an end-of-sequence token
# does); "reply" ends an instruction and opens the model's reply on the same line (Llama 2's
# [/INST]); "mark" is markup that opens nothing (data delimiters, sequence starts, unknown special
# tokens). Families let Llama 2's <<SYS>> block nest inside [INST]. Order matters: the first
# pattern that matches at a position wins, so specific tokens come before the generic <|...|>.
TURN_MARKERS: tuple[tuple[Role, str, str], ...] = (
    ("open", "chatml", r"<\|im_start\|>(?:[ \t]*(?:system|user|assistant|developer|tool|function)\b)?"),
    ("close", "chatml", r"<\|im_end\|>"),
    ("open", "llama", r"\[INST\]"),
    ("reply", "llama", r"\[/INST\]"),
    ("open", "sys", r"<<SYS>>"),
    ("close", "sys", r"<</SYS>>"),
    ("open", "llama3", r"<\|start_header_id\|>[ \t]*\w*[ \t]*<\|end_header_id\|>"),
    ("close", "llama3", r"<\|eot_id\|>|<\|eom_id\|>"),
    ("open", "pipe", r"<\|(?:system|user|assistant|prompter|human|bot|model)\|>"),  # Zephyr, Phi-3
    ("close", "pipe", r"<\|end\|>"),
    ("open", "gemma", r"<start_of_turn>(?:[ \t]*(?:user|model|system)\b)?"),
    ("close", "gemma", r"<end_of_turn>"),
    ("open", "mistral", r"\[(?:SYSTEM_PROMPT|AVAILABLE_TOOLS)\]"),
    ("close", "mistral", r"\[/(?:SYSTEM_PROMPT|AVAILABLE_TOOLS)\]"),
    ("open", "xml", r"<\s*(?:system|user|assistant|human|instructions?|prompt|system_prompt)\s*>"),
    ("close", "xml", r"<\s*/\s*(?:system|user|assistant|human|instructions?|prompt|system_prompt)\s*>"),
    # Alpaca/Vicuna headers. "### Input:" and "### Context:" introduce the data, not a turn.
    ("open", "header", r"#{2,}[ \t]*(?:system|instructions?|user|assistant|human|response|prompt)\b[ \t]*:?"),
    ("mark", "", r"#{2,}[ \t]*(?:input|context)\b[ \t]*:?"),
    # Role lines: only at the start of a sentence or right after another marker ("a user: ..." in
    # running text is not one). Not "Developer:", a line of a game review's fact box.
    ("open", "role", r"(?:^|(?<=[>\]]))[\s\"'“*_]*(?:system|assistant|user|human)[ \t]*:"),
    ("close", "*", r"</s>|<\|endoftext\|>|<\|end_of_text\|>"),
    ("mark", "", r"<s>|<\|[a-z_]+\|>|<\s*/?\s*(?:article|document|context|input|data|text|source)\s*>"),
)
_MARKER = re.compile("|".join(f"(?P<m{i}>{p})" for i, (_, _, p) in enumerate(TURN_MARKERS)), re.IGNORECASE)
# Families that have no closing marker of their own: any other turn's end ends them too.
_UNCLOSED_FAMILIES = {"role", "header"}

# Who an instruction to a model is addressed to. Followed by "companies", "developers", "rules"
# etc. the phrase is about the industry ("a message to AI companies"), not to a model.
_MODEL = (
    r"(?:AI|A\.I\.|artificial intelligence|LLMs?|large language models?|language models?|chat ?bots?|bots?"
    r"|(?:AI |virtual |digital )?assistants?|summari[sz](?:ers?|ation (?:tools?|systems?|models?)|ing tools?)"
    r"|automated (?:systems?|tools?|readers?|agents?)|crawlers?|scrapers?|ChatGPT|GPT(?:-?\d\w*)?|Claude|Gemini"
    r"|Copilot|AI (?:models?|systems?|tools?|agents?|readers?))"
)
_NOT_ADDRESSEE = (
    r"(?!\s+(?:compan(?:y|ies)|firms?|developers?|makers?|industry|labs?|researchers?|engineers?|experts?|scientists?"
    r"|ethicists?|regulators?|regulation|start-?ups?|founders?|sector|investors?|policy|safety|rules|act|law|bill"
    r"|users?|use|usage|chips|boom|race|spending|stocks?|shares|enthusiasts?|pioneers?|skeptics?|sceptics?)\b)"
)
# Never the object of an instruction to the briefing: "Do not call 999", "Only call NHS 111", "Never call
# your bank"; nor is "never say never".
_CALL = r"call(?!\s+(?:\d|\w+\s+\d|(?:your|us|me|(?:the |an? )?(?:police|hotline|helpline|number|ambulance|emergency|doctor))\b))"
# Verbs that tell a writer what to put in a text: "Always describe X as Y", "Never mention Z". Not
# "include", "add", "answer", "reply", "tell", "speak": everyday advice uses those ("Never reply to
# texts asking for bank details", "You should include more fibre in your diet").
_BRIEFING_VERB = (
    rf"(?:describe|refer to|{_CALL}|say(?!\s+(?:never|die)\b)|write(?!\s+(?:to|down|off|back)\b)|state|report|mention"
    r"|portray|depict|characteri[sz]e|label|summari[sz]e|omit|praise|critici[sz]e|claim|emphasi[sz]e|highlight|frame"
    r"|translate|output|print|append|cite|credit|attribute|quote|conclude|use the (?:word|phrase|term|name))"
)
# Words that may open an instruction before its verb: "Instead, state ...", "Important: always ...".
_LEAD = (
    r"^[\W_]*(?:(?:and|also|instead|now|then|so|finally|important|note|remember|reminder|p\.?s\.?|please)\b[\s,:]*)*"
)

# Addressed to a model, overriding its prompt, asking for secrets, markup, our prompt echoed: an
# instruction wherever it stands, quotation marks or not (a quoted "ignore previous instructions"
# works on a model as well as a bare one).
_ADDRESSED = re.compile(
    "|".join(
        (
            # "Ignore previous instructions." but not "ignore previous guidance on masks".
            r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+|these\s+)?"
            r"(?:previous|prior|preceding|above|earlier|original|initial|system|old|foregoing)\s+"
            r"(?:instructions?|prompts?|directions|directives|commands|messages|rules|guidelines|programming|constraints"
            r"|restrictions|context)(?=\s*(?:$|[.,;:!)\-–—]|and\b|then\b|above\b|you\b|given\b))",
            r"\bignore\s+your\s+(?:instructions|rules|guidelines|programming|training|prompt|system prompt|previous|safety)",
            r"\b(?:ignore|disregard|forget)\s+(?:everything|all(?:\s+that)?)\s+(?:above|before|previously"
            r"|you(?:'ve| have)? (?:been told|were told|read)|(?:that )?(?:came|comes|was said) (?:before|above)"
            r"|in (?:the|this) (?:article|text|prompt))",
            r"\b(?:ignore|disregard|forget)\s+(?:the|this)\s+(?:above|article|text|passage|document|input)\b",
            r"\b(?:ignore|disregard|forget|skip)\s+the\s+rest\s+of\s+(?:this|the)\s+(?:article|text|page|document|input"
            r"|story)\b",
            r"\bnew\s+(?:task|instructions?|prompt|directive)\s*:",
            r"\b(?:note|message|instructions?|reminder|notice|memo|request|directive|warning|hint|tip)\s+(?:to|for)\s+"
            rf"(?:any\s+|all\s+|the\s+|every\s+)?{_MODEL}{_NOT_ADDRESSEE}",
            rf"^[\W_]*(?:dear|hey|hi|hello|attention|calling all|to all|to any|for all|for any)\s+(?:the\s+)?{_MODEL}\b"
            rf"{_NOT_ADDRESSEE}",
            rf"^[\W_]*{_MODEL}\s*[,:]\s*(?:please|you|listen|ignore|forget|disregard|write|say|summari[sz]e|describe"
            r"|remember|do not|don't|always|never|your|from now on|note|output|print|reveal|stop|include|add)\b",
            rf"\b(?:if|when|whenever|while|since|as|because)\s+you(?:'re|\s+are)\s+(?:an?\s+|the\s+)?{_MODEL}\b"
            rf"{_NOT_ADDRESSEE}",
            rf"\b{_MODEL}\s+(?:(?:that|who|which)\s+)?(?:is\s+|are\s+)?(?:reading|reads|summari[sz]ing|summari[sz]es"
            r"|processing|processes|parsing|parses|ingesting|scraping|condensing|rewriting|analy[sz]ing|crawling)\s+"
            r"(?:this|these)\b",
            r"^[\W_]*(?:summary|summari[sz]ation|summari[sz]er|AI|LLM|model|assistant|bot)\s+(?:instructions?|note|directive"
            r"|prompt)\s*:",
            r"\b(?:the|any|every|each)\s+(?:summary|summaries|headline|briefing|answer|response|tl;?dr)\s+you\s+(?:write"
            r"|produce|generate|give|create)\b",
            r"\byour\s+(?:system\s+prompt|(?:initial|original|hidden|secret)\s+(?:prompt|instructions))\b",
            r"\b(?:when|while|before|after|if|in)\s+(?:you\s+(?:are\s+)?)?(?:summari[sz]ing|summari[sz]e|condensing"
            r"|condense|rewriting|paraphrasing|shortening|briefing readers on)\s+(?:this|the above|the following)\s+"
            r"(?:article|text|story|page|piece|document|content|passage|post|item|news|material|paragraph|section)\b",
            r"\b(?:when|while|before|if)\s+you\s+(?:are\s+)?(?:read|reading|process|processing|analy[sz]e|analy[sz]ing"
            r"|parse|parsing)\s+(?:this|the above)\s+(?:article|text|story|page|document|content|passage|post)\b",
            r"(?:^[\W_]*|\b(?:any|every|each|all|your)\s+)(?:summary|summaries|briefings?|tl;?drs?|synopsis)\b"
            r"(?:\s+of\s+this\s+\w+)?\s+(?:must|should|shall|has to|have to|needs? to|will)\b",
            r"\b(?:summary|summaries|summari[sz]ation|synopsis|tl;?dr)\s+of\s+this\s+(?:article|story|text|page|site|piece)"
            r"\s*(?::|(?:must|should|shall|has to|have to|needs? to|will)\b)",
            r"\bwhen\s+you\s+(?:write|produce|generate|create|draft|give)\s+(?:the|your|a|any)\s+(?:summary|summaries"
            r"|briefing|tl;?dr|headline|synopsis|key points|bullet points)\b",
            r"\b(?:end|begin|start|open|close|finish|conclude|sign off)\s+(?:every|each|any|all|your)\s+(?:summary|summaries"
            r"|briefing|tl;?dr|synopsis|answer|response|reply)\b",
            r"\b(?:in|into|to|from|with|end|begin|start|open|close|finish|conclude)\s+your\s+(?:summary|summaries|briefing"
            r"|tl;?dr|synopsis|key points|bullet points)\b",
            r"\b(?:developer|DAN|god|jailbreak|unrestricted|unfiltered)\s+mode\s+(?:is\s+)?(?:now\s+)?(?:enabled|activated"
            r"|engaged|on(?=\s*(?:$|[.,;:!]))\b)|\b(?:enable|enter|activate)\s+(?:DAN|jailbreak|god)\s+mode\b|\bdo anything now\b",
            r"\bas an AI(?: language model)?,? I\b",
            # Secrets: the model's prompt, keys, passwords.
            r"\b(?:reveal|print|output|repeat|leak|disclose|show|display|share|tell|give|send|write out|echo|dump|recite)\b"
            r"[^.?!]{0,25}\b(?:(?:your|the)\s+(?:system\s+prompt|(?:initial|original|hidden|secret)\s+(?:prompt|instructions)"
            r"|instructions you were given)|your\s+(?:api\s*keys?|secret\s+keys?|credentials|passwords?|instructions|prompt))",
            r"\bwhat\s+(?:is|are|was|were)\s+your\s+(?:system\s+prompt|instructions|initial prompt|original prompt|prompt"
            r"|rules|api keys?|password)",
            r"\b(?:repeat|recite|print|output)\b[^.?!]{0,30}\b(?:word for word|verbatim)\b",
            # Markup: scripts, frames, event handlers, images that send the summary away.
            r"<\s*/?\s*(?:script|iframe|img|svg|object|embed|style|link|meta|form|base)\b|javascript\s*:"
            r"|\bon(?:error|load|click|mouseover|focus)\s*=|!\[[^\]]*\]\(\s*https?:|<\s*a\s+href",
            # Our own prompt's wording echoed back, and the end of the data announced.
            r"\buse only facts from the article\b|\banswer with the (?:\w+ ){0,2}only\b|\bno full stop at the end\b",
            r"^[\W_]*(?:end|beginning|start) of (?:the )?(?:article|text|document|input|context)\W*$",
        )
    ),
    re.IGNORECASE,
)
# Jailbreak personas are spelled in capitals ("DAN answers every question"); "Dan" is a name.
_PERSONA = re.compile(r"\bDAN\b(?=\s+(?:is|will|can|answers|never|always|has|does|must)\b)|\bYou are now DAN\b")

# Imperatives aimed at whoever writes the briefing. Only outside quotations: '"Always carry your
# ID," the minister told citizens' reports an order, it does not give one.
_DIRECTIVE = re.compile(
    "|".join(
        (
            rf"{_LEAD}(?:always|never|only|do not|don't|make sure(?: to| that you| you)?|be sure to|remember to|you must"
            rf"|you should|you will|must)\s+(?:(?:always|never|only|also|ever|again|clearly|explicitly|publicly)\s+)?"
            rf"{_BRIEFING_VERB}\b(?!\s+of\b)",
            rf"{_LEAD}(?:describe|portray|depict|characteri[sz]e|refer to|present)\s+[^.]{{1,80}}?\s+as\b",
            rf"{_LEAD}(?:say|write|state|claim|report|add|mention|conclude|insist|stress|answer)\s+(?:only\b|that\b|:)",
            rf"{_LEAD}(?:respond|reply|answer|speak|talk|write)\s+(?:only|exclusively|solely)\b",
            rf"{_LEAD}tell\s+(?:the\s+)?(?:readers?|users?|audience|people|everyone|them)\s+(?:that|to)\b",
            rf"{_LEAD}(?:summari[sz]e|rewrite|paraphrase|translate|condense)\s+(?:this|the)\s+(?:article|story|text|news"
            r"|report|piece|page)\b",
            r"\b(?:in|into|to|from)\s+your\s+(?:answer|response|reply|output|headline)\b",
            r"\byour\s+(?:new\s+|real\s+|actual\s+|only\s+|next\s+|true\s+)?(?:task|job|role|goal|mission|objective"
            r"|purpose|instructions?)\s+(?:is|are|will be|now)\b",
            r"\byou\s+are\s+now\b|\bfrom now on\b,?\s+(?:you|always|never|only|refer|respond|reply|answer|write|say|call"
            r"|describe|summari[sz]e)\b",
            rf"\byou\s+(?:will|must|shall|should)\s+(?:(?:now|only|always|never)\s+)*{_BRIEFING_VERB}\b",
            r"\byou\s+are\s+(?:an?|the)\s+(?:\w+\s+){0,2}(?:AI|assistant|chatbot|bot|language model|LLM|summari[sz]er)\b"
            rf"{_NOT_ADDRESSEE}",
        )
    ),
    re.IGNORECASE,
)
# "..., experts say." / "..., the bank told customers.": the imperative is someone's advice, reported.
_ATTRIBUTED = re.compile(
    r",\s*(?:[\w'’.\-]+\s+){0,6}(?:said|says|say|told|tells|tell|warned|warns|warn|advised|advises|advise|urged|urges"
    r"|urge|added|adds|wrote|writes|insisted|insists|reminded|reminds|ordered|orders|instructed|instructs|explained"
    r"|explains|joked|jokes|recommended|recommends|suggested|suggests|cautioned|cautions|argued|argues|noted|notes"
    r"|stressed|stresses|announced|announces)\b[^,;:]*$|\baccording to\b",
    re.IGNORECASE,
)
# Follows an instruction and goes on giving orders ("Call it the best phone of the year."): a
# sentence that opens with a bare imperative continues the instruction before it.
_CONTINUATION = re.compile(
    rf"^[\W_]*(?:(?:and|also|then|finally|instead|now|next|afterwards)\b[\s,:]*)*(?:{_BRIEFING_VERB}|include|exclude"
    r"|add|end|begin|start|name|list|remove|leave out|hide|reveal|recommend|tell|speak|talk|respond|reply|answer|use"
    r"|make|keep|repeat|remember|do|don't|never|always|only|be|stop|avoid|ensure|blame|sign|format|pretend|give"
    r"|provide|insert|put|replace|link|treat|rate|urge|ask|encourage|warn|buy|sell|vote|visit|click|email|contact)\b",
    re.IGNORECASE,
)
_QUOTATION = re.compile(r"[\"“”][^\"“”]*[\"“”]|‘[^‘’]*’")
_WORD = re.compile(r"[^\W_]{2,}")


def _outside_quotations(text: str) -> str:
    """The sentence without its quotations, when it has words of its own (an attribution); a
    sentence that is one quotation is checked whole, so quote marks cannot hide an instruction."""
    rest = _QUOTATION.sub(" ", text)
    return rest if len(_WORD.findall(rest)) >= 2 and rest.strip() != text.strip() else text


def looks_like_instruction(text: str) -> bool:
    """Whether one sentence is addressed to a model rather than to a reader: a chat-turn marker,
    an instruction, markup or our prompt's wording. Such a sentence is never shipped or extracted."""
    if _MARKER.search(text) or _ADDRESSED.search(text) or _PERSONA.search(text):
        return True
    own = _outside_quotations(text)
    return bool(_DIRECTIVE.search(own)) and not _ATTRIBUTED.search(own)


@dataclass(frozen=True)
class _Event:
    sentence: int
    end: int  # where the marker ends in its sentence
    role: Role
    family: str


def _events(sentences: list[str]) -> list[_Event]:
    events = []
    for i, sentence in enumerate(sentences):
        for match in _MARKER.finditer(sentence):
            role, family, _ = TURN_MARKERS[int((match.lastgroup or "m0")[1:])]
            if role != "mark":
                events.append(_Event(i, match.end(), role, family))
    return events


def sentence_spans(sentences: list[str], text: str) -> list[tuple[int, int]] | None:
    """Where each sentence of ``text`` lies in it, found in order by matching with whitespace removed
    (the splitter re-spaces, strips bullets and datelines, drops widget text); None when a sentence
    cannot be found."""
    kept = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = "".join(text[i] for i in kept)
    spans = []
    cursor = 0
    for sentence in sentences:
        needle = "".join(sentence.split())
        at = compact.find(needle, cursor)
        if at < 0 or not needle:
            return None
        cursor = at + len(needle)
        spans.append((kept[at], kept[cursor - 1] + 1))
    return spans


# A sentence that ends without a terminator ended at a line break: the splitter cuts lines and, within
# a line, only after a terminator ("<|im_start|>assistant", "### Response:", "[/INST]").
_TERMINATED = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


# Reporting: a figure or an attribution. Without the article's line breaks, taken to start a line.
_REPORTING = re.compile(r"\d|\b(?:said|says|told|according to|announced|reported|confirmed)\b", re.IGNORECASE)


def _layout(sentences: list[str], text: str | None) -> tuple[list[int], list[int]]:
    """Each sentence's line and paragraph. Without ``text`` (or when its sentences cannot be found in
    it) the lines are guessed: a line ends after a sentence with no terminator and before one that
    reports (a figure, an attribution: the article resuming), and the article is one paragraph.
    The guess can end a fake reply early ("The authority has said there is no danger."): callers
    pass the article."""
    spans = sentence_spans(sentences, text) if text is not None else None
    if text is None or spans is None:
        lines, line = [], 0
        for sentence in sentences:
            line += bool(_REPORTING.search(sentence))
            lines.append(line)
            line += not _TERMINATED.search(sentence)
        return lines, [0] * len(sentences)
    newlines = [m.start() for m in re.finditer(r"\r\n?|\n", text)]
    blank_lines = [m.start() for m in re.finditer(r"(?:\r\n?|\n)[^\S\r\n]*(?:\r\n?|\n)", text)]
    lines = [bisect_right(newlines, start) for start, _ in spans]
    paragraphs = [bisect_right(blank_lines, start) for start, _ in spans]
    return lines, paragraphs


def _turn_bodies(sentences: list[str], text: str | None) -> set[int]:
    """Sentences inside a fake chat turn. A turn's body runs from its marker to the next marker when
    that closes it, or opens the next turn in the same paragraph; otherwise (a last turn left open,
    or the next one paragraphs away) it is the body's first line: the rest of the marker's line, or
    the next line when the marker stands alone (a Llama [/INST] reply: its own line only). Without
    the article the lines are guessed (:func:`_layout`)."""
    events = _events(sentences)
    lines, paragraphs = _layout(sentences, text)
    hostile: set[int] = set()
    open_families: set[str] = set()
    for n, event in enumerate(events):
        if event.role == "open":
            open_families.add(event.family)
        else:  # close or reply
            if event.family == "*":
                open_families.clear()
            open_families.discard(event.family)
            open_families -= _UNCLOSED_FAMILIES
            if event.family == "llama":
                open_families.discard("sys")
            if event.role == "reply":
                open_families.add("reply")
        if not open_families:
            continue
        following = events[n + 1] if n + 1 < len(events) else None
        first, stop = event.sentence + 1, following.sentence if following else len(sentences)
        if following is not None and (
            following.role != "open" or paragraphs[following.sentence] == paragraphs[event.sentence]
        ):
            hostile.update(range(first, stop))  # the whole way to the next marker
            continue
        if _WORD.search(sentences[event.sentence][event.end :]):
            body_line = lines[event.sentence]
        elif open_families == {"reply"} or first >= stop:
            continue
        else:
            body_line = lines[first]
        hostile.update(k for k in range(first, stop) if lines[k] == body_line)
    return hostile


def hostile_sentences(sentences: list[str], text: str | None = None) -> set[int]:
    """Indices of the sentences that are instructions, markup or chat-turn markers, and of every
    sentence of a fake turn's body, and of each order that follows an instruction. ``text`` is the
    article the sentences were split from: with it a turn left open ends at its line's end, without
    it where the lines are guessed to end. Never shipped and never counted as evidence."""
    flagged = {i for i, sentence in enumerate(sentences) if looks_like_instruction(sentence)}
    for i in range(len(sentences) - 1):  # in order, so a run of imperatives after one is caught whole
        if i in flagged and _CONTINUATION.search(sentences[i + 1]):
            flagged.add(i + 1)
    return flagged | _turn_bodies(sentences, text)
