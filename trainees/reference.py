"""The hub's countries as reference data: every ISO 3166-1 country, read from fixtures/countries.csv.

The CSV is the reviewed source (its header cites where each column comes from). A data migration
loads it, with the historical models, so that a database is complete from `migrate` alone; tests
whose transactional teardown emptied the table load it again the same way.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries as iso_countries

from hubportal.importing import Column, match_columns
from hubportal.tabular import normalise_header

COUNTRIES_CSV = Path(settings.BASE_DIR) / "fixtures" / "countries.csv"
COLUMNS = ("alpha2", "alpha3", "name", "who_membership", "who_region", "income_group")
WHO_MEMBERSHIPS = ("member", "associate", "")
WHO_REGIONS = ("AFR", "AMR", "SEAR", "EUR", "EMR", "WPR")
INCOME_GROUPS = ("low", "lower_middle", "upper_middle", "high", "")
HOST = "KR"
# The region codes the 26-country fixture of 2022 used, before WHO's own abbreviations.
OLD_REGIONS = {"AFRO": "AFR", "AMRO": "AMR", "SEARO": "SEAR", "EURO": "EUR", "EMRO": "EMR", "WPRO": "WPR"}
_FISCAL_YEAR = re.compile(r"^#\s*classification_fiscal_year:\s*(\d{4})\s*$")
_REFERENCE_FIELDS = ("alpha3", "name", "who_membership", "who_region", "income_group")


@dataclass(frozen=True)
class ReferenceCountry:
    alpha2: str
    alpha3: str
    who_membership: str
    who_region: str
    income_group: str


@dataclass(frozen=True)
class ReferenceCountries:
    rows: list[ReferenceCountry]
    fiscal_year: int  # the World Bank fiscal year of the rows' income groups
    source: str


class ReferenceDataError(ValueError):
    """The countries CSV is not what the portal can load; the message lists every problem."""


def english_name(code: str) -> str:
    """The country's English name as django-countries writes it ("South Korea")."""
    with translation.override("en"):
        return str(iso_countries.name(code))


def read_countries_csv(path: Path = COUNTRIES_CSV) -> ReferenceCountries:
    """Read and check the reference CSV.

    Raises ReferenceDataError naming each problem: a missing column or fiscal year, a code that
    django-countries does not know or that appears twice, a value outside its set, a WHO member
    without a region.
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as file:
        lines = file.read().splitlines()
    fiscal_year = None
    for line in lines:
        if match := _FISCAL_YEAR.match(line):
            fiscal_year = int(match.group(1))
    reader = csv.DictReader(line for line in lines if line.strip() and not line.startswith("#"))
    problems = []
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ReferenceDataError(f"{path.name}: missing columns {', '.join(missing)}")
    if fiscal_year is None:
        problems.append("no '# classification_fiscal_year: YYYY' line")
    rows, seen2, seen3 = [], set(), set()
    for number, record in enumerate(reader, start=2):
        row = ReferenceCountry(**{name: (record[name] or "").strip() for name in COLUMNS if name != "name"})
        where = f"{row.alpha2 or '?'} (data row {number - 1})"
        known_alpha3 = iso_countries.alpha3(row.alpha2)
        if not known_alpha3:
            problems.append(f"{where}: not an ISO 3166-1 alpha-2 code known to django-countries")
        elif known_alpha3 != row.alpha3:
            problems.append(f"{where}: alpha-3 {row.alpha3!r}, django-countries has {known_alpha3!r}")
        if row.alpha2 in seen2 or row.alpha3 in seen3:
            problems.append(f"{where}: code listed twice")
        seen2.add(row.alpha2)
        seen3.add(row.alpha3)
        if row.who_membership not in WHO_MEMBERSHIPS:
            problems.append(f"{where}: who_membership {row.who_membership!r} is not one of member, associate, empty")
        if row.who_region and row.who_region not in WHO_REGIONS:
            problems.append(f"{where}: who_region {row.who_region!r} is not one of {', '.join(WHO_REGIONS)}")
        if row.who_membership and not row.who_region:
            problems.append(f"{where}: a WHO {row.who_membership} without a WHO region")
        if row.income_group not in INCOME_GROUPS:
            problems.append(f"{where}: income_group {row.income_group!r} is not one of low, lower_middle, "
                            "upper_middle, high, empty")
        rows.append(row)
    if problems:
        raise ReferenceDataError(f"{path.name}: " + "; ".join(problems))
    return ReferenceCountries(rows=rows, fiscal_year=fiscal_year, source=f"fixtures/{path.name}")


def countries_sync(country_model, rows: Iterable[ReferenceCountry]) -> tuple[int, int]:
    """Make the country table hold the reference rows: existing countries (found by ISO code) keep
    their id, their trainees and whether they host the hub; missing ones are created.

    Works with the current model and with a migration's historical one. Returns (created, updated).
    """
    existing = {str(country.code): country for country in country_model.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        values = {"alpha3": row.alpha3, "name": english_name(row.alpha2), "who_membership": row.who_membership,
                  "who_region": row.who_region, "income_group": row.income_group}
        country = existing.get(row.alpha2)
        if country is None:
            to_create.append(country_model(code=row.alpha2, **values))
        elif any(getattr(country, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(country, name, value)
            to_update.append(country)
    country_model.objects.bulk_update(to_update, _REFERENCE_FIELDS, batch_size=500)
    country_model.objects.bulk_create(to_create, batch_size=500)
    return len(to_create), len(to_update)


def reference_countries_load(country_model, classification_model, path: Path = COUNTRIES_CSV) -> tuple[int, int]:
    """Load the reference CSV: its countries, Korea as the host unless a host is set, and the income
    classification's fiscal year unless one is recorded. Idempotent. Returns (created, updated)."""
    reference = read_countries_csv(path)
    created, updated = countries_sync(country_model, reference.rows)
    if not country_model.objects.filter(is_host=True).exists():
        country_model.objects.filter(code=HOST).update(is_host=True)
    if not classification_model.objects.exists():
        classification_model.objects.create(fiscal_year=reference.fiscal_year, source=reference.source)
    return created, updated


