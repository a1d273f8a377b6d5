"""HTML input: a posted web page is reduced to its article text and title, boilerplate dropped,
and a page that is no article (a caption, a status table, a shop or index page) is refused."""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient

from service.errors import NotAnArticle
from service.web.page import (
    MAX_LINK_SHARE,
    MAX_STRUCTURED_SHARE,
    MIN_PROSE_SENTENCES,
    MIN_PROSE_SHARE,
    MIN_WORDS,
    STRUCTURED_MAX_PROSE_SHARE,
    PageSignals,
    clean_title,
    decode_page,
    extract_article,
    measure,
    refusal,
    strip_page_furniture,
)

PAGE = """<html><head><title>Library vote | Springfield Times</title>
<meta property="og:title" content="Springfield approves new library"></head><body>
<nav><a href="/">Home</a> <a href="/sport">Sport</a> Subscribe for £1 a week!</nav>
<article><h1>Springfield approves new library</h1>
<p>The city council of Springfield voted 7 to 2 on Tuesday to build a new library on Main Street.</p>
<p>The library will cost $4.5 million and open in 2027, Mayor Ann Lee said.</p>
<p>Critics said the money should go to road repairs instead.</p>
<p>The council will hold a public hearing on the design in March.</p></article>
<aside>Most read: Ten recipes for autumn</aside>
<footer>© 2026 Springfield Times. Cookie settings.</footer><script>var tracking = 1;</script></body></html>"""


def test_main_text_and_title_are_extracted_and_boilerplate_dropped() -> None:
    page = extract_article(PAGE)
    assert page.title == "Springfield approves new library"
    assert page.text.startswith("The city council of Springfield voted 7 to 2")
    for junk in ("Subscribe", "Most read", "Cookie", "tracking", "Home"):
        assert junk not in page.text


def test_text_html_body_is_briefed_and_the_response_says_what_was_extracted(client: FlaskClient) -> None:
    r = client.post("/v1/briefings?lengths=tldr,key_points", data=PAGE, content_type="text/html; charset=utf-8")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    extracted = body["input"]["extracted"]
    assert extracted["from"] == "html"
    assert extracted["title"] == "Springfield approves new library"
    assert extracted["html_characters"] == len(PAGE)
    assert 0 < extracted["characters"] < len(PAGE)
    assert body["article_sentences"][0].startswith("The city council of Springfield")
    assert not any("Cookie" in s or "recipes" in s for s in body["article_sentences"])


def test_html_field_in_json_and_a_given_title_wins(client: FlaskClient, generator) -> None:
    r = client.post("/v1/briefings", json={"html": PAGE, "title": "Our title", "lengths": ["tldr"], "mode": "auto"})
    assert r.status_code == 200
    assert r.get_json()["input"]["extracted"]["title"] == "Springfield approves new library"
    assert "Title: Our title" in generator.prompts[-1].user


def test_html_errors(client: FlaskClient) -> None:
    both = client.post("/v1/briefings", json={"html": PAGE, "article": "Text."})
    assert both.status_code == 422
    assert both.get_json()["error"]["field"] == "html"
    empty = client.post("/v1/briefings", data="<html><body><nav>Home</nav></body></html>", content_type="text/html")
    assert empty.status_code == 422
    assert "no article text" in empty.get_json()["error"]["message"]
    assert client.post("/v1/rewrite?style=plain", data=PAGE, content_type="text/html").status_code == 415
    bad_charset = client.post("/v1/briefings", data=PAGE.encode(), content_type="text/html; charset=klingon")
    assert bad_charset.status_code == 400


LEGACY_ARTICLE = (
    "Der Stadtrat von Köln hat am Dienstag den Bau einer neuen Bibliothek in der Müllerstraße beschlossen. "
    "Die Bibliothek soll 4,5 Millionen Euro kosten und 2027 eröffnen, sagte Bürgermeisterin Anna Weiß. "
    "Kritiker sagten, das Geld solle besser in Straßenreparaturen fließen."
)


