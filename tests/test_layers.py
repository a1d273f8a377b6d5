"""Layers point one way: http -> engine -> web -> briefing -> text -> models. ``settings`` and ``errors``
sit under every layer; the command line and the WSGI entry sit above them all."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parent.parent / "service"
LAYERS = ("http", "engine", "web", "briefing", "text", "models")
FOUNDATION = {"settings", "errors"}
# What a layer may never import even though it sits above it (the HTTP layer holds no model code).
FORBIDDEN_THIRD_PARTY = {
    "http": {"torch", "transformers"},
    "engine": {"flask", "werkzeug"},
    "web": {"flask", "torch", "transformers"},
    "briefing": {"flask"},
    "text": {"flask", "torch"},
    "models": {"flask"},
}


def imported_modules(source: str) -> list[str]:
    """Absolute module names a source file imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "service" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def violations(layer: str, source: str) -> list[str]:
    """Imports in a module of ``layer`` that point up, or reach a library that layer must not use."""
    found = []
    for name in imported_modules(source):
        target = layer_of(name)
        if target is not None and LAYERS.index(target) < LAYERS.index(layer):
            found.append(f"imports {name} ({target} is above {layer})")
        if name.split(".")[0] in FORBIDDEN_THIRD_PARTY[layer]:
            found.append(f"imports {name}, which the {layer} layer must not use")
        if name.startswith("service.") and name.split(".")[1] not in (*LAYERS, *FOUNDATION, "__version__"):
            found.append(f"imports {name}, which is no layer (only settings and errors sit under them all)")
    return found


def test_every_module_belongs_to_a_layer_or_the_foundation() -> None:
    top = {p.stem for p in SERVICE.glob("*.py")} - {"__init__", "__main__"}
    assert top <= FOUNDATION, f"modules outside the layers: {sorted(top - FOUNDATION)}"
    assert {p.name for p in SERVICE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(LAYERS)


def test_imports_point_only_down() -> None:
    problems = []
    for path in sorted(SERVICE.rglob("*.py")):
        layer = path.relative_to(SERVICE).parts[0]
        if layer in LAYERS:
            problems += [f"{path.relative_to(SERVICE.parent)}: {v}" for v in violations(layer, path.read_text())]
    for name in FOUNDATION:
        for imported in imported_modules((SERVICE / f"{name}.py").read_text()):
            if layer_of(imported):
                problems.append(f"service/{name}.py: imports {imported}; the foundation imports no layer")
    assert not problems, "\n".join(problems)


def test_the_check_fails_on_an_import_that_points_up() -> None:
    assert violations("models", "from service.briefing.lengths import LENGTHS\n")
    assert violations("text", "import service.engine.engine\n")
    assert violations("http", "import torch\n")
    assert violations("engine", "from service.http import routes\n")
    assert violations("web", "from service.engine.protocol import parse\n")
    assert not violations("http", "from service.engine.engine import Engine\nfrom service.errors import InvalidInput\n")
    assert not violations(
        "briefing", "from service.text.words import count_words\nfrom service.models.generator import Prompt\n"
    )
