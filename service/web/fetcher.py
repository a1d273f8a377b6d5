"""Fetch one web page for a briefing, without letting a client aim the server at its own network.

A ``url`` comes from an untrusted client, so the fetch is a server-side request on the client's
behalf (SSRF). Every hop, the first and each redirect target, is parsed, its host resolved once,
*every* resolved address checked, and the connection made to a checked address, never to a name
the HTTP library would resolve again (a DNS-rebinding answer cannot slip in between check and
use). Redirects are followed here, one validated hop at a time. Size and time are bounded while
streaming, not after: a body stops at ``max_bytes``, and a watchdog closes the socket when the
whole fetch's ``timeout_s`` is spent, however slowly the site trickles bytes.
"""

from __future__ import annotations

import html as html_lib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.response import HTTPResponse
from urllib3.util.ssl_match_hostname import CertificateError as Urllib3CertificateError

from service.errors import (
    BrieflyError,
    ConfigurationError,
    InvalidInput,
    PayloadTooLarge,
    UnsupportedMediaType,
    UrlFetchFailed,
    UrlRefused,
    UrlTimeout,
)
from service.settings import Settings
from service.web.page import decode_page

try:  # the CA bundle requests ships with; a slim image may have no system store
    import certifi

    CA_CERTS: str | None = certifi.where()
except ImportError:  # pragma: no cover - certifi comes with requests
    CA_CERTS = None

FIELD = "url"
DEFAULT_PORTS = {"http": 80, "https": 443}
READABLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_URL_CHARS = 2048
CHUNK_BYTES = 64 * 1024
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8"

# Names that only ever mean "this machine" or "this network"; refused before any lookup.
INTERNAL_NAMES = frozenset({"localhost", "metadata.google.internal", "metadata.azure.com", "instance-data"})
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet", ".corp")

# Cloud instance-metadata services (AWS, ECS, GCP, Azure, Alibaba, Oracle...): refused even when an
# allowance covers their range, since they hand out credentials.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
SHARED_NETWORK = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; not "private" to Python
NAT64_NETWORK = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# First matching rule names the refusal; the last catches whatever else is not publicly routable
# (documentation, benchmarking and other special-purpose ranges).
ADDRESS_RULES: tuple[tuple[str, Callable[[Address], bool]], ...] = (
    ("an unspecified", lambda ip: ip.is_unspecified),
    ("a loopback", lambda ip: ip.is_loopback),
    ("a link-local", lambda ip: ip.is_link_local),
    ("a multicast", lambda ip: ip.is_multicast),
    ("a shared (carrier-grade NAT)", lambda ip: ip in SHARED_NETWORK),
    ("a reserved", lambda ip: ip.is_reserved),
    ("a private", lambda ip: ip.is_private),
    ("a non-public", lambda ip: not ip.is_global),
)


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may do; the service builds one from its settings."""

    enabled: bool = False
    max_bytes: int = 5_000_000
    timeout_s: float = 10.0  # the whole fetch, redirects included
    max_redirects: int = 5
    allowed_addresses: frozenset[str] = field(default_factory=frozenset)  # IPs or CIDRs exempt from the private rule
    user_agent: str = "Briefly/1 (+news briefing)"

    @classmethod
    def of(cls, settings: Settings) -> FetchPolicy:
        """The policy the service's settings give (BRIEFLY_ALLOW_URLS, BRIEFLY_URL_*)."""
        return cls(
            enabled=settings.allow_urls,
            max_bytes=settings.url_max_bytes,
            timeout_s=settings.url_timeout_s,
            allowed_addresses=frozenset(a.strip() for a in settings.url_allowed_addresses.split(",") if a.strip()),
        )


@dataclass(frozen=True)
class FetchedPage:
    url: str  # final URL after redirects
    body: bytes
    content_type: str
    charset: str | None
    redirects: int
    seconds: float


