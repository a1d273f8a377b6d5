"""The protocol: one pydantic model per request and response body, shared by the HTTP routes, the
command line and the batch runner.

Validation, the JSON the service writes and the OpenAPI document (service/http/openapi.py) all come
from these models. Choices are ``Literal`` types built from the tables (LENGTHS, STYLES, MODES,
FORMATS); settings-dependent limits (``max_article_chars``, ``max_batch_articles``) come in through
the validation context. :func:`parse` turns pydantic's errors into the service's own
(:class:`InvalidInput` 422, :class:`PayloadTooLarge` 413), with the messages clients already know.
The domain (service/briefing) returns dataclasses; the ``of`` constructors here turn them into
response models, which only the HTTP layer and the CLI's ``--json`` serialise.
"""

from __future__ import annotations

import dataclasses
import re
import typing
import unicodedata
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SkipValidation,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from service.briefing import briefer, checker, rewriter
from service.briefing.briefer import FORMATS, MODES
from service.briefing.lengths import ADJUSTABLE, DEFAULT_LENGTHS, LENGTHS, LengthSpec
from service.briefing.styles import STYLES
from service.errors import BrieflyError, InvalidInput, PayloadTooLarge, public_error
from service.settings import Settings

if TYPE_CHECKING:  # the checker sees plain strings; pydantic sees the tables' names
    LengthName = str
    FormatName = str
    ModeName = str
    StyleName = str
else:
    LengthName = Literal[tuple(LENGTHS)]
    FormatName = Literal[FORMATS]
    ModeName = Literal[tuple(MODES)]
    StyleName = Literal[tuple(STYLES)]

# Body kind -> the field a briefing's text body fills (text/plain: "article", text/html: "html");
# a JSON briefing names exactly one of these fields.
BRIEFING_TEXT_FIELDS = {"text": "article", "html": "html"}
ARTICLE_FIELDS = tuple(BRIEFING_TEXT_FIELDS.values())
BRIEFING_SOURCES = (*ARTICLE_FIELDS, "url")  # a briefing may also name a page to fetch
FOCUS_MAX_CHARS = 300
URL_MAX_CHARS = 2048
ITEM_ID_MAX_CHARS = 200
TOO_LARGE = "too_large"  # the error type that answers 413 instead of 422

# C0/C1 controls except tab and newline, bidi overrides and zero-width characters: invisible, and a
# classic way to smuggle instructions or break tokenizers. Removed before anything reads the text.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