def test_a_page_in_its_declared_legacy_charset_decodes() -> None:
    page = (
        f'<html><head><meta charset="iso-8859-1"><title>Köln</title></head><body><p>{LEGACY_ARTICLE}</p></body></html>'
    )
    assert decode_page(page.encode("iso-8859-1")) == page
    http_equiv = page.replace(
        '<meta charset="iso-8859-1">', '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    )
    assert decode_page(http_equiv.encode("cp1252")) == http_equiv


def test_an_undeclared_page_is_utf8_or_guessed_and_a_declared_charset_wins() -> None:
    page = f"<html><body><p>{LEGACY_ARTICLE} “Wir sind froh”, sagte sie.</p></body></html>"
    assert decode_page(page.encode("utf-8")) == page
    assert "Müllerstraße" in decode_page(page.encode("cp1252"))
    assert decode_page(page.encode("cp1252"), "windows-1252") == page


def test_a_legacy_charset_page_is_briefed_over_http(client: FlaskClient) -> None:
    page = (
        f'<html><head><meta charset="iso-8859-1"></head><body><article><p>{LEGACY_ARTICLE}</p></article></body></html>'
    )
    response = client.post(
        "/v1/briefings?lengths=tldr&mode=extractive", data=page.encode("iso-8859-1"), content_type="text/html"
    )
    assert response.status_code == 200, response.get_json()
    assert "Müllerstraße" in " ".join(response.get_json()["article_sentences"])


# ---------------------------------------------------------------- link text and titles
# CBS marks inline links up as <span class="link">: trafilatura's favor_precision deleted the span and
# left "But they're especially high for , who spend ..." (the link's words gone from the sentence).
LINKED = """<html><head><title>Rents are rising fastest for young renters - CBS News</title>
<meta property="og:site_name" content="CBS News"></head><body>
<nav><a href="/">Home</a> <a href="/us">U.S.</a> <a href="/world">World</a></nav>
<article><h1>Rents are rising fastest for young renters</h1>
<p>Rents across the United States rose 6% over the past year, according to a new report from the
<a href="https://example.org/census">Census Bureau</a> published on Thursday.</p>
<p>Housing costs are high for everyone. But they're especially high for <span class="link"><a
href="/tag/young-adults">young adults</a></span>, who spend almost half of their income on rent in
<a href="/cities">large cities</a>.</p>
<p>Economists at <a href="/ucla">UCLA</a> said the squeeze would ease only when more homes are built.</p>
<p>The report found that the share of renters who are cost-burdened reached a record high last year.</p>
</article><footer>© 2025 CBS Interactive Inc. All Rights Reserved.</footer></body></html>"""


def test_the_text_of_links_stays_in_its_sentence() -> None:
    page = extract_article(LINKED)
    assert "But they're especially high for young adults, who spend almost half" in page.text
    assert "from the Census Bureau published" in page.text
    assert "Economists at UCLA said" in page.text
    assert page.title == "Rents are rising fastest for young renters"


@pytest.mark.parametrize(
    ("title", "sitename", "host", "cleaned"),
    [
        ("Oil prices jump after OPEC cuts output | Reuters", None, None, "Oil prices jump after OPEC cuts output"),
        ("Reuters - Oil prices jump after OPEC cuts output", None, None, "Oil prices jump after OPEC cuts output"),
        ("Storm Ciarán batters southern England - BBC News", None, None, "Storm Ciarán batters southern England"),
        ("Library vote | News | Springfield Times", "Springfield Times", None, "Library vote"),
        ("Council backs new library – springfieldtimes.com", None, None, "Council backs new library"),
        ("Council backs new library - The Times", None, "www.thetimes.co.uk", "Council backs new library"),
        ("Folge 70: Star Trek: Picard", None, None, "Folge 70: Star Trek: Picard"),  # a colon is no separator
        ("Peace talks - a timeline", None, None, "Peace talks - a timeline"),  # no site named: kept whole
    ],
)
def test_the_title_is_cleaned_of_the_site_name(
    title: str, sitename: str | None, host: str | None, cleaned: str
) -> None:
    assert clean_title(title, sitename, host) == cleaned


def test_an_empty_title_is_none() -> None:
    assert clean_title("") is None
    assert clean_title(" | ") is None


def test_a_title_tag_loses_the_site_name_its_footer_shows() -> None:
    assert clean_title("Library vote | Springfield Times", chrome="© 2026 Springfield Times") == "Library vote"
    assert clean_title("Kickers | Library vote", chrome="Kickers Sport News") == "Kickers | Library vote"
    page = extract_article(PAGE.replace('<meta property="og:title" content="Springfield approves new library">', ""))
    assert page.title == "Library vote"  # <title> without its " | Springfield Times"


# ---------------------------------------------------------------- page furniture
@pytest.mark.parametrize(
    "line",
    [
        "Estimated reading time: 6 minutes",
        "5 min read",
        "Lesezeit: 3 Minuten",
        "© 2019 Science X Network",
        "Copyright 2024 The Associated Press. All rights reserved.",
        "This article originally appeared on VICE US.",
        "Read more",
        "Read more: Ten things to know about the new library",
        "Lesen Sie auch:",
        "Photo: Getty Images",
        "Foto: dpa",
        "(Reuters/John Smith)",
        "Getty Images",
        "Follow us on Twitter and Facebook for the latest news.",
        "Sign up for our daily newsletter today",
        "Advertisement",
        "Tags: council, library, Springfield",
        "|---|---|---|",
    ],
)
def test_a_furniture_line_is_removed(line: str) -> None:
    text = f"The council voted on Tuesday.\n{line}\nThe library opens in 2027."
    assert strip_page_furniture(text) == "The council voted on Tuesday.\nThe library opens in 2027."


@pytest.mark.parametrize(
    ("paragraph", "kept"),
    [
        ("London (CNN)It was the interview the palace had feared.", "It was the interview the palace had feared."),
        ("WASHINGTON (AP) — The Senate passed the bill on Friday.", "The Senate passed the bill on Friday."),
        ("BERLIN, Oct 3 (Reuters) - German exports fell in August.", "German exports fell in August."),
        ("(CNN) -- The storm made landfall overnight.", "The storm made landfall overnight."),
        ("Hamburg (dpa/lno) – Die Polizei sucht Zeugen.", "Die Polizei sucht Zeugen."),
        ("KYIV, Ukraine — Russian drones struck the capital.", "Russian drones struck the capital."),
        ("Smoke rises over the port on Monday. (Reuters/John Smith)", "Smoke rises over the port on Monday."),
        ("The minister speaks in Beijing. Photo: Xinhua", "The minister speaks in Beijing."),
        # not furniture: a headline with an acronym, a sentence naming an agency, a bank's code
        ("ESM – Letzte Kundgebung vor dem Urteil", "ESM – Letzte Kundgebung vor dem Urteil"),
        ("Officials told The Associated Press (AP) that talks failed.", None),
        ("Kasseler Sparkasse (BIC/SWIFT: HELADEF1KAS)", None),
    ],
)
def test_datelines_and_credits_are_cut_from_a_paragraph(paragraph: str, kept: str | None) -> None:
    assert strip_page_furniture(paragraph) == (kept or paragraph)


def test_a_long_paragraph_that_mentions_furniture_words_is_kept() -> None:
    paragraph = (
        "The publisher said all rights reserved under the old contract would pass to the authors, and that "
        "readers who want to read more of the archive can ask the library, which keeps every edition since 1901."
    )
    assert strip_page_furniture(paragraph) == paragraph


def test_a_read_more_label_takes_its_headline_with_it() -> None:
    text = "The council voted on Tuesday.\nRead more\nMayor unveils new bus routes\nThe library opens in 2027."
    assert strip_page_furniture(text) == "The council voted on Tuesday.\nThe library opens in 2027."


def test_furniture_in_the_article_body_never_reaches_the_sentences(client: FlaskClient) -> None:
    page = (
        PAGE.replace(
            "<article><h1>Springfield approves new library</h1>",
            "<article><h1>Springfield approves new library</h1><p>Estimated reading time: 2 minutes</p>",
        )
        .replace("<p>The city council", "<p>SPRINGFIELD (AP) — The city council")
        .replace("in March.</p>", "in March.</p><p>This article originally appeared on the Springfield Times.</p>")
    )
    r = client.post("/v1/briefings?lengths=tldr&mode=extractive", data=page, content_type="text/html")
    assert r.status_code == 200, r.get_json()
    sentences = r.get_json()["article_sentences"]
    assert sentences[0].startswith("The city council of Springfield voted")
    assert not any("reading time" in s or "originally appeared" in s or "(AP)" in s for s in sentences)


# ---------------------------------------------------------------- not an article
CAPTION = """<html><head><title>Xi meets business leaders in Beijing | South China Morning Post</title></head>
<body><header><nav><a href="/news">News</a> <a href="/economy">Economy</a> <a href="/tech">Tech</a></nav></header>
<main><article><h1>Xi meets business leaders in Beijing</h1>
<figure><img src="/xi.jpg" alt=""><figcaption>Chinese President Xi Jinping speaks at a symposium in Beijing
on Monday. Photo: Xinhua</figcaption></figure>
<div class="paywall"><a href="/subscribe">Subscribe to read the full story</a></div>
</article></main><footer><a href="/about">About us</a> <a href="/privacy">Privacy</a></footer></body></html>"""

STATUS = """<html><head><title>Apache Status</title></head><body>
<h1>Apache Server Status for localhost (via 127.0.0.1)</h1>
<dl><dt>Server Version: Apache/2.4.41 (Ubuntu) OpenSSL/1.1.1f</dt><dt>Server MPM: event</dt>
<dt>Server Built: 2023-03-01T16:43:12</dt></dl><hr /><dl>
<dt>Current Time: Tuesday, 14-Mar-2023 10:12:44 UTC</dt><dt>Restart Time: Monday, 13-Mar-2023 06:25:11 UTC</dt>
<dt>Parent Server Config. Generation: 2</dt><dt>Server uptime: 1 day 3 hours 47 minutes 33 seconds</dt>
<dt>Server load: 0.08 0.12 0.09</dt><dt>Total accesses: 48213 - Total Traffic: 1.2 GB - Total Duration: 5021453</dt>
<dt>CPU Usage: u34.2 s12.1 cu0 cs0 - .0463% CPU load</dt>
<dt>.482 requests/sec - 12.6 kB/second - 26.1 kB/request - 104.152 ms/request</dt>
<dt>1 requests currently being processed, 49 idle workers</dt></dl>
<pre>_______________________________________________W__</pre>
<p>Scoreboard Key:<br />"<b><code>_</code></b>" Waiting for Connection, "<b><code>S</code></b>" Starting up,
"<b><code>R</code></b>" Reading Request,<br />"<b><code>W</code></b>" Sending Reply,
"<b><code>.</code></b>" Open slot with no current process</p>
<table border="0"><tr><th>Srv</th><th>PID</th><th>Acc</th><th>M</th><th>CPU</th><th>SS</th><th>Req</th>
<th>Client</th><th>VHost</th><th>Request</th></tr>
<tr><td><b>0-0</b></td><td>1123</td><td>0/12/2041</td><td>_</td><td>1.21</td><td>3</td><td>1</td>
<td>10.0.0.12</td><td>example.org:443</td><td>GET /index.html HTTP/1.1</td></tr>
<tr><td><b>0-1</b></td><td>1123</td><td>0/9/1988</td><td>_</td><td>1.02</td><td>11</td><td>0</td>
<td>10.0.0.15</td><td>example.org:443</td><td>GET /api/items?page=2 HTTP/1.1</td></tr>
<tr><td><b>1-0</b></td><td>1124</td><td>1/15/2210</td><td>W</td><td>1.44</td><td>0</td><td>0</td>
<td>127.0.0.1</td><td>localhost:80</td><td>GET /server-status HTTP/1.1</td></tr></table>
<p>The server has been running since Monday morning. It answers about one request every two
seconds.</p><hr /><address>Apache/2.4.41 (Ubuntu) Server at localhost Port 80</address></body></html>"""

PRODUCT = """<html lang="en"><head><title>Trailblazer 45L Hiking Backpack – Green | Summit Outfitters</title>
<meta property="og:type" content="product"><meta property="og:site_name" content="Summit Outfitters"></head><body>
<header><a href="/">Summit Outfitters</a><nav><a href="/men">Men</a> <a href="/women">Women</a>
<a href="/packs">Packs</a></nav><a href="/cart">Cart (0)</a></header>
<main><div class="product"><h1>Trailblazer 45L Hiking Backpack – Green</h1>
<div class="price"><span>$129.99</span> <s>$159.99</s> Save 19%</div>
<div class="rating">4.6 out of 5 (212 reviews)</div>
<form class="buy"><select><option>Green</option><option>Black</option></select><button>Add to cart</button></form>
<p>In stock. Ships in 1-2 business days. Free returns within 30 days.</p>
<h2>Features</h2><ul><li>45 litre main compartment</li><li>Ventilated back panel</li>
<li>Hip belt with two zip pockets</li><li>Rain cover included</li><li>Hydration sleeve (up to 3 L)</li>
<li>Trekking pole loops</li></ul>
<h2>Specifications</h2><table><tr><th>Weight</th><td>1.4 kg</td></tr><tr><th>Volume</th><td>45 L</td></tr>
<tr><th>Dimensions</th><td>68 x 32 x 24 cm</td></tr><tr><th>Material</th><td>210D ripstop nylon</td></tr>
<tr><th>Back length</th><td>44-52 cm, adjustable</td></tr><tr><th>Warranty</th><td>5 years</td></tr></table>
</div></main><footer><a href="/help">Help</a> <a href="/returns">Returns</a></footer></body></html>"""

HEADLINES = [
    "Floods force thousands from their homes in northern Italy",
    "Japan's central bank holds rates steady as yen weakens",
    "Ceasefire talks resume in Cairo with new proposal on the table",
    "Canada wildfire season starts early after dry winter",
    "EU ministers agree on new rules for migrant returns",
    "Brazil's president visits flood-hit south as death toll rises",
    "India heatwave: temperatures top 47C in Delhi",
    "Kenya's parliament passes contested finance bill",
]
INDEX = (
    '<html><head><title>World news | The Daily Courier</title></head><body><header><a href="/">The Daily Courier</a>'
    '<nav><a href="/world">World</a> <a href="/politics">Politics</a> <a href="/sport">Sport</a></nav></header>'
    "<main><h1>World</h1><section>"
    + "".join(
        f'<article><h2><a href="/world/{i}">{headline}</a></h2><p>{i + 2} hours ago</p></article>'
        for i, headline in enumerate(HEADLINES)
    )
    + '</section><a href="?page=2">Next page</a></main><footer>© 2025 The Daily Courier</footer></body></html>'
)


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        (CAPTION, "a caption or a stub"),
        (STATUS, "a table or list"),
        (PRODUCT, "a table or list"),
        (INDEX, "an index or listing page"),
    ],
)
def test_a_page_that_is_no_article_is_refused_with_the_measured_reason(
    client: FlaskClient, page: str, kind: str
) -> None:
    with pytest.raises(NotAnArticle, match=kind):
        extract_article(page)
    r = client.post("/v1/briefings?lengths=tldr&mode=extractive", data=page, content_type="text/html")
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "not_an_article"
    assert kind in error["message"]
    assert "words" in error["message"]


