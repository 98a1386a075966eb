"""The import directions of ../DESIGN.md, read from the source: a move that breaks one fails here."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (``from x import y`` gives x
    and x.y, since y may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offenders(package: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> dict[str, list[str]]:
    bad = {}
    for path in sources(package):
        wrong = sorted(
            name
            for name in imports(path)
            if name.startswith(forbidden) and not any(name == a or name.startswith(a + ".") for a in allowed)
        )
        if wrong:
            bad[str(path.relative_to(ROOT))] = wrong
    return bad


def test_the_engine_imports_neither_streamlit_nor_the_store_nor_the_app():
    assert offenders("engine", ("streamlit", "db.", "webapp")) == {}


@pytest.mark.parametrize(
    ("part", "forbidden"),
    [
        ("engine/models", ("engine.inference", "engine.training", "engine.scores")),
        ("engine/scores", ("engine.models",)),
        ("db", ("engine.models", "engine.inference", "engine.training", "engine.scores", "webapp", "streamlit")),
    ],
)
def test_inner_parts_do_not_reach_outwards(part, forbidden):
    assert offenders(part, forbidden) == {}


#: What a view may take from the engine: its types and labels, and the gold editor's draft classes.
VIEW_TYPES = {
    "engine.types": None,
    "engine.labels": None,
    "engine.notes.editing": {"Draft", "EditingClock", "EditRefused"},
}


def test_views_reach_the_engine_only_through_services_or_its_types():
    """Views name the engine's types, they do not call its functions, and they never open the store
    or the application layer themselves: that goes through webapp.services."""
    bad = {}
    for path in sources("webapp/views"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                taken = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                taken = [(node.module, alias.name) for alias in node.names]
            else:
                continue
            for module, name in taken:
                if not module.startswith(("engine", "db", "webapp.application")):
                    continue
                if module in VIEW_TYPES and (VIEW_TYPES[module] is None or name in VIEW_TYPES[module]):
                    continue
                bad.setdefault(path.name, []).append(f"{module}.{name}" if name else module)
    assert bad == {}
