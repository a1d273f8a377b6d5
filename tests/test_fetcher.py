"""The URL fetcher: every refusal (scheme, credentials, internal names, forbidden addresses directly,
after DNS and after a redirect), every limit (redirects, bytes, time) and the happy path, against
a local server on 127.0.0.1 (allowed by the policy) and a faked resolver; no real network."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from service.errors import (
    BrieflyError,
    ConfigurationError,
    PayloadTooLarge,
    UnsupportedMediaType,
    UrlFetchFailed,
    UrlRefused,
    UrlTimeout,
)
from service.web import fetcher
from service.web.fetcher import FetchPolicy, fetch_page, parse_content_type

PAGE = "<html><head><title>Café</title></head><body><p>Le café est ouvert.</p></body></html>".encode("iso-8859-1")
LIMIT = 1_000  # max_bytes in the test policy

# A test CA and a certificate it signed for news.example (EC P-256, valid 2000-2100), so the HTTPS
# path runs without network or a certificate tool: `openssl ca` with -startdate/-enddate made them.
TEST_CA = """\
-----BEGIN CERTIFICATE-----
MIIBZzCCAQ6gAwIBAgICEAAwCgYIKoZIzj0EAwIwGjEYMBYGA1UEAwwPQnJpZWZs
eSB0ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAaMRgw
FgYDVQQDDA9CcmllZmx5IHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAQIw7wWQoZfN+VL6YvYu3mxyajecjnvP3rLMvrCOBfFLwFlsY9OfEntv+0IUChj
Lpw8Qon8yI2pIOAfDAJdPK7fo0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB
/wQEAwIBBjAdBgNVHQ4EFgQUxkyJI4FE5/v8q0+lhSYJ42GGurowCgYIKoZIzj0E
AwIDRwAwRAIgR2QtOnDMiF1OM3LQVzVJuW4cOx4lxHAw8hXNYwWDsEwCIB8iw9Su
lwkpntKG+NmNn0DaEBvvFOBuberbRlhc0xhi
-----END CERTIFICATE-----
"""
NEWS_EXAMPLE_CERT = """\
-----BEGIN CERTIFICATE-----
MIIBsjCCAVmgAwIBAgICEAEwCgYIKoZIzj0EAwIwGjEYMBYGA1UEAwwPQnJpZWZs
eSB0ZXN0IENBMCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAXMRUw
EwYDVQQDDAxuZXdzLmV4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT/
NAtkIVRmUHz0pd464tihIM9eyA9QI67UVAt74IaHCTtDWMwEVzCs97kSlVljskVR
2dB9D5Ku2mOBFrQwl5bqo4GPMIGMMBcGA1UdEQQQMA6CDG5ld3MuZXhhbXBsZTAM
BgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcD
ATAfBgNVHSMEGDAWgBTGTIkjgUTn+/yrT6WFJgnjYYa6ujAdBgNVHQ4EFgQU3+Ww
O3eoEa8zhFi4mgnX6mKq734wCgYIKoZIzj0EAwIDRwAwRAIgC2c85ORoVe7Ucp1/
0w4D95zRql4cSmUU6IUgWzNK8CwCIEh/WYVnKk+dtZSXyV79kJBhW0cZ25d5sqWV
haCR0dIO
-----END CERTIFICATE-----
"""
NEWS_EXAMPLE_KEY = """\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtEL4oMy+f1H/91UO
92c/ZLoVavSjCjgnRWiy2Py8Q4ihRANCAAT/NAtkIVRmUHz0pd464tihIM9eyA9Q
I67UVAt74IaHCTtDWMwEVzCs97kSlVljskVR2dB9D5Ku2mOBFrQwl5bq
-----END PRIVATE KEY-----
"""


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes = b"") -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def _page(h: BaseHTTPRequestHandler) -> None:
    _send(h, 200, {"Content-Type": "text/html; charset=ISO-8859-1", "Content-Length": str(len(PAGE))}, PAGE)


def _redirect_chain(h: BaseHTTPRequestHandler) -> None:
    """/redirect/N answers N redirects in all, the last to /page (relative Locations)."""
    left = int(h.path.rsplit("/", 1)[1])
    _send(h, 302, {"Location": f"/redirect/{left - 1}" if left > 1 else "/page", "Content-Length": "0"})


def _redirect_to(h: BaseHTTPRequestHandler) -> None:
    location = parse_qs(urlsplit(h.path).query)["location"][0]
    _send(h, 302, {"Location": location, "Content-Length": "0"})


def _big_declared(h: BaseHTTPRequestHandler) -> None:
    _send(h, 200, {"Content-Type": "text/html", "Content-Length": str(LIMIT * 10)}, b"x" * (LIMIT * 10))


def _endless(h: BaseHTTPRequestHandler) -> None:
    """No Content-Length and no end: a fetcher that does not stop reading never finishes."""
    _send(h, 200, {"Content-Type": "text/html"})
    stop = time.monotonic() + 20
    with _ignore_disconnect():
        while time.monotonic() < stop:
            h.wfile.write(b"<p>more</p>" * 1000)


def _slow(h: BaseHTTPRequestHandler) -> None:
    time.sleep(1.5)
    with _ignore_disconnect():
        _page(h)


def _drip(h: BaseHTTPRequestHandler) -> None:
    """Headers at once, then a byte every 50 ms: each read is quick, the whole fetch is not."""
    _send(h, 200, {"Content-Type": "text/html"})
    with _ignore_disconnect():
        for _ in range(60):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.05)


def _drip_headers(h: BaseHTTPRequestHandler) -> None:
    """A header trickled a byte every 50 ms: no single socket read waits long, so only a bound on
    the whole fetch (not a per-read timeout) stops it."""
    with _ignore_disconnect():
        h.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nX-Slow: ")
        for _ in range(60):
            h.wfile.write(b"z")
            h.wfile.flush()
            time.sleep(0.05)


def _image(h: BaseHTTPRequestHandler) -> None:
    _send(h, 200, {"Content-Type": "image/png", "Content-Length": "8"}, b"\x89PNG\r\n\x1a\n")


def _missing(h: BaseHTTPRequestHandler) -> None:
    _send(h, 404, {"Content-Type": "text/html", "Content-Length": "9"}, b"not found")


ROUTES: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {
    "/page": _page,
    "/redirect": _redirect_chain,
    "/to": _redirect_to,
    "/big-declared": _big_declared,
    "/endless": _endless,
    "/slow": _slow,
    "/drip": _drip,
    "/drip-headers": _drip_headers,
    "/image": _image,
    "/missing": _missing,
}


class _ignore_disconnect:
    """The fetcher hanging up mid-answer is what several tests expect; the handler just stops."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return kind is not None and issubclass(kind, ConnectionError)