# An article's signals: 500 words, all prose, no structure.
ARTICLE_SIGNALS = PageSignals(
    words=500, lines=10, prose_sentences=20, prose_share=1.0, structured_share=0.0, link_share=0.0, page_link_share=0.0
)


@pytest.mark.parametrize(
    ("changed", "kind"),
    [
        ({}, None),
        ({"words": MIN_WORDS - 1, "lines": 1}, "a caption or a stub"),
        ({"prose_sentences": MIN_PROSE_SENTENCES - 1, "lines": 2}, "a caption or a stub"),
        ({"prose_sentences": MIN_PROSE_SENTENCES - 1}, "too little running text"),
        ({"prose_share": MIN_PROSE_SHARE - 0.01}, "too little running text"),
        ({"prose_share": MIN_PROSE_SHARE + 0.01}, None),
        (
            {"structured_share": MAX_STRUCTURED_SHARE + 0.05, "prose_share": STRUCTURED_MAX_PROSE_SHARE - 0.01},
            "a table",
        ),
        ({"structured_share": MAX_STRUCTURED_SHARE + 0.05, "prose_share": STRUCTURED_MAX_PROSE_SHARE + 0.01}, None),
        ({"link_share": MAX_LINK_SHARE + 0.05, "prose_share": STRUCTURED_MAX_PROSE_SHARE - 0.01}, "an index"),
        ({"link_share": MAX_LINK_SHARE + 0.05, "prose_share": STRUCTURED_MAX_PROSE_SHARE + 0.01}, None),
        ({"page_link_share": 0.95}, None),  # menus around a real article: link density alone never refuses
        ({"page_link_share": 0.95, "words": MIN_WORDS - 1}, "an index"),  # ... but names a refused page
    ],
)
def test_each_threshold_refuses_on_its_own_side(changed: dict[str, float], kind: str | None) -> None:
    reason = refusal(dataclasses.replace(ARTICLE_SIGNALS, **changed))
    assert reason is None if kind is None else (reason or "").startswith(kind)


