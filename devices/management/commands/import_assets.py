"""`manage.py import_assets FILE.csv`: the assets CSV import, with a progress bar."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from devices.services.asset_import import ImportFileError, assets_import


class Command(BaseCommand):
    help = (
        "Imports assets from a CSV file (columns: docs/assets-csv.md). Nothing is written unless "
        "every row is valid, or --valid-only is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--valid-only", action="store_true", help="import the valid rows, skip the bad ones"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: Path, valid_only: bool, dry_run: bool, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        total = max(data.count(b"\n") - 1, 0)
        with tqdm(
            total=total,
            unit="rows",
            desc="validating",
            disable=options["no_progress"],
            file=self.stderr,
        ) as bar:
            try:
                report = assets_import(
                    data=data,
                    actor="import_assets",
                    valid_only=valid_only,
                    dry_run=dry_run,
                    filename=file.name,
                    progress=bar.update,
                )
            except ImportFileError as error:
                raise CommandError(str(error)) from None
        for row in report.errors:
            reasons = "; ".join(f"{field}: {reason}" for field, reason in row.errors.items())
            self.stderr.write(f"line {row.line} ({row.device_id or 'no device_id'}): {reasons}")
        summary = (
            f"{report.total_rows} rows, {report.valid_rows} valid, {len(report.errors)} invalid"
        )
        if report.written:
            self.stdout.write(self.style.SUCCESS(f"{summary}: {report.created} assets imported."))
        elif dry_run:
            self.stdout.write(f"{summary}: dry run, nothing written.")
        elif report.errors:
            raise CommandError(f"{summary}: nothing imported (use --valid-only to skip bad rows).")
        else:
            self.stdout.write(f"{summary}: nothing to import.")
