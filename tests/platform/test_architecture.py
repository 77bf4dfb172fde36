"""The shape of the code, checked: one engine, modules a reader can hold, no circles in an app.

- PostgreSQL is the only engine: no `connection.vendor` branch in the apps (issue #15).
- Settings are read as `settings.X`, each defined once in settings.py: no `getattr(settings, …)`.
- No module of the apps over 420 lines (the migrations and the demo city's data excepted): a
  longer one has more than one job; split it (a package may re-export its public names).
- No import circle among the modules of an app, counting every import grimp sees (inside
  functions too: an import deferred into a function hides the circle from Python, not from the
  reader). Types-only
  imports (`if TYPE_CHECKING:`) are not counted.
"""

import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cityplatform", "devices", "lighting", "cctv", "dashboards")
MAX_LINES = 420
SIZE_EXEMPT = {Path("devices/demo_data.py")}


def app_modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" not in relative.parts:
            yield relative, path


@pytest.mark.parametrize("app", APPS)
def test_no_connection_vendor_branch(app):
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / app).rglob("*.py"))  # migrations included: they apply anywhere
        if "connection.vendor" in path.read_text()
    ]
    assert offenders == [], f"PostgreSQL is the only engine, delete the other branch: {offenders}"


@pytest.mark.parametrize("app", APPS)
def test_settings_are_read_as_settings_x(app):
    """Each setting is defined once, in settings.py, with its default: a `getattr(settings, X,
    default)` would repeat (and could contradict) that default in code."""
    offenders = [
        str(path.relative_to(ROOT))
        for relative, path in app_modules(app)
        if re.search(r"getattr\(\s*settings\s*,", path.read_text())
    ]
    assert offenders == [], f"read settings.X instead: {offenders}"


@pytest.mark.parametrize("app", APPS)
def test_no_module_over_the_size_limit(app):
    too_long = {
        str(relative): lines
        for relative, path in app_modules(app)
        if relative not in SIZE_EXEMPT and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}, f"modules over {MAX_LINES} lines: {too_long}"


def circles_in(graph: grimp.ImportGraph, app: str) -> list[list[str]]:
    """Each import circle among the app's modules, as the shortest chain that closes it: for
    an import `a -> b`, the chain by which `b` imports `a` back. Between packages, an import
    each way of different modules is not a circle (services schedule a task; the task module
    calls other services): only modules importing themselves back are."""
    modules = {m for m in graph.modules if m == app or m.startswith(f"{app}.")}
    found = set()
    for importer in sorted(modules):
        for imported in graph.find_modules_directly_imported_by(importer) & modules:
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                found.add(tuple(sorted({importer, *back})))
    return [list(circle) for circle in sorted(found)]


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycle_inside_the_app(app):
    graph = grimp.build_graph(app, exclude_type_checking_imports=True, cache_dir=None)
    assert circles_in(graph, app) == [], "import circles (the modules of each)"
