from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hubportal.users.services import coordinator_grant, coordinator_revoke

from ._import import session_by_code


class Command(BaseCommand):
    help = ("Make an email address a coordinator of a session (creating the account, which is emailed a link "
            "to set its password), or with --revoke take the session away.")

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="the coordinator's email address (their login)")
        parser.add_argument("--session", required=True, help="the session's code, e.g. GXP-2022-10")
        parser.add_argument("--revoke", action="store_true", help="take the session away instead")

    def handle(self, *args, **options):
        session = session_by_code(options["session"])
        email = options["email"]
        if options["revoke"]:
            if coordinator_revoke(actor=None, email=email, session=session):
                self.stdout.write(f"{email} no longer coordinates {session.code}.")
            else:
                self.stdout.write(f"{email} did not coordinate {session.code}; nothing changed.")
            return
        try:
            assignment, created = coordinator_grant(actor=None, email=email, session=session)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=2) from None
        account = "new account, emailed a link to set its password" if created else "existing account"
        self.stdout.write(f"{assignment.user.email} coordinates {session.code} ({account}).")
