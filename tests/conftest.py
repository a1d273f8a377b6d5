"""Fixtures: one per need (settings, fake engine, app, client, sample article, tiny models)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator
from tests.server import running_gunicorn

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


SAMPLE_ARTICLE = Path(__file__).resolve().parent / "data" / "sample-article.txt"


@pytest.fixture(scope="session")
def seed_article() -> str:
    """The project's sample article (../shared/data/seed-article.txt) when this checkout has it
    beside it, else a committed local-news article of the same kind, so CI never skips these
    tests. BRIEFLY_TEST_ARTICLE picks another file."""
    path = Path(os.environ.get("BRIEFLY_TEST_ARTICLE") or SHARED_DATA / "seed-article.txt")
    return (path if path.exists() else SAMPLE_ARTICLE).read_text(encoding="utf-8")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The hashing embedder is no MiniLM: its cosines read lower than the judge's weights expect, so
    # these tests weigh risk leniently; the vetoes (a number, name or time the article never states,
    # a flipped negation...) refuse as in production.
    return Settings(
        cache_dir=str(tmp_path / "cache"),
        data_dir=str(tmp_path / "data"),
        max_body_bytes=200_000,
        max_article_chars=50_000,
        free_writing="on",
        risk_threshold=0.9,
    )


@pytest.fixture
def generator() -> ReplayGenerator:
    return ReplayGenerator()


@pytest.fixture
def engine(settings: Settings, generator: ReplayGenerator) -> Engine:
    eng = Engine(settings, generator=generator, embedder=HashingEmbedder())
    eng.load()
    return eng


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Flask:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """gunicorn with the real embedded model, shared by the end-to-end and browser tests."""
    with running_gunicorn(BRIEFLY_REQUEST_TIMEOUT_S="240") as base:
        yield base
