"""Polled CAP feeds, against a real HTTP server on a local socket: an Atom feed's entries are
read once each, an untrusted feed's alerts raise no alarm, an unreachable feed says why."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from cctv.models import Alarm
from emergency.choices import AlertState, RefusalReason
from emergency.models import CapAlert, CapFeed, RefusedAlert
from emergency.services.feeds import feed_create, feed_poll, feeds_poll_due
from emergency.tasks import feeds_poll
from tests.emergency.conftest import cap_xml

pytestmark = pytest.mark.django_db


def atom(base: str, names: list[str]) -> bytes:
    entries = "".join(
        f"""<entry><id>urn:{name}</id><title>{name}</title><updated>2026-12-03T10:00:00Z</updated>
        <link rel="alternate" type="application/cap+xml" href="{base}/{name}.xml"/></entry>"""
        for name in names
    )
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feed</id>'
        f"<title>EA</title><updated>2026-12-03T10:00:00Z</updated>{entries}</feed>"
    ).encode()


@pytest.fixture
def server(free_port):
    """A local HTTP server: `server.files[path] = bytes`; `server.hits` counts requests."""
    files: dict[str, bytes] = {}
    redirects: dict[str, str] = {}
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            if self.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[self.path])
                self.end_headers()
                return
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(body or b"missing")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.files, httpd.hits, httpd.base = files, hits, f"http://127.0.0.1:{free_port}"
    httpd.redirects = redirects
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_a_feed_poll_receives_each_new_entry_once(server, wards):
    server.files["/feed.atom"] = atom(server.base, ["w1", "w2", "bad"])
    server.files["/w1.xml"] = cap_xml("EA-w1")
    server.files["/w2.xml"] = cap_xml("EA-w2", status="Exercise")
    server.files["/bad.xml"] = b"<alert>not CAP</alert>"
    feed = feed_create(name="ea", url=f"{server.base}/feed.atom", actor="test")
    counts = feed_poll(feed=feed)
    assert counts == {"received": 2, "refused": 1, "duplicate": 0, "seen": 0}
    assert Alarm.objects.count() == 1  # the exercise is kept, not acted on
    assert CapAlert.objects.get(identifier="EA-w1").url == f"{server.base}/w1.xml"
    assert RefusedAlert.objects.get().reason == RefusalReason.SCHEMA
    feed.refresh_from_db()
    assert feed.last_ok is True and feed.last_polled_at is not None
    server.hits.clear()
    assert feed_poll(feed=feed)["seen"] == 3
    assert server.hits == ["/feed.atom"]  # nothing fetched again


def test_an_untrusted_feed_keeps_its_alerts_without_raising_alarms(server, wards):
    server.files["/feed.atom"] = atom(server.base, ["w1"])
    server.files["/w1.xml"] = cap_xml("EA-w1")
    feed = feed_create(name="trial", url=f"{server.base}/feed.atom", trusted=False, actor="t")
    feed_poll(feed=feed)
    alert = CapAlert.objects.get()
    assert (alert.state, alert.state_reason) == (AlertState.NOT_ACTED, "the feed is not trusted")
    assert Alarm.objects.count() == 0


def test_an_unreachable_feed_says_why(server, wards):
    feed = feed_create(name="ea", url=f"{server.base}/nothing.atom", actor="test")
    feed_poll(feed=feed)
    feed.refresh_from_db()
    assert feed.last_ok is False and feed.last_error == "HTTP 404"


def test_the_beat_task_polls_only_the_feeds_due(server, wards):
    server.files["/feed.atom"] = atom(server.base, [])
    due = feed_create(name="due", url=f"{server.base}/feed.atom", actor="test")
    recent = feed_create(name="recent", url=f"{server.base}/feed.atom", interval_s=600, actor="t")
    CapFeed.objects.filter(pk=recent.pk).update(last_polled_at=timezone.now())
    feed_create(name="off", url=f"{server.base}/feed.atom", enabled=False, actor="test")
    assert set(feeds_poll.apply().get()) == {"due"}
    due.refresh_from_db()
    assert due.last_ok is True
    assert feeds_poll_due() == {}  # polled a moment ago: not due again


def test_a_cap_document_inline_in_the_feed_is_received(server, wards):
    inline = cap_xml("EA-inline").split(b"?>", 1)[1]
    server.files["/feed.atom"] = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        b"<id>urn:inline</id><content type='application/cap+xml'>" + inline + b"</content>"
        b"</entry></feed>"
    )
    feed = feed_create(name="inline", url=f"{server.base}/feed.atom", actor="test")
    assert feed_poll(feed=feed)["received"] == 1
    alert = CapAlert.objects.get()
    assert (alert.identifier, alert.url, alert.state) == ("EA-inline", "urn:inline", "active")
    assert feed_poll(feed=feed)["seen"] == 1


def test_a_feed_cannot_make_the_platform_fetch_elsewhere(server, wards, settings):
    """The feed chooses its links: only http(s) on the feed's own host (or CAP_FEED_LINK_HOSTS)
    is followed, and a redirect is not followed at all (SSRF into the city's network)."""
    other = server.base.replace("127.0.0.1", "localhost")  # the same server, another host name
    entries = atom(server.base, ["ok", "hop"]).replace(b"</feed>", b"")
    for name, href in (("away", f"{other}/away.xml"), ("file", "file:///etc/passwd")):
        entries += (
            f"<entry><id>urn:{name}</id><title>{name}</title><updated>2026-12-03T10:00:00Z"
            f'</updated><link type="application/cap+xml" href="{href}"/></entry>'
        ).encode()
    server.files["/feed.atom"] = entries + b"</feed>"
    server.files["/ok.xml"] = cap_xml("EA-ok")
    server.files["/away.xml"] = cap_xml("EA-away")
    server.redirects["/hop.xml"] = f"{other}/away.xml"
    feed = feed_create(name="ea", url=f"{server.base}/feed.atom", actor="test")
    assert feed_poll(feed=feed) == {"received": 1, "refused": 3, "duplicate": 0, "seen": 0}
    assert "/away.xml" not in server.hits  # neither the other host nor the redirect reached it
    details = sorted(RefusedAlert.objects.values_list("detail", flat=True))
    assert any("not the feed's host" in d and "CAP_FEED_LINK_HOSTS" in d for d in details)
    assert any("not an http(s) address" in d for d in details)
    assert any("not followed elsewhere" in d for d in details)

    settings.CAP_FEED_LINK_HOSTS = ["localhost"]  # the council trusts that host too
    RefusedAlert.objects.all().delete()
    server.files["/feed.atom"] = atom(other, ["away"])
    assert feed_poll(feed=feed)["received"] == 1
    assert "/away.xml" in server.hits