@dataclass(frozen=True)
class _Hop:
    """One validated request target: where to connect, and what to say in the request line and Host."""

    url: str
    where: str  # how messages name this hop: "url", or "redirect target <url>"
    scheme: str
    host: str  # ASCII, lower case, no trailing dot, no IPv6 brackets
    port: int
    target: str  # path and query, percent-encoded

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def fetch_html(url: str, policy: FetchPolicy) -> tuple[str, dict[str, object]]:
    """The page at ``url`` as HTML text (a text/plain page wrapped in paragraphs, so extraction reads
    it as one page), and what the fetch did, for the response's ``input.extracted``."""
    page = fetch_page(url, policy)
    try:
        text = decode_page(page.body, page.charset)
    except (LookupError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the page at 'url' cannot be decoded: {exc}", field=FIELD) from None
    if page.content_type == "text/plain":
        text = "<html><body>" + "".join(f"<p>{html_lib.escape(p)}</p>" for p in text.split("\n\n")) + "</body></html>"
    return text, {"from": "url", "url": page.url, "redirects": page.redirects, "fetch_s": round(page.seconds, 3)}


def fetch_page(url: str, policy: FetchPolicy) -> FetchedPage:
    """GET ``url`` under ``policy``: refused, failed, too big, too slow or not text all raise the
    matching :mod:`service.errors` class with ``field="url"``."""
    if not policy.enabled:
        raise UrlRefused(
            "fetching a url is turned off on this server (BRIEFLY_ALLOW_URLS=1 turns it on); send the article text instead",
            field=FIELD,
        )
    started = time.monotonic()
    deadline = started + policy.timeout_s
    hop = _parse(url, "url")
    redirects = 0
    while True:
        addresses = _checked_addresses(hop, policy, deadline)
        with _connection(hop, addresses, policy, deadline) as response:
            location = _redirect_location(response, hop)
            if location is None:
                content_type, charset = _check_response(response, hop, policy)
                body = _read_body(response, hop, policy, deadline)
                return FetchedPage(hop.url, body, content_type, charset, redirects, time.monotonic() - started)
        redirects += 1
        next_url = urljoin(hop.url, location)
        if redirects > policy.max_redirects:
            raise UrlRefused(
                f"url redirected more than {policy.max_redirects} times (last to {_short(next_url)}); gave up",
                field=FIELD,
            )
        hop = _parse(next_url, f"redirect target {_short(next_url)}")


def _parse(url: str, where: str) -> _Hop:
    """Split and vet one URL; ``where`` starts each refusal so a bad redirect is told from the url."""
    if len(url) > MAX_URL_CHARS:
        raise UrlRefused(f"{where} is longer than {MAX_URL_CHARS} characters", field=FIELD)
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise UrlRefused(f"{where} contains spaces or control characters", field=FIELD)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"{where} is not a valid URL ({exc})", field=FIELD) from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        shown = f"scheme {scheme!r}" if scheme else "no scheme"
        raise UrlRefused(f"{where} has {shown}; only http and https pages are fetched", field=FIELD)
    if parts.username is not None or parts.password is not None:
        raise UrlRefused(f"{where} carries a user name or password; Briefly sends no credentials", field=FIELD)
    host = _normalise_host(parts.hostname or "", where)
    if port == 0:
        raise UrlRefused(f"{where} has port 0", field=FIELD)
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return _Hop(url, where, scheme, host, port or DEFAULT_PORTS[scheme], target)


def _normalise_host(raw: str, where: str) -> str:
    """ASCII, lower-case, dot-stripped host; refuse none and names that can only be internal."""
    try:
        host = raw if raw.isascii() else raw.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UrlRefused(f"{where} host {raw!r} is not a valid name", field=FIELD) from exc
    host = host.lower().rstrip(".")
    if not host:
        raise UrlRefused(f"{where} has no host", field=FIELD)
    if _literal(host) is not None:
        return host
    if host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES) or "." not in host:
        raise UrlRefused(f"{where} host {host!r} is a local network name; only public hosts are fetched", field=FIELD)
    return host


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _checked_addresses(hop: _Hop, policy: FetchPolicy, deadline: float) -> list[str]:
    """Resolve the hop's host once and refuse it if ANY address is off limits: a name answering
    both a public and a private address must not be fetched from either."""
    literal = _literal(hop.host)
    addresses = [hop.host] if literal is not None else _resolve_within(hop, deadline, policy)
    if not addresses:
        raise UrlFetchFailed(f"could not resolve host {hop.host!r}: no addresses", field=FIELD)
    allowed = _allowed_networks(policy.allowed_addresses)
    for address in addresses:
        kind = _refusal(ipaddress.ip_address(address), allowed)
        if kind is None:
            continue
        verb = "is" if literal is not None else "resolves to"
        raise UrlRefused(
            f"{hop.where} host {hop.host!r} {verb} {kind} address; only public addresses are fetched", field=FIELD
        )
    return addresses


