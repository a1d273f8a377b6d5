"""Articles in other languages: detected, split by that language's rules, counted as its script is
(CJK in characters), and briefed by extraction with a note where the model does not write them.

The texts are short news items written for these tests in each language's ordinary news style,
with the constructions that broke English rules: abbreviations ("Mrd.", "Sr.", "г."), ordinal
dates ("am 26. Oktober"), Arabic's question mark and Chinese full stops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from service.text.language import detect
from service.text.segmenter import split_sentences
from tests.fakes import HashingEmbedder, ReplayGenerator

ARTICLES: dict[str, str] = {
    "de": (
        "Die Bundesregierung hat am Mittwoch ein Investitionspaket von 12 Mrd. Euro für den Ausbau der Bahn beschlossen. "
        "Verkehrsminister Jan Becker sagte in Berlin, die ersten Strecken sollen ab dem 26. Oktober saniert werden. "
        "Die Opposition kritisierte, dass das Geld erst in drei Jahren vollständig fließen werde. "
        "Der Fahrgastverband Pro Bahn begrüßte den Beschluss, forderte aber mehr Personal in den Stellwerken. "
        "Bis 2030 sollen nach Angaben des Ministeriums rund 4000 Kilometer Gleise erneuert werden."
    ),
    "es": (
        "El Ayuntamiento de Valencia aprobó el martes un plan de vivienda de 300 millones de euros. "
        "El alcalde, el Sr. Martínez, explicó que se construirán 2.500 pisos de alquiler asequible antes de 2028. "
        "La Sra. López, portavoz de la oposición, calificó el plan de insuficiente y tardío. "
        "Los vecinos del barrio de Benimaclet reclaman desde hace años más vivienda pública. "
        "Las obras de los primeros edificios comenzarán en primavera, según el consistorio."
    ),
    "fr": (
        "Le gouvernement a présenté mercredi un projet de loi pour réduire les délais de jugement. "
        "Selon le ministre de la Justice, les tribunaux manquent de 1 500 greffiers dans tout le pays. "
        "Les syndicats de magistrats jugent la réforme utile mais estiment que les moyens restent insuffisants. "
        "Le texte sera examiné par l'Assemblée nationale à partir du 12 novembre. "
        "En 2023, le délai moyen d'un procès civil dépassait quatorze mois."
    ),
    "ru": (
        "В 2024 г. в Новосибирске открылся новый мост через реку Обь. "
        "Мэр города Анатолий Локоть заявил, что строительство обошлось в 38 млрд рублей. "
        "По словам чиновников, мост сократит время в пути между районами на 20 минут. "
        "Жители левого берега давно ждали открытия новой переправы. "
        "Движение по мосту будет открыто круглосуточно с понедельника."
    ),
    "ar": (
        "أعلنت وزارة الصحة يوم الأحد عن افتتاح مستشفى جديد في مدينة الإسكندرية بسعة 500 سرير. "
        "وقال الوزير إن المستشفى سيخدم أكثر من مليون مواطن في المنطقة. "
        "هل يكفي مستشفى واحد لتلبية الطلب المتزايد؟ "
        "يرى الأطباء أن المنطقة تحتاج إلى ثلاثة مستشفيات على الأقل خلال السنوات المقبلة. "
        "وسيبدأ المستشفى استقبال المرضى في الأول من الشهر المقبل."
    ),
    "zh": (
        "北京市政府周三宣布，将在明年投资200亿元改造老旧小区。"
        "市住建委负责人表示，改造范围覆盖全市十六个区的一千多个小区。"
        "改造内容包括加装电梯、更换管线和增加停车位。"
        "不少居民对此表示欢迎，但也有人担心施工会影响日常生活。"
        "首批项目预计在三月份开工。"
    ),
}

# Sentence counts a reader of each language would give (one per full stop, question mark or 。).
SENTENCES = {"de": 5, "es": 5, "fr": 5, "ru": 5, "ar": 5, "zh": 5}


@pytest.mark.parametrize("code", sorted(ARTICLES))
def test_the_language_is_detected(code: str) -> None:
    assert detect(ARTICLES[code]) == code


@pytest.mark.parametrize("code", sorted(ARTICLES))
def test_sentences_are_split_by_the_languages_rules(code: str) -> None:
    sentences = split_sentences(ARTICLES[code], language=code)
    assert len(sentences) == SENTENCES[code], sentences
    joined = " ".join(sentences)
    for whole in ("12 Mrd. Euro", "dem 26. Oktober", "el Sr. Martínez", "La Sra. López", "В 2024 г. в Новосибирске"):
        if whole in ARTICLES[code]:
            assert any(whole in s for s in sentences), (whole, sentences)
    if code == "zh":
        assert "." not in joined  # no ASCII full stop added to a sentence ending in 。
    if code == "ar":
        assert any(s.endswith("؟") for s in sentences)  # Arabic's question mark ends a sentence, as it is


def client_for(tmp_path: Path, **settings: Any) -> FlaskClient:
    s = Settings(cache_dir=str(tmp_path), **settings)
    engine = Engine(s, generator=ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    return create_app(s, engine=engine).test_client()


@pytest.mark.parametrize("code", sorted(ARTICLES))
def test_an_embedded_model_does_not_write_other_languages_it_extracts_and_says_so(tmp_path: Path, code: str) -> None:
    body = client_for(tmp_path).post("/v1/briefings", json={"article": ARTICLES[code], "mode": "auto"}).get_json()
    assert body["input"]["language"] == code
    assert body["mode"] == "extractive"
    assert "briefed by extraction" in body["note"]
    for name, briefing in body["briefings"].items():
        assert briefing["sentences"], name
        for sentence in briefing["sentences"]:
            assert sentence["origin"] in ("extracted", "title")
            # whole article sentences as written (a headline without its stop): never a clause cut
            # by English syntax, never an ASCII full stop added after 。 or ؟
            text = sentence["text"]
            assert text in ARTICLES[code], (name, text)
            assert name == "headline" or text[-1] in ".。؟", (name, text)


def test_english_keeps_its_mode_and_a_named_model_writes_any_language(tmp_path: Path) -> None:
    english = "The council approved the budget on Tuesday. It raises school spending by 4 percent. The vote was 7 to 2."
    body = (
        client_for(tmp_path)
        .post("/v1/briefings", json={"article": english, "mode": "auto", "lengths": ["tldr"]})
        .get_json()
    )
    assert body["input"]["language"] == "en"
    assert body["mode"] == "auto"
    assert "note" not in body
    named = client_for(tmp_path, model="some/model").post(
        "/v1/briefings", json={"article": ARTICLES["de"], "mode": "auto", "lengths": ["tldr"]}
    )
    assert named.get_json()["mode"] == "auto"


def test_chinese_is_measured_in_characters(tmp_path: Path) -> None:
    body = client_for(tmp_path).post("/v1/briefings", json={"article": ARTICLES["zh"], "mode": "extractive"}).get_json()
    headline, brief = body["briefings"]["headline"], body["briefings"]["brief"]
    assert headline["contract"] == "one line, at most 28 characters, no final full stop"
    assert brief["contract"] == "300 to 500 characters"
    han = sum(1 for ch in ARTICLES["zh"] if "\u4e00" <= ch <= "\u9fff")
    assert body["input"]["words"] == han + 1  # each character, and the number 200 as one word
    assert not brief["within_contract"]  # the whole article is under 300 characters: said, not hidden
    assert headline["within_contract"]
    assert headline["words"] <= 28


def test_a_language_field_overrides_detection(tmp_path: Path) -> None:
    client = client_for(tmp_path)
    body = client.post(
        "/v1/briefings", json={"article": ARTICLES["es"], "language": "en", "lengths": ["tldr"]}
    ).get_json()
    assert body["input"]["language"] == "en"
    bad = client.post("/v1/briefings", json={"article": ARTICLES["es"], "language": "Spanish"})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["field"] == "language"


def test_a_rewrite_in_a_language_the_model_does_not_write_leaves_the_text_as_it_is(tmp_path: Path) -> None:
    body = client_for(tmp_path).post("/v1/rewrite", json={"text": ARTICLES["fr"], "style": "plain"}).get_json()
    assert body["rewritten_sentences"] == 0
    assert "does not write French" in body["note"]
    assert body["text"] == " ".join(split_sentences(ARTICLES["fr"], language="fr"))


def test_a_multilingual_model_is_asked_to_answer_in_the_articles_language(tmp_path: Path) -> None:
    generator = ReplayGenerator()
    s = Settings(cache_dir=str(tmp_path), model="some/multilingual-model")
    engine = Engine(s, generator=generator, embedder=HashingEmbedder())
    engine.load()
    client = create_app(s, engine=engine).test_client()
    client.post("/v1/briefings", json={"article": ARTICLES["de"], "mode": "abstractive", "lengths": ["tldr"]})
    assert generator.prompts[-1].user.endswith("Answer in German, the language of the text.")
    client.post("/v1/rewrite", json={"text": ARTICLES["es"], "style": "formal"})
    assert generator.prompts[-1].user.endswith("Answer in Spanish, the language of the text.")
    client.post(
        "/v1/briefings", json={"article": ARTICLES["de"], "language": "en", "mode": "abstractive", "lengths": ["tldr"]}
    )
    assert "Answer in" not in generator.prompts[-1].user  # English prompts stay as their templates


def test_lengths_say_how_each_script_is_measured(tmp_path: Path) -> None:
    scripts = client_for(tmp_path).get("/v1/lengths").get_json()["scripts"]
    cjk = next(s for s in scripts if s["family"] == "cjk")
    assert cjk["unit"] == "character"
    assert cjk["per_word"] == 2.0
    assert "zh" in cjk["languages"]


@pytest.mark.parametrize(
    ("code", "invented"),
    [
        ("ru", "Мэр города Сергей Иванов заявил, что строительство обошлось в 45 млрд рублей."),
        ("de", "Verkehrsministerin Anna Schulz sagte in Hamburg, die Strecken sollen ab dem 3. Mai saniert werden."),
        ("zh", "上海市政府周五宣布，将在明年投资500亿元建设新机场。"),
        ("ar", "وقال الوزير إن المستشفى سيخدم أكثر من ٣ ملايين مواطن في القاهرة."),
    ],
)
def test_the_checks_catch_an_invented_sentence_in_any_language(tmp_path: Path, code: str, invented: str) -> None:
    client = client_for(tmp_path)
    copied = split_sentences(ARTICLES[code], language=code)[1]
    body = client.post("/v1/check", json={"article": ARTICLES[code], "summary": f"{copied} {invented}"}).get_json()
    verdicts = [s["supported"] for s in body["sentences"]]
    assert verdicts == [True, False], body["sentences"]


def test_the_plain_style_asks_for_plain_text_in_the_texts_language(tmp_path: Path) -> None:
    from service.briefing.lengths import LENGTHS
    from service.briefing.promptbook import PromptBook
    from service.briefing.styles import STYLES

    book = PromptBook.load(Settings(cache_dir=str(tmp_path)).prompts_dir, LENGTHS, STYLES)
    assert "in plain English: short sentences" in book.render_rewrite("plain", "Some text.")
    german = book.render_rewrite("plain", "Ein Text.", "German")
    assert "in plain German: short sentences" in german
    assert "English" not in german
