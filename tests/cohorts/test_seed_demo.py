"""The demo hub follows hub-facts.md exactly."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count

from cohorts.demo import read_demo_cohort_csv
from cohorts.models import AttendanceRecord, CourseSession, EnrolmentStatus, FacilityVisit, SessionStatus
from trainees.models import Country, IncomeClassification, Trainee, TraineeCategory
from trainees.reference import read_countries_csv, reference_countries_load

pytestmark = pytest.mark.django_db

# hub-facts.md, "The July 2022 cohort: 150 trainees, 26 countries".
JULY_2022 = {
    "AR": 5, "BD": 4, "BW": 6, "BR": 2, "CL": 2, "CM": 2, "EG": 11, "ET": 10, "SV": 6, "GH": 4, "KE": 3,
    "KR": 33, "MY": 6, "MA": 2, "NG": 8, "NP": 1, "PA": 5, "RW": 5, "ZA": 3, "SN": 3, "TZ": 5, "TH": 6,
    "TN": 6, "UG": 3, "UY": 1, "VN": 8,
}
SCRIPTS = {
    "KR": r"[\uac00-\ud7a3]",          # Hangul
    "EG": r"[\u0600-\u06ff]", "MA": r"[\u0600-\u06ff]", "TN": r"[\u0600-\u06ff]",  # Arabic
    "ET": r"[\u1200-\u137f]",          # Ethiopic (Amharic)
    "TH": r"[\u0e00-\u0e7f]",          # Thai
    "BD": r"[\u0980-\u09ff]",          # Bengali
    "NP": r"[\u0900-\u097f]",          # Devanagari
    "VN": r"[^\x00-\x7f]",          # Vietnamese diacritics
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at its end."""
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            # What `migrate` loads, again: a transactional test of another module may have emptied it.
            reference_countries_load(Country, IncomeClassification)
            out = StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


def _row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_the_july_cohort_is_150_trainees_from_26_countries_as_in_hub_facts(seeded):
    by_country = dict(Trainee.objects.values_list("country__code").annotate(n=Count("id")))
    assert {str(code): n for code, n in by_country.items()} == JULY_2022
    assert Trainee.objects.count() == 150
    abroad = Trainee.objects.exclude(country__is_host=True)
    assert abroad.count() == 117
    assert abroad.values("country").distinct().count() == 25
    korean = Trainee.objects.filter(country__code="KR")
    assert korean.count() == 33
    assert set(korean.values_list("category", flat=True)) == {TraineeCategory.KOREA_INDUSTRY}
    assert not abroad.filter(category=TraineeCategory.KOREA_INDUSTRY).exists()


def test_the_seeded_trainees_are_the_people_of_the_data_file_in_its_order(seeded):
    people = read_demo_cohort_csv()
    seeded_rows = Trainee.objects.order_by("pk").values_list(
        "country__code", "given_name", "family_name", "native_name", "email", "organisation__name",
        "organisation__kind", "job_title", "category",
    )
    assert [tuple(map(str, row)) for row in seeded_rows] == [
        (p.country, p.given_name, p.family_name, p.native_name, p.email, p.organisation, p.organisation_kind,
         p.job_title, p.category)
        for p in people
    ]
    (login,) = [p.email for p in people if p.demo_login]
    assert Trainee.objects.exclude(user=None).filter(user__password__startswith="!").get().country.code == "SN"
    assert Trainee.objects.exclude(user=None).exclude(user__password__startswith="!").get().email == login