FRENCH = """<html><head><title>La mairie ouvre une nouvelle médiathèque - Le Courrier de l'Ouest</title>
<meta property="og:site_name" content="Le Courrier de l'Ouest"></head>
<body><nav><a href="/">Accueil</a> <a href="/region">Région</a></nav><article>
<h1>La mairie ouvre une nouvelle médiathèque</h1>
<p>La nouvelle médiathèque de Cholet ouvrira ses portes le 4 mars, a annoncé la mairie mardi.</p>
<p>Le bâtiment, qui a coûté 6 millions d'euros, accueillera 40 000 livres et un espace pour les enfants.</p>
<p>« Nous voulions un lieu ouvert à tous », a déclaré le maire lors de la présentation du projet.</p>
</article></body></html>"""


@pytest.mark.parametrize("page", [PAGE, LINKED, FRENCH])
def test_a_short_real_article_is_not_refused(page: str) -> None:
    signals = measure(extract_article(page).text)
    assert refusal(signals) is None
    assert signals.words >= MIN_WORDS
    assert signals.prose_sentences >= MIN_PROSE_SENTENCES


def test_a_short_french_article_is_extracted_with_its_cleaned_title() -> None:
    page = extract_article(FRENCH)
    assert page.title == "La mairie ouvre une nouvelle médiathèque"
    assert page.text.startswith("La nouvelle médiathèque de Cholet ouvrira ses portes le 4 mars")
    assert "Accueil" not in page.text


