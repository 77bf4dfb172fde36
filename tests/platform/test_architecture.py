"""The shape of the code, checked: one engine, modules a reader can hold, no circles in an app.

- PostgreSQL is the only engine: no `connection.vendor` branch in the apps (issue #15).
- Settings are read as `settings.X`, each defined once in settings.py: no `getattr(settings, …)`.
- No module of the apps over 420 lines (the migrations and the demo city's data excepted): a
  longer one has more than one job; split it (a package may re-export its public names).
- No import circle among the modules of an app, counting every import grimp sees (inside
  functions too: an import deferred into a function hides the circle from Python, not from the
  reader). Types-only
  imports (`if TYPE_CHECKING:`) are not counted.
- An import inside a function is kept only where it breaks a true cycle or defers a heavy
  import, and says which: a `# deferred: <why>` comment right above it (or above its block of
  consecutive imports).
"""

import ast
import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "cityplatform",
    "devices",
    "notifications",
    "lighting",
    "cctv",
    "emergency",
    "ngsi",
    "open311",
    "dashboards",
)
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


def undeclared_deferred_imports(source: str) -> list[int]:
    """The line of each import inside a function that no `# deferred:` comment explains: the
    comment lines right above the import, or above the block of consecutive imports it ends,
    must include one starting `# deferred:`."""
    lines = source.splitlines()
    tree = ast.parse(source)
    import_lines = {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for line in range(node.lineno, node.end_lineno + 1)
    }

    def above_block(line: int) -> int:
        """The line above the block of consecutive imports (blank lines between them allowed)
        that `line` belongs to, 1-based; 0 at the top of the file."""
        above = line - 1
        while above >= 1:
            if above in import_lines:
                line = above
            elif lines[above - 1].strip():
                break
            above -= 1
        return line - 1

    undeclared = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            comment, line = [], above_block(node.lineno)
            while line >= 1 and lines[line - 1].strip().startswith("#"):
                comment.append(lines[line - 1].strip())
                line -= 1
            if not any(text.startswith("# deferred:") for text in comment):
                undeclared.append(node.lineno)
    return sorted(set(undeclared))


def test_undeclared_deferred_imports_are_found():
    source = (
        "def f():\n"
        "    # deferred: breaks a -> b -> a\n"
        "    from a import x\n"
        "    import b\n"
        "\n"
        "    from c import y\n"
        "    return x\n"
        "\n"
        "def g():\n"
        "    # a comment that does not say why\n"
        "    import d\n"
        "\n"
        "    import e\n"
    )
    assert undeclared_deferred_imports(source) == [11, 13]


@pytest.mark.parametrize("app", APPS)
def test_every_import_inside_a_function_says_why_it_is_deferred(app):
    offenders = [
        f"{relative}:{line}"
        for relative, path in app_modules(app)
        for line in undeclared_deferred_imports(path.read_text())
    ]
    assert offenders == [], f"a function-level import without `# deferred: <why>`: {offenders}"


def upward_imports(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    """Imports against the apps' one-way order (cityplatform ← devices ← lighting ← cctv ←
    dashboards, APPS from the bottom up): an app imports only the apps below it."""
    rank = {app: position for position, app in enumerate(APPS)}
    found = []
    for importer in sorted(graph.modules):
        below = rank[importer.split(".")[0]]
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if rank[imported.split(".")[0]] > below:
                found.append((importer, imported))
    return found


def test_no_app_imports_an_app_above_it():
    graph = grimp.build_graph(*APPS, exclude_type_checking_imports=True, cache_dir=None)
    assert upward_imports(graph) == [], "an app imports only the apps below it"
