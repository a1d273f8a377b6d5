"""The web page in headless Chromium (Debian's ``chromium``) driven by Playwright: the sample article
is briefed through the real server and model, a sentence's sources light up, and screenshots are
saved under ``test-output/browser/`` (desktop and phone width)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ARTICLE
from tests.support import SYRIA_ARTICLE as SYRIA

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path(os.environ.get("BRIEFLY_TEST_OUTPUT", ROOT / "test-output")) / "browser"
CHROMIUM = os.environ.get("BRIEFLY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As root in a container Chromium needs --no-sandbox; the rest keep it off this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (CI does)")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_page_briefs_the_sample_article_and_highlights_sources(server: str, browser, seed_article: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.goto(server + "/")
    page.wait_for_selector("#lengths input[value=key_points]")  # choices came from the API
    assert page.locator("#lengths input").count() == 5
    assert page.locator("#mode").input_value() == "extractive"

    page.fill("#article", seed_article)
    page.focus("#article")
    page.keyboard.press("Control+Enter")  # the keyboard path: no mouse needed
    page.wait_for_selector("#meta:has-text('mode extractive')", timeout=60_000)

    cards = page.locator("#cards .card")
    assert cards.count() == 5
    for name in ("headline", "tldr", "key_points", "paragraph", "brief"):
        body = page.locator(f"#card-{name} .card-body").inner_text().strip()
        assert len(body.split()) >= 3, (name, body)
    assert page.locator("#card-key_points li").count() >= 3
    assert page.locator("#source li").count() > 10
    assert page.locator("#error").is_hidden()

    # Focus (keyboard) the first key point: its cited article sentences are highlighted.
    first_point = page.locator("#card-key_points .sentence").first
    cites = first_point.get_attribute("data-cites").split(",")
    first_point.focus()
    for index in cites:
        assert "cited" in page.locator(f"#src-{index}").get_attribute("class")
    assert page.locator("#source li.cited").count() == len(cites)
    cited_text = page.locator(f"#src-{cites[0]}").inner_text()
    point_text = first_point.inner_text()
    assert set(point_text.lower().split()[:4]) & set(cited_text.lower().split())  # it really is the source
    page.screenshot(path=str(OUTPUT / "briefly-page.png"), full_page=False)

    first_point.blur()
    assert page.locator("#source li.cited").count() == 0
    assert not console_errors, console_errors


def test_errors_show_in_words_and_the_page_fits_a_phone(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(server + "/")
    page.wait_for_selector("#lengths input[value=tldr]")
    page.fill("#article", "?!")  # no sentence with words in it
    page.click("#brief-button")
    error = page.locator("#error")
    error.wait_for(state="visible", timeout=30_000)
    assert "cannot be used" in error.inner_text()
    assert "422" not in error.inner_text()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(OUTPUT / "briefly-phone.png"), full_page=True)


def test_docs_render_the_spec_without_any_cdn(server: str, browser) -> None:
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(server) else None)
    page.goto(server + "/docs")
    page.get_by_text("/v1/briefings/batch", exact=True).wait_for(timeout=30_000)
    assert page.locator(".opblock").count() >= 8
    assert not outside, outside


def test_auto_mode_shows_condensed_sentences_with_their_sources(server: str, browser, seed_article: str) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server + "/")
    page.wait_for_selector("#lengths input[value=tldr]")
    for name in ("paragraph", "brief", "tldr"):
        page.uncheck(f"#lengths input[value={name}]")
    page.select_option("#mode", "auto")
    page.fill("#article", seed_article)
    page.click("#brief-button")
    page.wait_for_selector("#meta:has-text('mode auto')", timeout=120_000)
    assert page.locator("#cards .card").count() == 2
    assert page.locator("#cards .card.pending").count() == 0
    origins = page.locator("#cards .sentence").evaluate_all(
        "spans => spans.map(s => ['condensed', 'generated', 'title', 'extracted'].find(o => s.classList.contains(o)))"
    )
    assert "condensed" in origins
    assert set(origins) <= {"condensed", "generated", "title", "extracted"}
    assert "condensing" in page.locator("#meta").inner_text()  # the model's part is shown
    page.locator("#cards .sentence.condensed").first.hover()
    assert page.locator("#source li.cited").count() == 1  # a condensed sentence has exactly one source
    page.screenshot(path=str(OUTPUT / "briefly-auto.png"))


def test_check_panel_marks_an_unsupported_sentence_and_its_would_be_sources(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server + "/")
    page.fill("#article", SYRIA)
    page.fill("#check-text", "Rebels captured Hama on Thursday. Jets struck a bridge between Homs and Aleppo.")
    page.click("#check-button")
    page.wait_for_selector("#check-result:not([hidden])", timeout=60_000)
    assert page.locator("#check-output .sentence.supported").count() == 1
    assert page.locator("#check-output .sentence.unsupported").count() == 1
    assert "aleppo" in page.locator("#check-output .check-reasons").inner_text().lower()
    assert "% sure" in page.locator("#check-output .check-confidence").first.inner_text()
    assert "sentence" in page.locator("#check-output .check-spans li").first.inner_text()
    page.locator("#check-output .sentence.unsupported").hover()
    assert page.locator("#source li.cited").count() >= 1
    page.screenshot(path=str(OUTPUT / "briefly-check.png"))


def test_rewrite_panel_says_what_was_rewritten(server: str, browser) -> None:
    page = browser.new_page()
    page.goto(server + "/")
    page.wait_for_selector("#style option[value=plain]", state="attached")
    page.fill(
        "#rewrite-text", "The council approved the $4.5 million library on Tuesday. Construction will begin in March."
    )
    page.select_option("#style", "formal")
    page.click("#rewrite-button")
    page.wait_for_selector("#rewrite-result:not([hidden])", timeout=120_000)
    meta = page.locator("#rewrite-meta").inner_text()
    assert "rewritten" in meta
    assert "kept as written" in meta
    assert "$4.5 million" in page.locator("#rewrite-output").inner_text()  # the number survived, whatever the model did


def test_batch_jobs_are_listed_with_their_progress_and_output(server: str, browser, tmp_path: Path) -> None:
    """A batch sent through the API shows on the page with its progress; its output downloads by
    keyboard alone."""
    import requests

    OUTPUT.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"custom_id": f"page-{i}", "method": "POST", "url": "/v1/briefings", "body": body})
        for i, body in enumerate(
            [{"article": SYRIA, "lengths": ["tldr"], "mode": "extractive"}, {"article": "", "lengths": ["tldr"]}]
        )
    ]
    uploaded = requests.post(
        server + "/v1/files", files={"file": ("in.jsonl", "\n".join(lines))}, data={"purpose": "batch"}, timeout=60
    ).json()
    batch = requests.post(
        server + "/v1/batches", json={"input_file_id": uploaded["id"], "endpoint": "/v1/briefings"}, timeout=60
    ).json()
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server + "/")
    item = page.locator(f"#batch-{batch['id']}")
    item.locator(".batch-state.completed").wait_for(timeout=120_000)  # the page updates while it runs
    assert item.locator("progress").evaluate("bar => [bar.value, bar.max]") == [2, 2]
    assert "2 of 2 done: 1 answered, 1 failed" in item.locator(".batch-counts").inner_text()
    output = item.get_by_role("button", name=f"Download the output of {batch['id']}")
    output.focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    saved = tmp_path / "output.jsonl"
    download.value.save_as(saved)
    (line,) = [json.loads(text) for text in saved.read_text().splitlines()]
    assert line["custom_id"] == "page-0"
    assert line["response"]["status_code"] == 200
    page.locator("#batches-refresh").focus()
    page.keyboard.press("Enter")
    assert item.locator(".batch-state").inner_text() == "completed"
    page.screenshot(path=str(OUTPUT / "briefly-batches.png"), full_page=True)


def test_an_opened_html_file_is_briefed_from_its_extracted_text(server: str, browser, tmp_path: Path) -> None:
    article = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{line}</p>" for line in article.splitlines())
    page_file = tmp_path / "library-vote.html"
    page_file.write_text(
        f"<html><head><title>Springfield votes for a library</title></head><body><nav>Home | Sport | Weather</nav>"
        f"<article><h1>Springfield votes for a library</h1>{paragraphs}</article><footer>© Springfield Daily</footer></body></html>"
    )
    page = browser.new_page()
    page.goto(server + "/")
    page.wait_for_selector("#lengths input[value=tldr]")
    page.set_input_files("#file", str(page_file))  # what "Open a file…" (or a drop) does
    page.wait_for_selector("#file-name:has-text('library-vote.html')")
    assert page.locator("#article").input_value().lstrip().startswith("<html>")
    page.click("#brief-button")
    meta = page.locator("#meta")
    meta.get_by_text("extracted", exact=False).wait_for(timeout=60_000)
    assert "Springfield votes for a library" in meta.inner_text()  # the page's title was found
    assert "Weather" not in page.locator("#source").inner_text()  # navigation dropped, article kept
    assert "library" in page.locator("#card-tldr .card-body").inner_text().lower()