# ---------------------------------------------------------------- a page longer than the article limit
LONG_PARAGRAPHS = [
    f"Paragraph {k}: the council of Springfield debated the library for the {k}th time on Tuesday evening. "
    "Residents asked whether the new building on Main Street would open in 2027 as the mayor had promised."
    for k in range(1, 40)
]
LONG_PAGE = (
    "<html><head><title>Springfield library debate goes on</title></head><body><article>"
    + "".join(f"<p>{p}</p>" for p in LONG_PARAGRAPHS)
    + "</article></body></html>"
)


def test_a_page_longer_than_the_article_limit_is_briefed_from_its_first_part(tmp_path) -> None:
    from service.engine.engine import Engine
    from service.http.app import create_app
    from service.settings import Settings
    from tests.fakes import HashingEmbedder, ReplayGenerator

    whole = extract_article(LONG_PAGE).text
    limit = len(whole) // 3
    settings = Settings(cache_dir=str(tmp_path / "c"), data_dir=str(tmp_path / "d"), max_article_chars=limit)
    engine = Engine(settings, generator=ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    with create_app(settings, engine=engine).test_client() as client:
        r = client.post("/v1/briefings?mode=extractive", data=LONG_PAGE, content_type="text/html; charset=utf-8")
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert body["cut_short"] is True
        assert f"over the limit of {limit}" in body["note"]
        extracted = body["input"]["extracted"]
        assert extracted["characters"] == len(whole)
        assert 0.5 * limit <= extracted["briefed_characters"] <= limit
        assert body["article_sentences"][0].startswith("Paragraph 1:")
        assert body["article_sentences"][-1].endswith("had promised.")  # cut at a paragraph's end
        briefed = [s for b in body["briefings"].values() for s in b["sentences"]]
        assert body["briefings"]["tldr"]["within_contract"]
        assert body["briefings"]["headline"]["within_contract"]
        assert all(s["cites"][0] < len(body["article_sentences"]) for s in briefed)
        # A plain-text article over the limit is still refused: only a page is cut.
        r = client.post("/v1/briefings", json={"article": "\n\n".join(LONG_PARAGRAPHS)})
        assert r.status_code == 413


def test_a_page_within_the_limit_is_not_cut(client: FlaskClient) -> None:
    body = client.post("/v1/briefings?lengths=tldr", data=PAGE, content_type="text/html").get_json()
    assert body["cut_short"] is False
    assert "note" not in body
    assert "briefed_characters" not in body["input"]["extracted"]
