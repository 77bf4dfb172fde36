from django.core.management.base import BaseCommand

from cityplatform.roles import roles_sync


class Command(BaseCommand):
    help = "Creates the role groups and sets their permissions (idempotent; also run by migrate)."

    def handle(self, *args, **options) -> None:
        for role, count in roles_sync().items():
            self.stdout.write(f"{role}: {count} permissions")
