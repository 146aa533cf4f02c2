from django.core.management.base import BaseCommand

from cohorts.demo import DEMO_PASSWORD, demo_hub_seed


class Command(BaseCommand):
    help = "Create the demo hub (the 2022 programme and its 150 trainees) where it does not exist yet."

    def handle(self, *args, **options):
        report = demo_hub_seed()
        if report.created:
            made = ", ".join(f"{n} {what}" for what, n in report.created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo hub created: {made}."))
        else:
            self.stdout.write("Demo hub already in place; nothing changed.")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in report.logins:
            self.stdout.write(f"  {role:<14} {email}")
        if report.invitation_url:
            self.stdout.write(f"\nInvitation to the trainee site for {report.invited.email} "
                              f"({report.invited.country}; open it to choose a password):\n  {report.invitation_url}")
        elif report.invited is not None:
            self.stdout.write(f"\n{report.invited.email} accepted the demo invitation; they sign in with their password.")
