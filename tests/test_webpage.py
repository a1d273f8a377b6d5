"""HTML input: a posted web page is reduced to its article text and title, boilerplate dropped."""

from __future__ import annotations

from flask.testing import FlaskClient

from service.text.webpage import decode_page, extract_article

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
    assert extracted["from"] == "html" and extracted["title"] == "Springfield approves new library"
    assert extracted["html_characters"] == len(PAGE) and 0 < extracted["characters"] < len(PAGE)
    assert body["article_sentences"][0].startswith("The city council of Springfield")
    assert not any("Cookie" in s or "recipes" in s for s in body["article_sentences"])


def test_html_field_in_json_and_a_given_title_wins(client: FlaskClient, generator) -> None:
    r = client.post("/v1/briefings", json={"html": PAGE, "title": "Our title", "lengths": ["tldr"], "mode": "auto"})
    assert r.status_code == 200 and r.get_json()["input"]["extracted"]["title"] == "Springfield approves new library"
    assert "Title: Our title" in generator.prompts[-1].user


def test_html_errors(client: FlaskClient) -> None:
    both = client.post("/v1/briefings", json={"html": PAGE, "article": "Text."})
    assert both.status_code == 422 and both.get_json()["error"]["field"] == "html"
    empty = client.post("/v1/briefings", data="<html><body><nav>Home</nav></body></html>", content_type="text/html")
    assert empty.status_code == 422 and "no article text" in empty.get_json()["error"]["message"]
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
