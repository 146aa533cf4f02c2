"""The demo cohort's data file (fixtures/demo_cohort_2022.csv) holds the people of hub-facts.md."""

import re
from collections import Counter

import pytest

from cohorts.demo import read_demo_cohort_csv
from tests.cohorts.test_seed_demo import JULY_2022
from trainees.models import OrganisationKind, TraineeCategory
from trainees.reference import read_countries_csv

HANGUL_NAME = re.compile(r"[\uac00-\ud7a3]{2,}")  # family name first, no space, as Koreans write it


@pytest.fixture(scope="module")
def people():
    return read_demo_cohort_csv()


def test_the_file_holds_150_trainees_with_hub_facts_counts_by_country(people):
    assert len(people) == 150
    assert Counter(person.country for person in people) == JULY_2022


def test_every_trainee_has_an_email_of_their_own_ignoring_case(people):
    emails = [person.email.lower() for person in people]
    assert all("@" in email for email in emails)
    assert [email for email, n in Counter(emails).items() if n > 1] == []


def test_every_rows_country_is_a_reference_country(people):
    known = {row.alpha2 for row in read_countries_csv().rows}
    assert {person.country for person in people} - known == set()


def test_korean_trainees_have_their_names_in_hangul(people):
    korean = [person for person in people if person.country == "KR"]
    assert len(korean) == 33
    assert [p.native_name for p in korean if not HANGUL_NAME.fullmatch(p.native_name)] == []


def test_kinds_and_categories_are_the_portals_and_korean_trainees_are_industry_staff(people):
    assert {p.organisation_kind for p in people} <= set(OrganisationKind.values)
    assert {p.category for p in people} <= set(TraineeCategory.values)
    assert {p.category for p in people if p.country == "KR"} == {TraineeCategory.KOREA_INDUSTRY}
    assert TraineeCategory.KOREA_INDUSTRY not in {p.category for p in people if p.country != "KR"}


def test_the_one_demo_trainee_login_goes_to_a_korean_trainee(people):
    (login,) = [person for person in people if person.demo_login]
    assert login.country == "KR"


def test_a_file_missing_a_column_is_refused_naming_it(tmp_path):
    path = tmp_path / "demo.csv"
    path.write_text("# a comment\ncountry,given_name,family_name,email\nKR,Jae-won,Kang,jw@example.org\n",
                    encoding="utf-8")

    with pytest.raises(ValueError, match="missing columns native_name, organisation, organisation_kind"):
        read_demo_cohort_csv(path)
