"""The countries are reference data: every ISO country from fixtures/countries.csv, checked against hub-facts."""

import pytest
from django.utils import translation
from django_countries import countries as iso_countries

from trainees.models import Country, IncomeClassification, WhoRegion
from trainees.reference import ReferenceDataError, countries_sync, read_countries_csv

# hub-facts.md, "The July 2022 cohort": its 26 countries, with the WHO regions the 2022 fixture gave them.
COUNTRIES_OF_2022 = {
    "AR": "AMR", "BD": "SEAR", "BW": "AFR", "BR": "AMR", "CL": "AMR", "CM": "AFR", "EG": "EMR", "ET": "AFR",
    "SV": "AMR", "GH": "AFR", "KE": "AFR", "KR": "WPR", "MY": "WPR", "MA": "EMR", "NG": "AFR", "NP": "SEAR",
    "PA": "AMR", "RW": "AFR", "ZA": "AFR", "SN": "AFR", "TZ": "AFR", "TH": "SEAR", "TN": "EMR", "UG": "AFR",
    "UY": "AMR", "VN": "WPR",
}
CSV_HEADER = "alpha2,alpha3,name,who_membership,who_region,income_group\n"


@pytest.fixture(scope="module")
def reference():
    return read_countries_csv()


def test_the_csv_holds_every_iso_country_once_with_both_codes(reference):
    alpha2 = [row.alpha2 for row in reference.rows]
    alpha3 = [row.alpha3 for row in reference.rows]
    assert len(alpha2) == len(set(alpha2)) and len(alpha3) == len(set(alpha3))
    assert set(alpha2) == {code for code, _name in iso_countries}
    assert all(iso_countries.alpha3(row.alpha2) == row.alpha3 for row in reference.rows)


def test_the_csv_gives_the_2022_countries_their_who_regions(reference):
    rows = {row.alpha2: row for row in reference.rows}
    assert {code: rows[code].who_region for code in COUNTRIES_OF_2022} == COUNTRIES_OF_2022
    assert all(rows[code].who_membership == "member" for code in COUNTRIES_OF_2022)
    assert all(rows[code].income_group for code in COUNTRIES_OF_2022)


def test_every_who_member_and_associate_has_a_region_and_no_one_else_has(reference):
    members = [row for row in reference.rows if row.who_membership == "member"]
    associates = [row for row in reference.rows if row.who_membership == "associate"]
    assert len(members) == 194  # WHO's Member States
    assert {row.alpha2 for row in associates} == {"PR", "TK"}
    assert all(row.who_region in WhoRegion.values for row in members + associates)
    assert not [row.alpha2 for row in reference.rows if not row.who_membership and row.who_region]


def test_the_csv_names_the_fiscal_year_of_its_income_groups(reference):
    assert reference.fiscal_year == 2026


def test_migrate_loads_every_country_with_korea_hosting_and_the_fiscal_year(reference_countries, reference):
    assert reference_countries.count() == len(reference.rows)
    assert list(Country.objects.filter(is_host=True).values_list("code", flat=True)) == ["KR"]
    assert IncomeClassification.objects.latest().fiscal_year == reference.fiscal_year
    nigeria = Country.objects.get(alpha3="NGA")
    assert (str(nigeria.code), nigeria.name, nigeria.who_region, nigeria.is_who_member) == (
        "NG", "Nigeria", "AFR", True)
    assert not Country.objects.get(code="PR").is_who_member  # an associate member
    assert Country.objects.get(code="VE").income_group == ""  # the World Bank leaves it unclassified


def test_a_country_reads_in_the_users_language_and_keeps_its_english_name_for_reports(reference_countries):
    korea = Country.objects.get(code="KR")
    with translation.override("ko"):
        assert str(korea) == "대한민국"
        assert korea.name == "South Korea"
    assert str(korea) == "South Korea"


def test_loading_again_changes_nothing_and_restores_what_was_lost(reference_countries, reference):
    assert countries_sync(Country, reference.rows) == (0, 0)
    Country.objects.filter(code__in=["NG", "LA"]).delete()
    Country.objects.filter(code="GH").update(who_region="", income_group="high")
    assert countries_sync(Country, reference.rows) == (2, 1)
    assert (Country.objects.get(code="GH").who_region, Country.objects.get(code="NG").alpha3) == ("AFR", "NGA")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("alpha2,alpha3,name\nNG,NGA,Nigeria\n", "missing columns who_membership, who_region, income_group"),
        ("NG,NGA,Nigeria,member,,lower_middle\n", "NG (data row 1): a WHO member without a WHO region"),
        ("NG,NGA,Nigeria,member,AFRO,lower_middle\n", "who_region 'AFRO' is not one of AFR"),
        ("NG,NGA,Nigeria,member,AFR,lower-middle\n", "income_group 'lower-middle' is not one of"),
        ("NG,NGA,Nigeria,member,AFR,low\nNG,NGA,Nigeria,member,AFR,low\n", "NG (data row 2): code listed twice"),
        ("XX,XXX,Nowhere,,,\n", "XX (data row 1): not an ISO 3166-1 alpha-2 code"),
        ("NG,NIG,Nigeria,member,AFR,low\n", "alpha-3 'NIG', django-countries has 'NGA'"),
    ],
)
def test_a_wrong_reference_csv_is_refused_naming_the_problem(tmp_path, content, message):
    path = tmp_path / "countries.csv"
    header = "" if content.startswith("alpha2") else CSV_HEADER
    path.write_text("# classification_fiscal_year: 2026\n" + header + content, encoding="utf-8")
    with pytest.raises(ReferenceDataError) as error:
        read_countries_csv(path)
    assert message in str(error.value)


def test_a_reference_csv_without_its_fiscal_year_is_refused(tmp_path):
    path = tmp_path / "countries.csv"
    path.write_text(CSV_HEADER + "NG,NGA,Nigeria,member,AFR,lower_middle\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="classification_fiscal_year"):
        read_countries_csv(path)