class Site(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, str]]  # (path, Host header) of every request served

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Host", "")))
        first = "/" + urlsplit(self.path).path.split("/")[1]
        ROUTES.get(first, _missing)(self)

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    server = Site(("127.0.0.1", 0), Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same site over HTTPS, with a certificate for news.example only."""
    folder = tmp_path_factory.mktemp("tls")
    (folder / "ca.pem").write_text(TEST_CA)
    (folder / "site.pem").write_text(NEWS_EXAMPLE_CERT + NEWS_EXAMPLE_KEY)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "site.pem")
    server = Site(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def test_ca(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the test CA instead of the public bundle."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_text(TEST_CA)
    monkeypatch.setattr(fetcher, "CA_CERTS", str(path))


@pytest.fixture
def policy() -> FetchPolicy:
    return FetchPolicy(enabled=True, max_bytes=LIMIT, timeout_s=5.0, allowed_addresses=frozenset({"127.0.0.1"}))


# The fake DNS: names the tests use, each mapped to the addresses it "resolves" to.
HOSTS = {
    "news.example": ["127.0.0.1"],
    "other.example": ["127.0.0.1"],
    "intranet.example": ["10.0.0.7"],
    "metadata.example": ["169.254.169.254"],
    "rebind.example": ["93.184.216.34", "127.0.0.1"],
    "v6private.example": ["fd12:3456::1"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the fetcher's resolver (so no test touches real DNS) and record every lookup."""
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        if host not in HOSTS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return HOSTS[host]

    monkeypatch.setattr(fetcher, "resolve", resolve)
    return lookups


def refused(url: str, policy: FetchPolicy, fragment: str) -> BrieflyError:
    return expect(UrlRefused, "url_refused", 400, url, policy, fragment)


def expect(
    kind: type[BrieflyError], code: str, status: int, url: str, policy: FetchPolicy, fragment: str
) -> BrieflyError:
    with pytest.raises(kind) as caught:
        fetch_page(url, policy)
    error = caught.value
    assert (error.code, error.status, error.field) == (code, status, "url")
    assert fragment in error.message, error.message
    return error


# --- refusals before any connection ------------------------------------------------------------


def test_fetching_is_off_unless_enabled(site: Site) -> None:
    refused(f"{site.base}/page", FetchPolicy(allowed_addresses=frozenset({"127.0.0.1"})), "BRIEFLY_ALLOW_URLS=1")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://example.com/file.html", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("gopher://example.com/", "scheme 'gopher'"),
        ("example.com/page", "no scheme"),
    ],
)
def test_only_http_and_https(url: str, fragment: str, policy: FetchPolicy) -> None:
    error = refused(url, policy, fragment)
    assert "only http and https" in error.message


