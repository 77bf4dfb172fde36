"""dashboards is the top of the dependency line (cityplatform ← devices ← lighting ← cctv ←
emergency ← dashboards) and reads the other apps the way everything else does: through their
selectors (reads), services (writes) and choices, never through their models, API serializers
or live modules."""

import grimp
import pytest

BACK_END_APPS = ("devices", "lighting", "cctv", "emergency")
# devices' assets CSV format (docs/assets-csv.md) is published like its choices: the page's
# export writes the same columns as the API's. cctv's analytics package reads its hotspots and
# recommendations in `cctv.analytics.hotspots` (its selectors: `hotspots_list`,
# `recommendations_list`); `cctv.selectors` cannot re-export them, that module imports it.
PUBLISHED = {"devices.assets_csv", "cctv.analytics.hotspots"}


def _allowed(module: str) -> bool:
    """A module of an app's selectors, services or choices (`devices.selectors.registry`,
    an app's `analytics.selectors`), or a published format."""
    segments = set(module.split(".")[1:])
    return module in PUBLISHED or bool(segments & {"selectors", "services", "choices"})


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("dashboards", *BACK_END_APPS, "cityplatform")


def test_dashboards_reach_other_apps_only_through_selectors_services_and_choices(graph):
    reached = {
        (importer, imported)
        for importer in graph.find_children("dashboards") | graph.find_descendants("dashboards")
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.split(".")[0] in BACK_END_APPS
    }

    assert reached, "dashboards reads the back-end apps"
    assert sorted(pair for pair in reached if not _allowed(pair[1])) == []


def test_no_other_app_imports_dashboards(graph):
    importers = {
        importer
        for module in graph.find_descendants("dashboards") | {"dashboards"}
        for importer in graph.find_modules_that_directly_import(module)
        if importer.split(".")[0] != "dashboards"
    }

    # cityplatform's URL configuration mounts the pages; no app below depends on them.
    assert importers <= {"cityplatform.urls"}
