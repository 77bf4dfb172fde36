"""Issue #19, item 10: a CSV import of thousands of rows runs as a task on a real Celery worker
(over Redis), and its page follows it live: waiting for a worker, a progress bar that moves,
then the row-level report, without a reload; a job that fails says so on its page."""

import pytest
from celery.contrib.testing.worker import start_worker

from cityplatform.celery import app as celery_app
from cityplatform.roles import Role
from devices.models import Asset, AssetImportJob
from devices.services.import_run import import_job_fail
from tests.dashboards.city import build_city
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS = 2000
BAD_LINES = {101, 1502}  # their latitude is off the map


def _csv() -> bytes:
    lines = ["device_id,kind,latitude,longitude,name"]
    for n in range(ROWS):
        line = n + 2  # the header is line 1
        lat = 95 if line in BAD_LINES else 51.5142 + (n % 40) * 0.00003
        lines.append(f"SL-IMP-{n:05d},streetlight,{lat},{-0.0938 + (n // 40) * 0.00003},Lamp {n}")
    return ("\n".join(lines) + "\n").encode()


def _upload(page, server, mode: str) -> None:
    page.goto(f"{server.url}/assets/import/")
    page.set_input_files(
        "#import-form input[name=file]",
        files=[{"name": "street-lights.csv", "mimeType": "text/csv", "buffer": _csv()}],
    )
    page.select_option("#import-form select[name=mode]", mode)
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/assets/import/*/")


def test_a_2000_row_import_shows_its_progress_then_its_report(make_user, asgi_server, browser_page):
    build_city(lights_per_zone=1)
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.ASSET_MANAGER).username)
    _upload(page, asgi_server, "valid_only")
    page.wait_for_function("document.body.dataset.live === 'live'")
    # No worker yet: the job is queued, and the page says so.
    page.wait_for_function("window.cityImport && document.getElementById('import-job')")
    assert "Waiting for a worker" in page.inner_text("#import-state")
    assert page.get_attribute("#import-job", "data-state") == "queued"
    page.evaluate("window.notReloaded = true")

    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=["default"]):
        page.locator("#import-report").wait_for(timeout=120_000)
    seen = page.evaluate("window.cityImport.seen")
    assert any(0 < n < ROWS for n in seen), seen  # the bar moved on while the rows were read
    assert seen == sorted(seen)
    assert page.evaluate("window.notReloaded === true")  # followed live, not reloaded
    assert page.get_attribute("#import-job", "data-state") == "done"
    assert page.inner_text("#import-state") == f"Finished: {ROWS} rows read."
    assert page.get_attribute("#import-bar", "value") == str(ROWS)
    assert page.inner_text("#created") == str(ROWS - len(BAD_LINES))
    assert page.inner_text("#invalid-rows") == str(len(BAD_LINES))
    lines = page.eval_on_selector_all(
        "#row-errors tr[data-line]", "rs => rs.map(r => r.dataset.line)"
    )
    assert sorted(int(n) for n in set(lines)) == sorted(BAD_LINES)
    assert Asset.objects.filter(device_id__startswith="SL-IMP-").count() == ROWS - len(BAD_LINES)
    job = AssetImportJob.objects.get()
    assert job.state == "done" and job.processed_rows == ROWS and bytes(job.data) == b""
    screenshot(page, "asset-import-report")
    assert page.js_errors == []


def test_a_failed_import_says_so_on_its_page(make_user, asgi_server, browser_page):
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.ASSET_MANAGER).username)
    _upload(page, asgi_server, "check")
    page.wait_for_function("document.body.dataset.live === 'live'")
    job = AssetImportJob.objects.get()
    off_the_browser_thread(import_job_fail, job_id=job.pk, error="The worker was lost.")
    page.locator("#import-failed").wait_for()
    assert "The import failed: The worker was lost." in page.inner_text("#import-failed")
    assert page.get_attribute("#import-job", "data-state") == "failed"
    assert not page.is_visible("#import-report")
    assert page.js_errors == []