def test_credentials_in_the_url_are_refused(policy: FetchPolicy) -> None:
    refused("https://user:secret@news.example/page", policy, "user name or password")


@pytest.mark.parametrize("url", ["http:///page", "https://:443/page"])
def test_a_url_without_host_is_refused(url: str, policy: FetchPolicy) -> None:
    refused(url, policy, "has no host")


def test_control_characters_are_refused(policy: FetchPolicy) -> None:
    refused("http://news.example/a\r\nX-Injected: 1", policy, "control characters")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://10.1.2.3/", "'10.1.2.3' is a private address"),
        ("http://192.168.1.1/admin", "'192.168.1.1' is a private address"),
        ("http://172.16.0.9/", "'172.16.0.9' is a private address"),
        ("http://[::ffff:10.0.0.1]/", "is a private address"),
        ("http://[fd12:3456::1]/", "is a private address"),
        ("http://100.64.0.1/", "is a shared (carrier-grade NAT) address"),
        ("http://169.254.1.1/", "'169.254.1.1' is a link-local address"),
        ("http://[fe80::1]/", "is a link-local address"),
        ("http://224.0.0.1/", "is a multicast address"),
        ("http://0.0.0.0/", "is an unspecified address"),
        ("http://240.0.0.1/", "is a reserved address"),
        ("http://192.0.2.10/", "private address"),  # documentation range: Python counts it private
        ("http://[::1]:8080/", "'::1' is a loopback address"),
        ("http://127.0.0.2/", "'127.0.0.2' is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "is a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "is a cloud metadata address"),
        ("http://[2002:a00:1::]/", "private address"),  # 6to4 wrapping 10.0.0.1
    ],
)
def test_forbidden_address_literals(url: str, fragment: str, policy: FetchPolicy, fake_dns: list[str]) -> None:
    refused(url, policy, fragment)
    assert fake_dns == []  # an address literal is judged as it is, not looked up


def test_loopback_needs_the_allowance(site: Site) -> None:
    before = len(site.requests)
    closed = FetchPolicy(enabled=True)
    refused(f"{site.base}/page", closed, "'127.0.0.1' is a loopback address")
    assert len(site.requests) == before  # refused before connecting


def test_metadata_stays_refused_under_a_wide_allowance(policy: FetchPolicy) -> None:
    wide = FetchPolicy(enabled=True, allowed_addresses=frozenset({"169.254.0.0/16"}))
    refused("http://169.254.169.254/", wide, "cloud metadata")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://localhost/", "'localhost' is a local network name"),
        ("http://LOCALHOST.:8000/", "'localhost' is a local network name"),
        ("http://admin.localhost/", "'admin.localhost' is a local network name"),
        ("http://metadata.google.internal/computeMetadata/v1/", "'metadata.google.internal' is a local network name"),
        ("http://printer.local/", "local network name"),
        ("http://intranet/", "'intranet' is a local network name"),
    ],
)
def test_internal_names_are_refused_without_lookup(
    url: str, fragment: str, policy: FetchPolicy, fake_dns: list[str]
) -> None:
    refused(url, policy, fragment)
    assert fake_dns == []


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        ("intranet.example", "'intranet.example' resolves to a private address"),
        ("metadata.example", "'metadata.example' resolves to a cloud metadata address"),
        ("v6private.example", "resolves to a private address"),
    ],
)
def test_names_resolving_to_forbidden_addresses(host: str, fragment: str, policy: FetchPolicy) -> None:
    refused(f"https://{host}/story", policy, fragment)


