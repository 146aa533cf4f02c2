from django.core.management.base import BaseCommand

from trainees.invitations import trainees_invite
from trainees.models import Trainee

from ._import import session_by_code


class Command(BaseCommand):
    help = ("Email each trainee of a session who has no account yet a one-time link (valid 14 days) to set a "
            "password and reach the trainee site; in their language. Running it again sends nothing twice "
            "unless --resend.")

    def add_arguments(self, parser):
        parser.add_argument("--session", required=True, help="the session's code, e.g. BDM-2022-07")
        parser.add_argument("--resend", action="store_true",
                            help="send a new link to those invited before who have not used theirs")

    def handle(self, *args, **options):
        session = session_by_code(options["session"])
        trainees = Trainee.objects.filter(enrolments__session=session).distinct()
        result = trainees_invite(actor=None, trainees=trainees, resend=options["resend"])
        self.stdout.write(f"{session.code}: invited {len(result.invited)}, already had an account "
                          f"{len(result.had_account)}, invited before (not resent) {len(result.already_invited)}, "
                          f"no email {len(result.no_email)}.")
        if result.already_invited and not options["resend"]:
            self.stdout.write("Use --resend to send those invited before a new link.")
