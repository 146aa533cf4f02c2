from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

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
        if report.check_in_slot is not None:
            slot, base = report.check_in_slot, settings.PORTAL_BASE_URL.rstrip("/")
            self.stdout.write(
                f"\nAttendance on the day: as the coordinator, take the roll call of a July slot, e.g.\n"
                f"  {base}{reverse('attendance_slot_roll_call', args=[slot.pk])}\n"
                f"then show its QR code, press \"Open check-in now\" (the slot was in 2022), and scan it as the "
                f"demo trainee, who has no mark there yet:\n"
                f"  {base}{reverse('attendance_slot_check_in', args=[slot.pk])}"
            )