# --- The World Bank's yearly classification (CLASS.xlsx) --------------------------------------------

# The World Bank's own headers; matched ignoring case, spaces and punctuation.
WORLD_BANK_COLUMNS = (
    Column("economy", gettext_lazy("Economy"), (), required=True),
    Column("code", gettext_lazy("Code"), (), required=True),
    Column("income_group", gettext_lazy("Income group"), (), required=True),
)
# The World Bank's wording (hyphens and case ignored); empty or ".." (its "no figure") is unclassified.
WORLD_BANK_INCOME_GROUPS = {
    normalise_header(text): group
    for text, group in [("Low income", "low"), ("Lower middle income", "lower_middle"),
                        ("Upper middle income", "upper_middle"), ("High income", "high"), ("", "")]
}


@dataclass
class WorldBankClassification:
    groups: dict[str, str]  # ISO alpha-3 -> IncomeGroup value ("" unclassified), countries of the hub only
    no_iso_code: list[str]  # "Kosovo (XKX)": economies the World Bank lists that ISO 3166-1 does not
    aggregates: list[str]  # "World (WLD)": regions and groups of economies
    problems: list[str]  # with any, the file must not be applied


def read_world_bank_classification(table, alpha3_codes: set[str]) -> WorldBankClassification:
    """The income group of each economy of the World Bank's "List of economies" (CLASS.xlsx's first
    sheet, or a CSV of its columns), keyed by the ISO alpha-3 codes in `alpha3_codes`.

    Rows of other codes are skipped and listed: aggregates (no income group: "World", "Sub-Saharan
    Africa") and economies without an ISO 3166-1 code (Kosovo XKX, Channel Islands CHI). `problems`
    says why a file is not that table: missing columns, an income group the World Bank does not
    write, a country listed twice, or no country at all.
    """
    result = WorldBankClassification({}, [], [], [])
    positions, missing = match_columns(table.headers, WORLD_BANK_COLUMNS, table.header_row)
    if missing:
        absent = [f"“{column.label}”" for column in WORLD_BANK_COLUMNS if column.field not in positions]
        result.problems.append(ngettext(
            "This is not the World Bank's list of economies (CLASS.xlsx, sheet “List of economies”): the column "
            "%(missing)s is missing (found: %(found)s).",
            "This is not the World Bank's list of economies (CLASS.xlsx, sheet “List of economies”): the columns "
            "%(missing)s are missing (found: %(found)s).",
            len(absent)) % {"missing": ", ".join(absent),
                            "found": ", ".join(h for h in table.headers if h) or _("none")})
        return result
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        # Some editions mark a changed classification with an asterisk ("AGO*", "Lower middle income*").
        economy, code = cells[positions["economy"]], re.sub(r"[^A-Z]", "", cells[positions["code"]].upper())
        income_text = cells[positions["income_group"]]
        if not code:
            continue  # a note or a section title, not an economy
        group = WORLD_BANK_INCOME_GROUPS.get(normalise_header(income_text))
        if group is None:
            result.problems.append(_("Row %(row)s: “%(value)s” is not an income group the World Bank writes "
                                     "(Low income, Lower middle income, Upper middle income, High income, or empty)."
                                     ) % {"row": number, "value": income_text})
            continue
        if code not in alpha3_codes:
            (result.no_iso_code if group else result.aggregates).append(f"{economy} ({code})")
            continue
        if code in seen:
            result.problems.append(_("Row %(row)s: %(code)s is also on row %(other)s.") % {
                "row": number, "code": code, "other": seen[code]})
            continue
        seen[code] = number
        result.groups[code] = group
    if not result.groups and not result.problems:
        result.problems.append(_("The file lists no country by its ISO alpha-3 code (such as NGA or KOR) in its "
                                 "“Code” column."))
    return result
