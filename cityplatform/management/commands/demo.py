"""`manage.py demo`: the whole platform in one process on its embedded defaults."""

import asyncio
import secrets

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from cityplatform.apps import describe_runtime
from cityplatform.embedded import DemoContext, run_platform
from cityplatform.roles import Role, roles_sync

# One demo account per role, so a new user can see each role's pages.
DEMO_USERS = {
    "admin": None,  # a superuser: the administrator
    "lighting": Role.LIGHTING_OPERATOR,
    "security": Role.SECURITY_OPERATOR,
    "supervisor": Role.SECURITY_SUPERVISOR,
    "assets": Role.ASSET_MANAGER,
    "viewer": Role.VIEWER,
}


class Command(BaseCommand):
    help = "Runs the embedded platform with a simulated city at http://127.0.0.1:8000 until Ctrl-C."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=settings.DEMO_HOST)
        parser.add_argument("--port", type=int, default=settings.DEMO_PORT)
        parser.add_argument(
            "--no-simulators", action="store_true", help="start no simulated devices"
        )

    def handle(self, *args, **options) -> None:
        # The demo's broker (embedded or local) is open by design: no anonymous-broker warning.
        settings.MQTT_ANONYMOUS_ALLOWED = True
        for line in describe_runtime():
            self.stdout.write(f"-- {line}")
        call_command("migrate", interactive=False, verbosity=0)
        roles_sync()
        credentials = self.ensure_accounts()
        for config in apps.get_app_configs():
            for dotted in getattr(config, "demo_prepare", ()):
                import_string(dotted)(stdout=self.stdout)

        ctx = DemoContext(host=options["host"], port=options["port"])
        ctx.options["simulators"] = not options["no_simulators"]
        url = f"http://{ctx.host}:{ctx.port}/"

        def ready() -> None:
            self.stdout.write(self.style.SUCCESS(f"The Secure City Platform is running at {url}"))
            self.stdout.write(credentials)
            self.stdout.write("API docs at /api/docs/ · health at /healthz · Ctrl-C stops it.")
            self.stdout.flush()

        asyncio.run(run_platform(ctx, ready=ready))
        self.stdout.write("Stopped.")

    def ensure_accounts(self) -> str:
        """Creates the demo accounts once, with a random password kept in var/ (not hard-coded)."""
        path = settings.VAR_DIR / "demo-credentials.txt"
        User = get_user_model()
        if path.exists() and User.objects.filter(username="admin").exists():
            return f"Sign in with the accounts listed in {path}"
        password = secrets.token_urlsafe(12)
        for username, role in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = user.is_superuser = role is None
            user.save()
            if role is not None:
                user.groups.set([Group.objects.get(name=role.value)])
        path.write_text(
            "Demo accounts of the Secure City Platform (this machine only).\n"
            f"password for every account: {password}\n"
            + "".join(
                f"  {u:<11} {r.label if r else 'administrator'}\n" for u, r in DEMO_USERS.items()
            )
        )
        path.chmod(0o600)
        return (
            f"Sign in as admin (or {', '.join(list(DEMO_USERS)[1:])}) with the password "
            f"{password} (kept in {path})"
        )
