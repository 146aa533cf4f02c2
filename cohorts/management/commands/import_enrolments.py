from django.core.management.base import BaseCommand

from cohorts.imports import enrolments_import
from hubportal.importing import ImportCommand

from ._import import session_by_code


class Command(ImportCommand, BaseCommand):
    help = "Enrol trainees (by email) in a session, with optional status and nominating body; all rows or none."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--session", required=True, help="the session's code, e.g. BDM-2022-07")

    def handle(self, *args, **options):
        session = session_by_code(options["session"])
        self.run_import(options["file"], lambda table, name: enrolments_import(
            actor=None, table=table, session=session, dry_run=options["dry_run"], file_name=name))