def _resolve_within(hop: _Hop, deadline: float, policy: FetchPolicy) -> list[str]:
    """``resolve`` bounded by the deadline: getaddrinfo has no timeout of its own, so it runs on a
    daemon thread that is abandoned (not waited for) if the resolver hangs."""
    outcome: list[list[str] | BaseException] = []

    def work() -> None:
        try:
            outcome.append(resolve(hop.host, hop.port))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=work, name="briefly-resolve", daemon=True)
    worker.start()
    worker.join(_remaining(deadline, hop, policy))
    if not outcome:
        raise _timeout(hop, policy)
    result = outcome[0]
    if isinstance(result, OSError | UnicodeError):
        raise UrlFetchFailed(f"could not resolve host {hop.host!r}: {result}", field=FIELD) from result
    if isinstance(result, BaseException):
        raise result
    return result


def _refusal(ip: Address, allowed: tuple[Network, ...]) -> str | None:
    """The kind of forbidden address ``ip`` is (for the message), or None when it may be fetched.
    IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are judged by it too."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64_NETWORK else None)
        ip = mapped or ip
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata"
    if any(ip in network for network in allowed):
        return None
    candidates: list[Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        candidates += [v4 for v4 in (ip.sixtofour, *(ip.teredo or ())) if v4 is not None]
    for candidate in candidates:
        for kind, matches in ADDRESS_RULES:
            if matches(candidate):
                return kind
    return None


@lru_cache(maxsize=16)
def _allowed_networks(entries: frozenset[str]) -> tuple[Network, ...]:
    """The allowance parsed once per policy (it is frozen, so it caches); a bad entry is the
    operator's mistake, reported as configuration rather than blamed on the client's url."""
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in sorted(entries))
    except ValueError as exc:
        raise ConfigurationError(f"allowed fetch address is not an IP address or CIDR: {exc}") from exc


class _Watchdog:
    """Shuts the socket down when the fetch's time is up. Socket timeouts bound each read, not
    their sum, so a site trickling a byte at a time (headers, TLS handshake, body) would otherwise
    hold the worker far past ``timeout_s``."""

    def __init__(self, conn: HTTPConnection, seconds: float) -> None:
        self.fired = threading.Event()
        self._conn = conn
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired.set()
        sock = self._conn.sock
        if sock is not None:
            with suppress(OSError):
                # The plain-socket method: SSLSocket.shutdown would tear down TLS state under the reader.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


@contextmanager
def _connection(hop: _Hop, addresses: list[str], policy: FetchPolicy, deadline: float) -> Iterator[HTTPResponse]:
    """Connect to the first checked address that answers, send the GET, and yield the response
    (headers read, body not); closes the connection afterwards, whatever happened."""
    last_error: NewConnectionError | None = None
    for address in addresses:
        conn = _new_connection(hop, address, _remaining(deadline, hop, policy))
        watchdog = _Watchdog(conn, _remaining(deadline, hop, policy))
        try:
            with _network_errors(hop, policy, watchdog):
                try:
                    conn.connect()
                except NewConnectionError as exc:  # try the host's next address, as browsers do
                    last_error = exc
                    continue
                conn.request("GET", hop.target, headers=_headers(hop, policy), preload_content=False)
                yield conn.getresponse()
            # A shut-down socket reads as a clean end of a body without Content-Length: not a page.
            if watchdog.fired.is_set():
                raise _timeout(hop, policy)
            return
        finally:
            watchdog.cancel()
            conn.close()
    assert last_error is not None
    raise _describe_connect(hop, policy, last_error) from last_error


def _new_connection(hop: _Hop, address: str, timeout: float) -> HTTPConnection:
    """A connection to ``address`` that still names ``hop.host`` for TLS: SNI, and the certificate
    checked against that name (assert_hostname defaults to server_hostname, checked by OpenSSL)."""
    if hop.scheme == "https":
        return HTTPSConnection(address, hop.port, timeout=timeout, server_hostname=hop.host, ca_certs=CA_CERTS)
    return HTTPConnection(address, hop.port, timeout=timeout)


def _headers(hop: _Hop, policy: FetchPolicy) -> dict[str, str]:
    # identity: the byte limit then counts what the site sends (decoding is still bounded if it compresses anyway)
    return {
        "Host": hop.host_header,
        "User-Agent": policy.user_agent,
        "Accept": ACCEPT,
        "Accept-Encoding": "identity",
        "Connection": "close",
    }


def _describe_connect(hop: _Hop, policy: FetchPolicy, exc: BaseException) -> BrieflyError:
    cause = exc.__cause__
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(exc)
    return UrlFetchFailed(f"could not connect to {hop.host} port {hop.port}: {reason}", field=FIELD)


# First match wins: NewConnectionError is a urllib3 TimeoutError subclass, and SSL errors are OSErrors.
NETWORK_ERRORS: tuple[
    tuple[tuple[type[BaseException], ...], Callable[[_Hop, FetchPolicy, BaseException], BrieflyError]], ...
] = (
    ((NewConnectionError,), _describe_connect),
    ((Urllib3TimeoutError, TimeoutError), lambda hop, policy, exc: _timeout(hop, policy)),
    (
        (ssl.SSLError, Urllib3SSLError, ssl.CertificateError, Urllib3CertificateError),
        lambda hop, policy, exc: UrlFetchFailed(f"TLS with {hop.host} failed: {exc}", field=FIELD),
    ),
    (
        (http.client.HTTPException, HTTPError),
        lambda hop, policy, exc: UrlFetchFailed(f"{hop.host} sent a broken HTTP response: {exc}", field=FIELD),
    ),
    ((OSError,), lambda hop, policy, exc: UrlFetchFailed(f"network error talking to {hop.host}: {exc}", field=FIELD)),
)


@contextmanager
def _network_errors(hop: _Hop, policy: FetchPolicy, watchdog: _Watchdog) -> Iterator[None]:
    """Turn library and socket errors into the service's own; after the watchdog has fired, any
    error (reset, short read) is the timeout showing through."""
    try:
        yield
    except BrieflyError:
        raise
    except (OSError, HTTPError, http.client.HTTPException, Urllib3CertificateError) as exc:
        if watchdog.fired.is_set():
            raise _timeout(hop, policy) from exc
        for kinds, describe in NETWORK_ERRORS:
            if isinstance(exc, kinds):
                raise describe(hop, policy, exc) from exc
        raise  # pragma: no cover - every caught kind has a row


def _redirect_location(response: HTTPResponse, hop: _Hop) -> str | None:
    """The Location to follow, None for a final answer; error statuses end the fetch here."""
    status = response.status
    if status >= 400 or (300 <= status < 400 and status not in REDIRECT_STATUSES):
        reason = f"{status} {response.reason}".strip() if response.reason else str(status)
        raise UrlFetchFailed(f"could not fetch {_short(hop.url)}: the site answered HTTP {reason}", field=FIELD)
    if status not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("Location")
    if not location:
        raise UrlFetchFailed(f"{_short(hop.url)} answered {status} with no Location to follow", field=FIELD)
    return str(location)


def _check_response(response: HTTPResponse, hop: _Hop, policy: FetchPolicy) -> tuple[str, str | None]:
    """(media type, charset) of a readable page; refuse other types and a declared oversize body
    before reading any of it."""
    media, charset = parse_content_type(response.headers.get("Content-Type", ""))
    if media not in READABLE_TYPES:
        shown = media or "no Content-Type"
        raise UnsupportedMediaType(
            f"the page at {_short(hop.url)} is {shown}; only {', '.join(READABLE_TYPES)} pages are read", field=FIELD
        )
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > policy.max_bytes:
        raise PayloadTooLarge(
            f"the page at {_short(hop.url)} is {int(declared)} bytes (Content-Length), over the {policy.max_bytes} byte limit",
            field=FIELD,
        )
    return media, charset


def parse_content_type(value: str) -> tuple[str, str | None]:
    """("text/html", "utf-8") from 'text/html; charset="UTF-8"'; the charset is None when undeclared."""
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, raw = param.partition("=")
        if name.strip().lower() == "charset" and raw.strip().strip("\"'"):
            charset = raw.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _read_body(response: HTTPResponse, hop: _Hop, policy: FetchPolicy, deadline: float) -> bytes:
    """Stream the body, stopping as soon as it passes ``max_bytes`` (never buffering a huge one)."""
    body = bytearray()
    while chunk := response.read1(CHUNK_BYTES):
        _remaining(deadline, hop, policy)
        body += chunk
        if len(body) > policy.max_bytes:
            raise PayloadTooLarge(
                f"the page at {_short(hop.url)} passed the {policy.max_bytes} byte limit while downloading; stopped",
                field=FIELD,
            )
    return bytes(body)


def _remaining(deadline: float, hop: _Hop, policy: FetchPolicy) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _timeout(hop, policy)
    return left


def _timeout(hop: _Hop, policy: FetchPolicy) -> UrlTimeout:
    return UrlTimeout(f"the page at {_short(hop.url)} did not arrive within {policy.timeout_s:g} s", field=FIELD)


def _short(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"
