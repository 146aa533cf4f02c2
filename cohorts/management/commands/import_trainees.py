from django.core.management.base import BaseCommand

from cohorts.imports import trainees_import_into_session
from hubportal.importing import ImportCommand

from ._import import session_by_code


class Command(ImportCommand, BaseCommand):
    help = "Import trainees (and new organisations) from a nomination list; all rows or none."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--session", help="also nominate every trainee of the file for this session (its code)")

    def handle(self, *args, **options):
        session = session_by_code(options["session"]) if options["session"] else None
        self.run_import(options["file"], lambda table, name: trainees_import_into_session(
            actor=None, table=table, session=session, dry_run=options["dry_run"], file_name=name))
