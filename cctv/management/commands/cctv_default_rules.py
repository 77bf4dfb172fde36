"""manage.py cctv_default_rules: creates the starting set of alarm rules (idempotent)."""

from django.core.management.base import BaseCommand

from cctv.services.defaults import alarm_rules_create_defaults


class Command(BaseCommand):
    help = "Creates the default alarm rules that do not exist yet (by name)."

    def handle(self, *args, **options):
        created = alarm_rules_create_defaults(actor="cctv_default_rules")
        for rule in created:
            self.stdout.write(f"created {rule.name}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} rule(s) created"))
