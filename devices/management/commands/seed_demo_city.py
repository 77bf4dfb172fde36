"""`manage.py seed_demo_city`: the City of London demo layout (idempotent)."""

from django.core.management.base import BaseCommand

from devices.demo_data import seed_demo_city


class Command(BaseCommand):
    help = (
        "Creates the demo City of London: wards, streets, venues and bridges as zones, ~1,000 "
        "streetlights, ~40 cameras, lux and footfall sensors, river and rain gauges, 2 OPC-UA "
        "controllers. Running it again changes nothing."
    )

    def handle(self, *args, **options) -> None:
        seed_demo_city(stdout=self.stdout)
