from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hubportal.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup made by `backup DIR` into the database and the file storage of the settings: "
            "checks every checksum first, refuses a database that holds data unless --force, then migrates to "
            "this version. Stop the web processes and the workers first.")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="the folder `backup` wrote")
        parser.add_argument("--force", action="store_true",
                            help="replace the data the database holds (all of it) with the backup's")

    def handle(self, *args, directory, force, **options):
        try:
            report = backup_restore(Path(directory), force=force, using="default")
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(report.summary()))
