import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hubportal.tabular import UnreadableFile, read_table
from trainees.models import Country
from trainees.reference import read_world_bank_classification
from trainees.services import countries_apply_income_classification


def fiscal_year_in_force(today: dt.date) -> int:
    """The World Bank's fiscal year runs July to June and is named by the year it ends in."""
    return today.year + 1 if today.month >= 7 else today.year


class Command(BaseCommand):
    help = ("Apply the World Bank's yearly income classification to the countries, by ISO alpha-3 code: its "
            "CLASS.xlsx (sheet “List of economies”), or a CSV with the columns Economy, Code, Region, Income group, "
            "Lending category. All of the file or nothing; prints each country whose group changes.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CLASS.xlsx, or a CSV of its “List of economies”")
        parser.add_argument("--fiscal-year", type=int, metavar="YYYY",
                            help="the World Bank fiscal year of the file (default: the one in force today)")
        parser.add_argument("--dry-run", action="store_true", help="print the changes, writing nothing")

    def handle(self, *args, file, fiscal_year, dry_run, **options):
        path = Path(file)
        fiscal_year = fiscal_year or fiscal_year_in_force(timezone.localdate())
        try:
            table = read_table(path.read_bytes(), filename=path.name)
            known = set(Country.objects.values_list("alpha3", flat=True))
            classification = read_world_bank_classification(table, known)
        except OSError as error:
            raise CommandError(_("Cannot open %(path)s: %(reason)s") % {
                "path": file, "reason": error.strerror or error}, returncode=2) from None
        except UnreadableFile as error:
            raise CommandError(_("%(file)s: %(reason)s") % {"file": path.name, "reason": error}, returncode=2) from None
        if classification.problems:
            raise CommandError("\n".join([*classification.problems, _("Nothing was written.")]), returncode=1)
        try:
            changes = countries_apply_income_classification(
                actor=None, rows=classification.groups, fiscal_year=fiscal_year, source=path.name, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=1) from None
        for change in changes:
            self.stdout.write(str(change))
        if classification.no_iso_code:
            self.stdout.write(ngettext(
                "Skipped %(count)s economy without an ISO 3166-1 code: %(names)s.",
                "Skipped %(count)s economies without an ISO 3166-1 code: %(names)s.",
                len(classification.no_iso_code)) % {
                "count": len(classification.no_iso_code), "names": ", ".join(classification.no_iso_code)})
        if classification.aggregates:
            self.stdout.write(ngettext(
                "Skipped %(count)s aggregate (a region or group of economies, such as %(example)s).",
                "Skipped %(count)s aggregates (regions and groups of economies, such as %(example)s).",
                len(classification.aggregates)) % {
                "count": len(classification.aggregates), "example": classification.aggregates[0]})
        unchanged = len(classification.groups) - len(changes)
        not_listed = Country.objects.count() - len(classification.groups)
        self.stdout.write(_("FY%(year)s: %(changed)s changed, %(unchanged)s unchanged, %(not_listed)s of the hub's "
                            "countries not in the file (left as they were).") % {
            "year": fiscal_year, "changed": len(changes), "unchanged": unchanged, "not_listed": not_listed})
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
