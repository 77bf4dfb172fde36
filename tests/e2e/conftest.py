"""Browser-test fixtures: the real ASGI app served by uvicorn, and Debian's Chromium.

`asgi_server` serves `cityplatform.asgi:application` (pages, API and /ws/live/) from a thread of
the test process, so it uses the test database and the Redis channel layer the test uses; the
tests that use it are transactional (what they write is committed, and seen by the server).
`browser_page` drives /usr/bin/chromium through Playwright (Playwright never downloads a
browser); `make test` installs Debian's `chromium` when it is missing. Each browser test saves
a screenshot under var/screenshots/.
"""

import contextlib
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"  # the password of tests/conftest.py's make_user

# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make
# around it are plain synchronous code, so Django's async-safety guard is told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


class _Server:
    def __init__(self, port: int) -> None:
        import uvicorn

        from cityplatform.asgi import application

        config = uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            ws="websockets",
        )
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # not the main thread
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="asgi-server")
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive(), "the ASGI server stopped at start"
            assert time.monotonic() < deadline, "the ASGI server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        from channels.layers import channel_layers

        self.server.should_exit = True
        self.thread.join(timeout=10)
        # The next test's server gets a channel layer of its own: a server that has not yet
        # wound down (a consumer still waiting in receive() on its loop) would otherwise make
        # every later consumer fail ("Two event loops are trying to receive() on one channel
        # layer at once!").
        channel_layers.backends.clear()


@pytest.fixture
def asgi_server(_server_connections_closed, transactional_db, free_port):
    """The platform's ASGI app on a free port of 127.0.0.1, against the test database."""
    server = _Server(free_port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _server_connections_closed(django_db_setup, django_db_blocker):
    """At the end of the session, before the test database is dropped: the servers' worker
    threads may still hold connections to it, which would stop pytest-django from dropping it;
    they are ended here (the test database is this run's own)."""
    yield
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.settings_dict["NAME"]
            connections.close_all()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
        connections.close_all()


def _chromium_path() -> str:
    path = shutil.which(CHROMIUM) or CHROMIUM
    if not Path(path).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    return path


@pytest.fixture
def browser_context(tmp_path):
    """A fresh Chromium profile (its own --user-data-dir) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),
            executable_path=_chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 900},
            locale="en-GB",
            timezone_id="Europe/London",
            # Playwright's wait_for_function compiles its predicate in the page (new Function),
            # which the platform's CSP forbids; tests/security/test_csp_browser.py drives the
            # pages with the policy in force.
            bypass_csp=True,
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def browser_page(browser_context, request):
    """A page; on teardown its screenshot is saved as var/screenshots/<test name>.png."""
    page = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    with contextlib.suppress(Exception):  # a screenshot is a record, not the test's verdict
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, server, username: str, password: str = PASSWORD) -> None:
    """Signs in through the real sign-in form, as a person would."""
    page.goto(f"{server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # The answer to the form's POST is a navigation: wait for it, not for "network idle", which
    # the sign-in page itself may still be in when the click returns.
    with page.expect_navigation(timeout=30_000):
        page.click("button[type=submit]")
    if "/accounts/login/" in page.url:
        errors = page.locator(".errorlist, [role=alert]").all_inner_texts()
        raise AssertionError(f"sign-in as {username!r} refused: {errors}")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays at the top of the picture
    page.screenshot(path=str(path), full_page=True)
    return path


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def off_the_browser_thread(function, *args, **kwargs):
    """Runs `function` in a thread of its own and returns its result.

    Playwright's sync API keeps an event loop in the test's thread, where `async_to_sync` (the
    live publisher's, the services' after-commit hooks) refuses to run: the real path is taken
    from another thread, as the gateway or a worker would.
    """
    result: dict = {}

    def run():
        try:
            result["value"] = function(*args, **kwargs)
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in result:
        raise result["error"]
    return result.get("value")
