from django.core.management.base import BaseCommand, CommandError

from trainees.models import Trainee
from trainees.privacy import trainee_anonymise


class Command(BaseCommand):
    help = ("Erase a trainee's personal data (names, email, phone, free text, login, the names on their "
            "certificates and their PDFs, also from the audit log), keeping country, category, enrolments and "
            "attendance. Asks to confirm unless --yes; running it again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("email", help="the trainee's email address (an anonymised one's placeholder too)")
        parser.add_argument("--yes", action="store_true", help="do not ask to confirm")

    def handle(self, *args, email, yes, **options):
        trainee = Trainee.objects.select_related("country").filter(email__iexact=email.strip()).first()
        if trainee is None:
            raise CommandError(f"No trainee has the email address {email}. (An anonymised trainee's address is "
                               "erased: if they were anonymised already, there is nothing left to do.)")
        if trainee.is_anonymised:
            self.stdout.write(f"Trainee #{trainee.pk} was anonymised already on "
                              f"{trainee.anonymised_at:%Y-%m-%d}; nothing changed.")
            return
        if not yes:
            answer = input(f"Anonymise {trainee} <{trainee.email}> ({trainee.country}), trainee #{trainee.pk}? "
                           "This cannot be undone. Type yes to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing changed.")
        result = trainee_anonymise(actor=None, trainee=trainee)
        erased = ", ".join(f"{kind}: {count}" for kind, count in result.erased.items())
        self.stdout.write(f"Trainee #{trainee.pk} is anonymised as {result.trainee} "
                          f"<{result.trainee.email}>. Erased: {erased}.")