def test_every_resolved_address_must_be_allowed(policy: FetchPolicy) -> None:
    """A name answering a public and a loopback address (a DNS-rebinding setup) is refused outright."""
    closed = FetchPolicy(enabled=True)
    refused("http://rebind.example/", closed, "'rebind.example' resolves to a loopback address")


# --- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "fragment"),
    [
        ("http://10.0.0.5/secret", "redirect target http://10.0.0.5/secret host '10.0.0.5' is a private address"),
        ("http://169.254.169.254/latest/", "is a cloud metadata address"),
        ("http://metadata.example/", "'metadata.example' resolves to a cloud metadata address"),
        ("http://localhost:9/", "'localhost' is a local network name"),
        ("file:///etc/passwd", "redirect target file:///etc/passwd has scheme 'file'"),
    ],
)
def test_a_redirect_to_a_forbidden_target_is_refused(
    location: str, fragment: str, site: Site, policy: FetchPolicy
) -> None:
    refused(f"{site.base}/to?location={location}", policy, fragment)


def test_redirects_past_the_limit_are_refused(site: Site, policy: FetchPolicy) -> None:
    refused(f"{site.base}/redirect/6", policy, "redirected more than 5 times")


def test_redirects_within_the_limit_are_followed(site: Site, policy: FetchPolicy) -> None:
    page = fetch_page(f"{site.base}/redirect/5", policy)
    assert (page.url, page.redirects, page.body) == (f"{site.base}/page", 5, PAGE)


# --- limits --------------------------------------------------------------------------------------


def test_declared_length_over_the_limit(site: Site, policy: FetchPolicy) -> None:
    expect(
        PayloadTooLarge, "payload_too_large", 413, f"{site.base}/big-declared", policy, "10000 bytes (Content-Length)"
    )


def test_streamed_body_stops_at_the_limit(site: Site, policy: FetchPolicy) -> None:
    started = time.monotonic()
    expect(PayloadTooLarge, "payload_too_large", 413, f"{site.base}/endless", policy, "passed the 1000 byte limit")
    assert time.monotonic() - started < 2  # stopped reading, did not wait for the (endless) rest


def test_a_slow_site_times_out(site: Site, policy: FetchPolicy) -> None:
    quick = FetchPolicy(enabled=True, timeout_s=0.3, allowed_addresses=policy.allowed_addresses)
    started = time.monotonic()
    expect(UrlTimeout, "url_timeout", 504, f"{site.base}/slow", quick, "did not arrive within 0.3 s")
    assert time.monotonic() - started < 1.2


def test_a_trickling_body_cannot_outlast_the_total_time(site: Site, policy: FetchPolicy) -> None:
    quick = FetchPolicy(enabled=True, timeout_s=0.5, max_bytes=LIMIT, allowed_addresses=policy.allowed_addresses)
    started = time.monotonic()
    expect(UrlTimeout, "url_timeout", 504, f"{site.base}/drip", quick, "within 0.5 s")
    assert time.monotonic() - started < 1.5  # the drip takes 3 s


def test_trickling_headers_cannot_outlast_the_total_time(site: Site, policy: FetchPolicy) -> None:
    quick = FetchPolicy(enabled=True, timeout_s=0.5, allowed_addresses=policy.allowed_addresses)
    started = time.monotonic()
    expect(UrlTimeout, "url_timeout", 504, f"{site.base}/drip-headers", quick, "within 0.5 s")
    assert time.monotonic() - started < 1.5  # the drip takes 3 s


def test_a_hanging_resolver_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(host: str, port: int) -> list[str]:
        time.sleep(2)
        return ["93.184.216.34"]

    monkeypatch.setattr(fetcher, "resolve", hang)
    started = time.monotonic()
    expect(
        UrlTimeout, "url_timeout", 504, "http://slow-dns.example/", FetchPolicy(enabled=True, timeout_s=0.3), "0.3 s"
    )
    assert time.monotonic() - started < 1.2


