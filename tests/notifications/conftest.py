"""Real servers for the notification tests: an HTTP receiver in a thread (it checks nothing
itself: tests read what it received) answering the statuses it is told, and an aiosmtpd SMTP
server with Django's SMTP backend pointed at it. Celery tasks run in-process."""

import email
import email.policy
import json
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from cityplatform.celery import app as celery_app
from cityplatform.signing import signature_of
from notifications.services.recipients import recipient_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def signature_valid(self, secret: str) -> bool:
        timestamp = self.headers["X-Timestamp"]
        expected = signature_of(secret=secret, body=self.body, timestamp=timestamp)
        return self.headers["X-Signature"] == f"sha256={expected}"


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in turn; then 200
    requests: list[Received] = field(default_factory=list)


@pytest.fixture
def http_receiver():
    """A partner's webhook endpoint: receiver.statuses = [500, 500] fails twice, then 200."""
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            code = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


class _Inbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings, free_port):
    """A real SMTP server (aiosmtpd) on a free port; Django sends to it over SMTP."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def tasks_in_process():
    """The worker's work, in this process (eager): a delivery is attempted once committed."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """with committed(): … — what runs after the commit (the deliveries' tasks) runs."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def partner(db):
    """partner(slug, **fields) → a partner recipient."""

    def make(slug: str = "fire", **values):
        values.setdefault("name", slug.title())
        values.setdefault("kind", "partner")
        return recipient_create(actor="test", slug=slug, **values)

    return make
