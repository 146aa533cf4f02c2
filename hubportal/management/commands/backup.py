from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hubportal.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database (pg_dump on PostgreSQL, Django's serialisation on SQLite) and every stored "
            "file (certificate PDFs, job results, excuse attachments) into DIR, which must be new or empty, "
            "with a manifest of sizes and SHA-256 checksums. Import uploads awaiting confirmation are left out.")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="a folder that does not exist yet, or is empty")

    def handle(self, *args, directory, **options):
        try:
            report = backup_create(Path(directory), using="default")
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(report.summary()))