# --- what the site answers -----------------------------------------------------------------------


def test_a_non_text_page_is_refused(site: Site, policy: FetchPolicy) -> None:
    expect(UnsupportedMediaType, "unsupported_media_type", 415, f"{site.base}/image", policy, "is image/png")


def test_a_site_error_names_the_status(site: Site, policy: FetchPolicy) -> None:
    expect(UrlFetchFailed, "url_fetch_failed", 502, f"{site.base}/missing", policy, "answered HTTP 404 Not Found")


def test_an_unknown_host_fails_to_resolve(policy: FetchPolicy) -> None:
    expect(UrlFetchFailed, "url_fetch_failed", 502, "https://no-such-host.example/", policy, "could not resolve host")


def test_a_closed_port_fails_to_connect(policy: FetchPolicy) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    expect(UrlFetchFailed, "url_fetch_failed", 502, f"http://127.0.0.1:{port}/", policy, f"port {port}")


# --- the happy path ------------------------------------------------------------------------------


def test_an_html_page_is_fetched_with_its_charset(site: Site, policy: FetchPolicy) -> None:
    page = fetch_page(f"{site.base}/page", policy)
    assert (page.url, page.body, page.content_type, page.charset) == (
        f"{site.base}/page",
        PAGE,
        "text/html",
        "iso-8859-1",
    )
    assert page.redirects == 0
    assert 0 < page.seconds < 5
    assert page.body.decode(page.charset or "").startswith("<html><head><title>Café")


def test_connects_to_the_checked_address_and_names_the_host(
    site: Site, policy: FetchPolicy, fake_dns: list[str]
) -> None:
    """The name is resolved once, by the fetcher, and the site still sees its own name in Host."""
    port = site.server_address[1]
    page = fetch_page(f"http://news.example:{port}/page", policy)
    assert page.body == PAGE
    assert fake_dns == ["news.example"]
    assert site.requests[-1] == ("/page", f"news.example:{port}")


@pytest.mark.usefixtures("test_ca")
def test_https_connects_to_the_checked_address_and_verifies_the_name(tls_site: Site, policy: FetchPolicy) -> None:
    """TLS goes to the checked IP yet sends SNI and checks the certificate for the URL's name."""
    port = tls_site.server_address[1]
    page = fetch_page(f"https://news.example:{port}/redirect/1", policy)
    assert (page.url, page.body, page.redirects) == (f"https://news.example:{port}/page", PAGE, 1)
    assert tls_site.requests[-1] == ("/page", f"news.example:{port}")


@pytest.mark.usefixtures("test_ca")
def test_https_certificate_for_another_name_fails(tls_site: Site, policy: FetchPolicy) -> None:
    port = tls_site.server_address[1]
    url = f"https://other.example:{port}/page"
    expect(UrlFetchFailed, "url_fetch_failed", 502, url, policy, "TLS with other.example failed")


def test_https_untrusted_certificate_fails(tls_site: Site, policy: FetchPolicy) -> None:
    port = tls_site.server_address[1]
    url = f"https://news.example:{port}/page"
    expect(UrlFetchFailed, "url_fetch_failed", 502, url, policy, "certificate verify failed")


def test_a_cidr_allowance_works(site: Site) -> None:
    page = fetch_page(f"{site.base}/page", FetchPolicy(enabled=True, allowed_addresses=frozenset({"127.0.0.0/8"})))
    assert page.body == PAGE


def test_a_bad_allowance_is_a_configuration_error(site: Site) -> None:
    with pytest.raises(ConfigurationError, match="not-an-ip"):
        fetch_page(f"{site.base}/page", FetchPolicy(enabled=True, allowed_addresses=frozenset({"not-an-ip"})))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/html; charset=UTF-8", ("text/html", "utf-8")),
        ('Text/HTML;charset="windows-1252"', ("text/html", "windows-1252")),
        ("text/plain", ("text/plain", None)),
        ("", ("", None)),
    ],
)
def test_parse_content_type(header: str, expected: tuple[str, str | None]) -> None:
    assert parse_content_type(header) == expected