def test_both_2022_sessions_exist_with_timetables_visits_and_attendance(seeded):
    july = CourseSession.objects.get(code="BDM-2022-07")
    october = CourseSession.objects.get(code="GXP-2022-10")
    assert (str(july.start_date), str(july.end_date)) == ("2022-07-18", "2022-07-29")
    assert july.start_date.weekday() == 0 and july.end_date.weekday() == 4  # Monday to Friday
    assert "Hoam Faculty House" in july.venue and "Seoul National University" in july.venue
    assert july.slots.first().title == "Opening ceremony and orientation"
    assert october.start_date.month == october.end_date.month == 10 and october.start_date.year == 2022
    assert july.status == october.status == SessionStatus.CLOSED
    # Every curriculum area of the July course is taught in its timetable.
    assert set(july.slots.exclude(module=None).values_list("module", flat=True)) == set(
        july.course.modules.values_list("pk", flat=True)
    )
    assert july.course.modules.count() == 9
    assert july.enrolments.count() == 150
    assert FacilityVisit.objects.filter(session=july).count() >= 2
    # Attendance for every July slot of every trainee, and for every visit participant; but the demo
    # trainee's at the last slot, left for the demo's QR check-in (tests/cohorts/test_browser_demo_day.py).
    assert AttendanceRecord.objects.filter(slot__session=july).count() == 150 * july.slots.count() - 1
    last = july.slots.order_by("date", "start_time").last()
    assert list(july.enrolments.exclude(attendance__slot=last).values_list("trainee__email", flat=True)) == [
        "jae-won.kang@kr.trainees.example"]
    participants = sum(v.participants.count() for v in july.visits.all())
    assert participants == 150
    assert AttendanceRecord.objects.filter(visit__session=july).count() == participants


def test_completion_follows_attendance(seeded):
    july = CourseSession.objects.get(code="BDM-2022-07")
    statuses = dict(july.enrolments.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == {EnrolmentStatus.COMPLETED, EnrolmentStatus.ATTENDED}
    assert statuses[EnrolmentStatus.ATTENDED] >= 1


def test_names_are_in_each_countrys_usual_script(seeded):
    for code, script in SCRIPTS.items():
        names = list(Trainee.objects.filter(country__code=code).values_list("native_name", flat=True))
        assert names and all(re.search(script, name) for name in names), (code, names)
    latin_only = Trainee.objects.filter(country__code__in=["GH", "KE", "NG"])
    assert all(t.given_name.isascii() and t.family_name.isascii() for t in latin_only)


def test_the_cohorts_countries_are_the_reference_ones_with_who_region_and_income_group(seeded):
    # Every ISO 3166-1 country of the reference CSV, from migrate; the seed adds none.
    assert Country.objects.count() == len(read_countries_csv().rows) == 249
    korea = Country.objects.get(code="KR")
    assert (korea.is_host, korea.who_region, korea.name, korea.income_group) == (True, "WPR", "South Korea", "high")
    assert Country.objects.get(code="ET").who_region == "AFR"
    assert Country.objects.get(code="EG").who_region == "EMR"
    assert Country.objects.filter(code__in=JULY_2022, who_membership="member").count() == 26


def test_the_seed_prints_the_demo_logins_and_they_work(seeded, client):
    for email in ("admin@hub.example", "staff@hub.example", "coordinator@hub.example"):
        assert email in seeded
        assert client.login(email=email, password="hubportal-demo")
    trainee = Trainee.objects.exclude(user=None).exclude(user__password__startswith="!").get()
    assert trainee.email in seeded
    assert client.login(email=trainee.email, password="hubportal-demo")


def test_the_seed_prints_an_invitation_link_that_opens_the_password_page(seeded, client):
    invited = Trainee.objects.get(user__password__startswith="!")
    link = re.search(r"Invitation to the trainee site for (\S+) .*\n\s+(http\S+)", seeded)

    assert link and link.group(1) == invited.email
    page = client.get(link.group(2).split("127.0.0.1:8000", 1)[1])
    assert page.status_code == 200 and "Choose your password" in page.content.decode()


def test_running_the_seed_again_changes_nothing(seeded):
    before = _row_counts()
    july = CourseSession.objects.get(code="BDM-2022-07")
    statuses_before = list(july.enrolments.order_by("pk").values_list("pk", "status", "status_changed_at"))
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert "nothing changed" in out.getvalue()
    assert _row_counts() == before
    assert list(july.enrolments.order_by("pk").values_list("pk", "status", "status_changed_at")) == statuses_before


def test_the_demo_coordinator_looks_after_the_july_course_and_sees_its_trainees(seeded, client):
    assert "coordinator@hub.example  (coordinates BDM-2022-07)" in seeded
    client.login(email="coordinator@hub.example", password="hubportal-demo")
    listed = client.get("/admin/trainees/trainee/").context["cl"].result_count
    assert listed == Trainee.objects.filter(enrolments__session__code="BDM-2022-07").count() == 150
    october_only = CourseSession.objects.get(code="GXP-2022-10")
    assert client.get(f"/admin/cohorts/coursesession/{october_only.pk}/change/").status_code == 404