# ---------------------------------------------------------------- text fields
def valid_text(value: str, field: str, limit: int | None) -> str:
    """Valid Unicode, invisible characters removed, NFC, stripped, not empty, at most ``limit``."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PydanticCustomError(
            "unpaired_surrogate",
            "'{field}' contains an unpaired surrogate at position {position}",
            {"field": field, "position": exc.start},
        ) from exc
    value = unicodedata.normalize("NFC", _INVISIBLE.sub("", value)).strip()
    if not value:
        raise PydanticCustomError("empty", "'{field}' is empty", {"field": field})
    if limit is not None and len(value) > limit:
        raise PydanticCustomError(
            TOO_LARGE,
            "'{field}' has {size} characters; the limit is {limit}",
            {"field": field, "size": len(value), "limit": limit},
        )
    return value


def checked_text(value: str, field: str, limit: int | None) -> str:
    """:func:`valid_text` for text found after parsing (an HTML page's article): our errors."""
    try:
        return valid_text(value, field, limit)
    except PydanticCustomError as exc:
        error = PayloadTooLarge if exc.type == TOO_LARGE else InvalidInput
        raise error(exc.message(), field=field) from None


def _settings(info: ValidationInfo) -> Settings | None:
    return info.context.get("settings") if isinstance(info.context, dict) else None


def _cleaned(value: str, info: ValidationInfo) -> str:
    """A text field cleaned and held to its limit: a web page's HTML to ``max_html_chars`` (a news
    page's markup is hundreds of kilobytes; the article limit applies to the text extracted from
    it), every other text to ``max_article_chars``."""
    settings = _settings(info)
    field = info.field_name or "text"
    limit = None
    if settings is not None:
        limit = settings.max_html_chars if field == "html" else settings.max_article_chars
    return valid_text(value, field, limit)


Text = Annotated[str, Field(min_length=1), AfterValidator(_cleaned)]


def _split_lengths(value: Any) -> Any:
    """A list of length names, or one comma-separated string of them (query strings, the CLI)."""
    return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value


Lengths = Annotated[
    list[LengthName],
    Field(min_length=1, description="length names; a comma-separated string of them is accepted too"),
]


class _Body(BaseModel):
    """A request body: unknown fields are refused; null means the default."""

    model_config = ConfigDict(extra="forbid")
    # What any other error on one of these fields says (the field's shape is wrong as a whole).
    shape_messages: ClassVar[dict[str, str]] = {"lengths": "'lengths' must be a non-empty list of length names"}

    @field_validator("lengths", "format", mode="before", check_fields=False)
    @classmethod
    def _null_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name:
            return cls.model_fields[info.field_name].get_default(call_default_factory=True)
        return _split_lengths(value) if info.field_name == "lengths" else value

    @field_validator("lengths", mode="after", check_fields=False)
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


def _exactly_one_article(data: dict[str, Any], sources: tuple[str, ...] = ARTICLE_FIELDS) -> None:
    """Exactly one of ``sources``: "article" and "html" (checks), or "url" too (briefings)."""
    given = [f for f in sources if f in data]
    if not given:
        raise PydanticCustomError("article_missing", "'{field}' is required", {"field": sources[0]})
    if len(given) > 1:
        named = " or ".join(f"'{f}'" for f in given)
        raise PydanticCustomError("article_twice", "send either {named}, not both", {"field": given[1], "named": named})


def _focus(value: str, info: ValidationInfo) -> str:
    return valid_text(value, info.field_name or "focus", FOCUS_MAX_CHARS)


Focus = Annotated[str, Field(min_length=1), AfterValidator(_focus)]


class WordRange(BaseModel):
    """A prose length's word range, inclusive."""

    model_config = ConfigDict(extra="forbid")
    min_words: int
    max_words: int


class Counts(BaseModel):
    """How many key points and how many words of prose, within GET /v1/lengths' "adjustable" bounds;
    the length contract follows. A count for a length not requested is ignored."""

    model_config = ConfigDict(extra="forbid")
    key_points: int | None = Field(default=None, description="bullet points, default 3")
    paragraph: WordRange | None = Field(default=None, description="default 60-120 words")
    brief: WordRange | None = Field(default=None, description="default 150-250 words")

    @model_validator(mode="after")
    def _within_bounds(self) -> Counts:
        for name, adjustable in ADJUSTABLE.items():
            value = getattr(self, name)
            if value is None:
                continue
            low, high = adjustable.items or adjustable.words or (0, 0)
            if isinstance(value, WordRange):
                if not low <= value.min_words < value.max_words <= high:
                    raise PydanticCustomError(
                        "counts_out_of_bounds",
                        "counts.{name}: min_words and max_words must satisfy {low} <= min_words < max_words <= {high}",
                        {"field": f"counts.{name}", "name": name, "low": low, "high": high},
                    )
            elif not low <= value <= high:
                raise PydanticCustomError(
                    "counts_out_of_bounds",
                    "counts.{name} must be from {low} to {high}",
                    {"field": f"counts.{name}", "name": name, "low": low, "high": high},
                )
        return self

    def sizes(self) -> dict[str, LengthSpec]:
        """The lengths these counts change, resized (service/briefing/lengths.py)."""
        sizes: dict[str, LengthSpec] = {}
        for name, adjustable in ADJUSTABLE.items():
            value = getattr(self, name)
            if isinstance(value, WordRange):
                sizes[name] = adjustable.resize(LENGTHS[name], words=(value.min_words, value.max_words))
            elif value is not None:
                sizes[name] = adjustable.resize(LENGTHS[name], items=value)
        return sizes


# ---------------------------------------------------------------- requests
class BriefingRequest(_Body):
    """An article ("article"; "html" to extract it from a web page; "url" to fetch the page first)
    and what to make of it."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": [f]} for f in BRIEFING_SOURCES]})

    title: Text | None = Field(default=None, description="the article's title; with html, the page's title when absent")
    # Absent or a string, never null: exactly one of the two is given (see _one_article).
    article: Text = Field(default=None, description="the article's text")  # type: ignore[assignment]
    html: Text = Field(default=None, description="a web page: its main text and title are extracted")  # type: ignore[assignment]
    url: str = Field(  # type: ignore[assignment]
        default=None,
        min_length=1,
        max_length=URL_MAX_CHARS,
        description="a public http(s) page Briefly fetches and briefs as html (when the server allows: BRIEFLY_ALLOW_URLS)",
    )
    lengths: Lengths = Field(default_factory=lambda: list(DEFAULT_LENGTHS))
    format: FormatName = Field(default="text", description="text, or markdown (bullets and emphasis)")
    mode: ModeName | None = Field(default=None, description="absent: the server's default (GET /v1/modes)")
    focus: Focus | None = Field(
        default=None,
        description=f"what the reader cares about (at most {FOCUS_MAX_CHARS} characters): sentences about it are preferred and the model is asked to cover it; it is never evidence, so a briefing states nothing about it the article does not",
    )
    counts: Counts | None = None
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}$",
        description="the article's language as an ISO 639-1 code (de, zh...); absent: detected",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_article(cls, data: Any) -> Any:
        """Exactly one of "article", "html" and "url". Checked once every field is known: unknown
        fields are reported first."""
        if isinstance(data, dict) and set(data) <= set(cls.model_fields):
            _exactly_one_article(data, BRIEFING_SOURCES)
        return data

    @field_validator("title", mode="before")
    @classmethod
    def _blank_title_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


def _id_not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("blank")
    return value


ItemId = Annotated[str, StringConstraints(min_length=1, max_length=ITEM_ID_MAX_CHARS), AfterValidator(_id_not_blank)]
_ITEM_ID: TypeAdapter[str] = TypeAdapter(ItemId)


class BatchItem(BriefingRequest):
    """One article of a batch: an id plus the fields of a BriefingRequest."""

    id: ItemId


def item_id(item: Any, index: int) -> str:
    """A batch item's id: a non-empty string (so results can be matched and runs resumed)."""
    if not isinstance(item, dict):
        raise InvalidInput(f"item {index} must be an object", field="articles")
    try:
        return _ITEM_ID.validate_python(item.get("id"))
    except ValidationError:
        raise InvalidInput(
            f"item {index} needs an 'id': a non-empty string of at most {ITEM_ID_MAX_CHARS} characters", field="id"
        ) from None


class BatchRequest(_Body):
    """Several articles; lengths, format and mode are defaults each item may override."""

    shape_messages: ClassVar[dict[str, str]] = {
        **_Body.shape_messages,
        "articles": '\'articles\' must be a non-empty list of {"id", "article" or "html", ...options}',
    }

    # Items are checked one by one (a bad item fails only itself): the envelope takes them as they are.
    articles: list[SkipValidation[BatchItem]] = Field(min_length=1)
    lengths: Lengths = Field(default_factory=lambda: list(DEFAULT_LENGTHS))
    format: FormatName = Field(default="text", description="text, or markdown (bullets and emphasis)")
    mode: ModeName | None = None

    @field_validator("articles")
    @classmethod
    def _at_most(cls, value: list[Any], info: ValidationInfo) -> list[Any]:
        settings = _settings(info)
        if settings is not None and len(value) > settings.max_batch_articles:
            raise PydanticCustomError(
                TOO_LARGE,
                "{size} articles; the limit is {limit} per batch (the CLI has none)",
                {"field": "articles", "size": len(value), "limit": settings.max_batch_articles},
            )
        return value

    def defaults(self) -> dict[str, Any]:
        """The batch-wide options the request gave, for items to fall back on."""
        return self.model_dump(exclude={"articles"}, exclude_unset=True)

    @classmethod
    def checked_defaults(cls, options: dict[str, Any]) -> dict[str, Any]:
        """Batch-wide options on their own (the CLI's flags; its items come from a file and are
        checked one by one), checked up front as a request's would be."""
        return parse(cls, {**options, "articles": [{}]}).defaults()


class RewriteRequest(_Body):
    """A text and the style to rewrite it in."""

    text: Text
    style: StyleName = Field(description="the style to rewrite in (GET /v1/styles)")


class CheckRequest(_Body):
    """A summary written by any system, and the article to check it against ("article", or "html"
    to extract it from a web page)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["summary", f]} for f in ARTICLE_FIELDS]})

    summary: Text = Field(description="the summary to fact-check, sentence by sentence")
    article: Text = Field(default=None, description="the article's text")  # type: ignore[assignment]
    html: Text = Field(default=None, description="a web page: its main text is extracted")  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _one_article(cls, data: Any) -> Any:
        if isinstance(data, dict) and set(data) <= set(cls.model_fields) and "summary" in data:
            _exactly_one_article(data)
        return data


# ---------------------------------------------------------------- parsing, with the service's errors
Body = TypeVar("Body", bound=_Body)


def parse(model: type[Body], data: Any, settings: Settings | None = None) -> Body:
    """``data`` validated as ``model``; the first problem raised as our 422 or 413."""
    try:
        return model.model_validate(data, context={"settings": settings})
    except ValidationError as exc:
        raise first_error(model, exc.errors(include_url=False)) from None


def _rank(error: ErrorDetails) -> int:
    """Unknown fields first, then absent ones, then the rest in field order (the checks' old order)."""
    if error["type"] == "extra_forbidden":
        return 0
    if error["type"] == "missing" or (error["type"] == "literal_error" and error["input"] is None):
        return 1
    return 2


def choices(model: type[BaseModel], field: str) -> list[str]:
    """The names a field's ``Literal`` allows, in table order."""
    found: list[str] = []
    stack: list[Any] = [model.model_fields[field].annotation]
    while stack:
        annotation = stack.pop(0)
        if typing.get_origin(annotation) is Literal:
            found += [a for a in typing.get_args(annotation) if isinstance(a, str)]
        else:
            stack += typing.get_args(annotation)
    return found


NESTED_FIELDS = ("counts",)


def first_error(model: type[_Body], errors: list[ErrorDetails]) -> BrieflyError:
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return InvalidInput(f"unknown fields {unknown}; accepted: {sorted(model.model_fields)}", field=unknown[0])
    error = min(errors, key=_rank)
    ctx = error.get("ctx") or {}
    field = str(ctx.get("field") or (error["loc"][0] if error["loc"] else ""))
    if field in NESTED_FIELDS and len(error["loc"]) > 1 and "field" not in ctx:  # name the inner field
        inner = ".".join(str(part) for part in error["loc"])  # counts.paragraph.max_words
        return InvalidInput(f"'{inner}': {error['msg']}", field=inner)
    if "field" in ctx:  # one of ours: its message is the message
        return (PayloadTooLarge if error["type"] == TOO_LARGE else InvalidInput)(error["msg"], field=field)
    if field == "lengths":
        return InvalidInput(_lengths_message(model, [e for e in errors if e["loc"][0] == "lengths"]), field=field)
    if field in model.shape_messages:
        return InvalidInput(model.shape_messages[field], field=field)
    allowed = choices(model, field)
    if _rank(error) == 1:
        return InvalidInput(f"'{field}' is required" + (f"; choose one of {allowed}" if allowed else ""), field=field)
    if error["type"] == "literal_error":
        return InvalidInput(f"unknown {field} {error['input']!r}; choose one of {sorted(allowed)}", field=field)
    if error["type"] == "string_type":
        return InvalidInput(f"'{field}' must be a string", field=field)
    if error["type"] == "string_too_short":
        return InvalidInput(f"'{field}' is empty", field=field)
    return InvalidInput(f"'{field}': {error['msg']}", field=field)


def _lengths_message(model: type[_Body], errors: list[ErrorDetails]) -> str:
    """Names that are no length, when every problem is one; else the list's shape is wrong."""
    unknown = [e["input"] for e in errors if e["type"] == "literal_error" and len(e["loc"]) == 2]
    if unknown and len(unknown) == len(errors) and all(isinstance(v, str) for v in unknown):
        return f"unknown lengths {unknown}; choose from {choices(model, 'lengths')}"
    return model.shape_messages["lengths"]


# ---------------------------------------------------------------- responses
class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _absent(value: Any) -> bool:
    return value is None


class Sentence(_Out):
    """A shipped sentence: where it came from, its support (0-1) and the article sentences it cites."""

    text: str
    origin: Literal["generated", "condensed", "extracted", "title"] = Field(
        description="generated: written freely by the model; condensed: the cited article sentence with "
        "clauses deleted, the model choosing which; extracted: the article sentence as it stands; title: the "
        "request's or page's title, checked against the article"
    )
    support: float
    cites: list[int]
    flagged: Literal["low_support"] | None = Field(
        default=None, exclude_if=_absent, description="abstractive mode: shipped although its support is low"
    )

    @field_validator("support", mode="before")
    @classmethod
    def _rounded(cls, value: float) -> float:
        return round(value, 3)

    @field_validator("flagged", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return ("low_support" if value else None) if isinstance(value, bool) else value


class Rejected(_Out):
    """A generated sentence that did not ship, and why."""

    text: str
    reasons: list[str]


class Briefing(_Out):
    """One length: its text, how it measures against the length's contract, its sentences."""

    text: str
    words: int
    within_contract: bool
    contract: str = Field(description="the contract it was measured against (the length's, with the request's counts)")
    violations: list[str]
    sentences: list[Sentence]
    rejected: list[Rejected]


class ArticleInput(_Out):
    """The input's size, how it fit the generator and, for HTML, what was extracted."""

    sentences: int
    words: int
    characters: int
    tokens: int
    condensed: bool
    budget_tokens: int | None = Field(default=None, exclude_if=_absent)
    strategy: str | None = Field(default=None, exclude_if=_absent)
    kept_sentences: int | None = Field(default=None, exclude_if=_absent)
    generation_tokens: int | None = Field(default=None, exclude_if=_absent)
    extracted: dict[str, Any] | None = Field(default=None, exclude_if=_absent)
    language: str = Field(description="the article's language (ISO 639-1): the request's, else detected")

    @classmethod
    def of(cls, given: briefer.InputReport, extracted: dict[str, object] | None = None) -> ArticleInput:
        counts = {f.name: getattr(given, f.name) for f in dataclasses.fields(given) if f.name != "fit"}
        return cls(**counts, **dataclasses.asdict(given.fit), extracted=extracted)


Timings = dict[str, float | int]


class BriefingResponse(_Out):
    briefings: dict[LengthName, Briefing]
    mode: ModeName
    cut_short: bool
    input: ArticleInput
    article_sentences: list[str]
    timings: Timings
    model: dict[str, Any]
    note: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="why the mode used differs from the one asked for, or that a page was briefed from its first part",
    )

    @classmethod
    def of(
        cls, result: briefer.BriefingResult, model: dict[str, Any], extracted: dict[str, object] | None = None
    ) -> BriefingResponse:
        return cls(
            briefings={name: Briefing.model_validate(b) for name, b in result.briefings.items()},
            mode=result.mode,
            cut_short=result.cut_short,
            input=ArticleInput.of(result.input, extracted),
            article_sentences=result.article_sentences,
            timings=result.timings,
            model=model,
            note=result.note,
        )


class Analysed(_Out):
    """The first event of a streamed briefing: the analysed input, before any length is made."""

    mode: ModeName
    lengths: list[LengthName]
    input: ArticleInput
    article_sentences: list[str]

    @classmethod
    def of(cls, preview: briefer.Preview) -> Analysed:
        return cls(
            mode=preview.mode,
            lengths=preview.lengths,
            input=ArticleInput.of(preview.input),
            article_sentences=preview.article_sentences,
        )


class RewrittenSentence(_Out):
    text: str
    source: int = Field(description="the original sentence's index")
    rewritten: bool
    reasons: list[str] | None = Field(default=None, exclude_if=_absent, description="why the original stands")


class RewriteResponse(_Out):
    text: str
    style: StyleName
    words: int
    sentences: list[RewrittenSentence]
    rewritten_sentences: int
    kept_original_sentences: int
    dropped_sentences: int
    cut_short: bool
    timings: Timings
    note: str | None = Field(default=None, exclude_if=_absent, description="when no sentence changed: why")
    model: dict[str, Any]

    @classmethod
    def of(cls, result: rewriter.RewriteResult, model: dict[str, Any]) -> RewriteResponse:
        return cls(**{f.name: getattr(result, f.name) for f in dataclasses.fields(result)}, model=model)


class SourceSpan(_Out):
    """A clause of a checked sentence and the stretch of an article sentence it restates."""

    clause: str = Field(description="the clause of the checked sentence")
    source: int = Field(description="the article sentence it restates: an index into article_sentences")
    text: str = Field(description="the clause(s) of that article sentence it was aligned to")


class CheckedSentence(_Out):
    text: str
    supported: bool
    reasons: list[str] = Field(description="why it is refused, in words (empty when supported)")
    cites: list[int] = Field(description="its sources: indices into article_sentences, found by alignment")
    support: float = Field(
        description="the probability that its sources support it (1 - the judge's risk), 0-1; 0 after a veto"
    )
    confidence: float = Field(
        description="the probability that this verdict is right: the judge's own for a weighed verdict, the "
        "share of vetoed summaries people found unfaithful for a veto"
    )
    spans: list[SourceSpan] = Field(description="each clause with the source span it was aligned to")


class CheckResponse(_Out):
    """Each summary sentence judged against the article sentences it draws on."""

    supported: bool = Field(description="every sentence supported")
    support: float = Field(description="the probability that no sentence of the summary errs, 0-1")
    sentences: list[CheckedSentence]
    article_sentences: list[str]

    @classmethod
    def of(cls, result: checker.SummaryCheck) -> CheckResponse:
        sentences = [
            CheckedSentence(
                text=s.text,
                supported=s.judgement.supported,
                reasons=list(s.judgement.reasons),
                cites=list(s.judgement.cites),
                support=round(1.0 - s.judgement.risk, 3),
                confidence=round(s.judgement.confidence, 3),
                spans=[SourceSpan(clause=c.clause, source=c.source, text=c.text) for c in s.judgement.spans],
            )
            for s in result.sentences
        ]
        return cls(
            supported=result.supported,
            support=round(result.support, 3),
            sentences=sentences,
            article_sentences=result.article_sentences,
        )


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = Field(default=None, exclude_if=_absent)


class Error(BaseModel):
    """Every error body: {"error": {"code", "message", "field" (when one field is at fault)}}."""

    error: ErrorDetail

    @classmethod
    def of(cls, exc: Exception) -> tuple[int, Error, dict[str, str]]:
        """(status, body, headers) a client may see for ``exc`` (internal errors say no more)."""
        status, body, headers = public_error(exc)
        return status, cls.model_validate(body), headers


class BatchResult(_Out):
    """One article's result: its id (null unless a string), and its briefing or its error."""

    id: str | None
    index: int | None = Field(default=None, exclude_if=_absent, description="the item's position (errors, the CLI)")
    status: int
    result: BriefingResponse | None = Field(default=None, exclude_if=_absent)
    error: ErrorDetail | None = Field(default=None, exclude_if=_absent)

    @classmethod
    def failed(cls, item_id: Any, index: int, exc: Exception) -> BatchResult:
        status, body, _ = Error.of(exc)
        return cls(id=item_id if isinstance(item_id, str) else None, index=index, status=status, error=body.error)


class BatchResponse(_Out):
    results: list[BatchResult]
    succeeded: int
    failed: int

    @classmethod
    def of(cls, results: list[BatchResult]) -> BatchResponse:
        succeeded = sum(r.status == 200 for r in results)
        return cls(results=results, succeeded=succeeded, failed=len(results) - succeeded)


def dump(model: BaseModel) -> dict[str, Any]:
    """A response model as the JSON-ready dict the service writes."""
    return model.model_dump(mode="json")


# Every body the OpenAPI document describes, and whether the service reads or writes it.
DOCUMENTED: tuple[tuple[type[BaseModel], Literal["validation", "serialization"]], ...] = (
    (BriefingRequest, "validation"),
    (BatchRequest, "validation"),
    (RewriteRequest, "validation"),
    (CheckRequest, "validation"),
    (BriefingResponse, "serialization"),
    (BatchResponse, "serialization"),
    (RewriteResponse, "serialization"),
    (CheckResponse, "serialization"),
    (Error, "serialization"),
)
