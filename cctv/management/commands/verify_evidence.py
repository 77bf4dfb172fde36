"""manage.py verify_evidence PACKAGE.zip: checks an evidence package against its manifest."""

from django.core.management.base import BaseCommand, CommandError

from cctv.services.evidence import evidence_verify


class Command(BaseCommand):
    help = "Checks an evidence package (ZIP) against its manifest's SHA-256 of every file."

    def add_arguments(self, parser):
        parser.add_argument("package", help="path of the evidence package (.zip)")

    def handle(self, *args, **options):
        result = evidence_verify(package=options["package"])
        for name in result.checked:
            self.stdout.write(f"ok       {name}")
        for problem in result.problems:
            self.stdout.write(f"FAILED   {problem}")
        if not result.ok:
            raise CommandError(f"{options['package']}: does NOT match its manifest")
        self.stdout.write(
            self.style.SUCCESS(f"{result.exhibit_ref}: every file matches its manifest")
        )
