"""Issue 15: the hub at a glance, on the demo hub (hub-facts.md) and on constructed cases."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from certificates.selectors import session_eligibility
from cohorts.models import CourseSession, EnrolmentStatus
from cohorts.services import attendance_mark
from dashboard import selectors
from hubportal.jobs.models import Job, JobStatus

from ..certificates.factories import ended_session, enrolment_attending
from ..cohorts.factories import EnrolmentFactory, FacilityVisitFactory
from ..conftest import PASSWORD

JULY, OCTOBER = "BDM-2022-07", "GXP-2022-10"
CHARTS = sorted(selectors.CHARTS)
HUB_FACTS = Path("/work/shared/hub-facts.md")
# Where the portal's reference data (django-countries' English names, fixtures/countries.csv) names a
# country otherwise than hub-facts.md does.
REFERENCE_NAMES = {"Korea (Republic of)": "South Korea"}


def july_cohort_facts() -> list[tuple[str, str, int]]:
    """hub-facts.md's table of the July 2022 cohort: (code, name, trainees), as it is written."""
    rows = re.findall(r"^\| ([^|*]+?) \| ([A-Z]{2}) \| (\d+) \|$", HUB_FACTS.read_text(), re.MULTILINE)
    return [(code, name, int(count)) for name, code, count in rows]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo hub with a coordinator of the October session, built once for the module, rolled back after."""
    from cohorts.demo import demo_hub_seed
    from trainees.models import Country, IncomeClassification
    from trainees.reference import reference_countries_load

    with django_db_blocker.unblock(), transaction.atomic():
        reference_countries_load(Country, IncomeClassification)
        demo_hub_seed()
        call_command("grant_coordinator", "--email", "coord-gxp@hub.test", "--session", OCTOBER, stdout=io.StringIO())
        coordinator = get_user_model().objects.get(email="coord-gxp@hub.test")
        coordinator.set_password(PASSWORD)
        coordinator.save()
        yield {"coordinator": coordinator.pk}
        transaction.set_rollback(True)


@pytest.fixture
def staff(demo, db, hub_staff):
    client = Client()
    client.force_login(hub_staff)
    return client


@pytest.fixture
def coordinator(demo, db):
    client = Client()
    client.force_login(get_user_model().objects.get(pk=demo["coordinator"]))
    return client


def test_the_july_session_shows_150_trainees_from_26_countries(staff):
    response = staff.get(reverse("dashboard"), {"session": JULY})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>150</strong> trainees from <strong>26</strong> countries" in page
    assert '<svg class="bars"' in page and "Egypt" in page
    assert "http://" not in re.sub(r'xmlns(:\w+)?="[^"]+"', "", page).replace("http://testserver", "")


def test_countries_csv_matches_hub_facts(staff):
    rows = csv_rows(staff.get(reverse("dashboard_csv", args=["countries"]), {"session": JULY}))
    assert rows[0] == ["Code", "Country", "Trainees"]
    got = sorted((code, name, int(count)) for code, name, count in rows[1:])
    expected = sorted((code, REFERENCE_NAMES.get(name, name), count) for code, name, count in july_cohort_facts())
    assert len(expected) == 26 and sum(c for *_, c in expected) == 150
    assert got == expected


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_has_its_csv_and_it_follows_the_filter(staff, chart):
    url = reverse("dashboard_csv", args=[chart])
    for query in ({"session": JULY}, {"session": OCTOBER}, {"year": "2022"}, {}):
        rows = csv_rows(staff.get(url, query))
        assert rows and rows[0], (chart, query)
    assert staff.get(url, {"session": "NO-SUCH-1"}).status_code == 404
    assert staff.get(url, {"year": "1999"}).status_code == 404
    assert staff.get(url, {"year": "20x2"}).status_code == 404


def _countries(client, **query) -> dict[str, int]:
    return {code: int(n) for code, _name, n in csv_rows(client.get(reverse("dashboard_csv", args=["countries"]),
                                                                   query))[1:]}


def test_filters_change_what_is_counted(staff):
    july, october, year = _countries(staff, session=JULY), _countries(staff, session=OCTOBER), _countries(staff, year="2022")
    assert sum(july.values()) == 150
    assert 0 < sum(october.values()) < 150
    assert set(year) == set(july) | set(october)
    # A trainee of both sessions counts once in the year.
    assert sum(year.values()) <= sum(july.values()) + sum(october.values())
    slots = csv_rows(staff.get(reverse("dashboard_csv", args=["attendance-slots"]), {"session": OCTOBER}))
    assert {row[0] for row in slots[1:]} == {OCTOBER}
    assert staff.get(reverse("dashboard_csv", args=["no-such-chart"]), {"session": JULY}).status_code == 404


def test_a_coordinator_sees_only_their_session(coordinator, staff):
    assert coordinator.get(reverse("dashboard"), {"session": JULY}).status_code == 404
    assert coordinator.get(reverse("dashboard_csv", args=["countries"]), {"session": JULY}).status_code == 404
    assert coordinator.get(reverse("dashboard_map"), {"session": JULY}).status_code == 404
    page = coordinator.get(reverse("dashboard")).content.decode()
    assert OCTOBER in page and JULY not in page
    october = _countries(staff, session=OCTOBER)
    assert _countries(coordinator) == october
    assert _countries(coordinator, year="2022") == october
    assert _countries(coordinator, session=OCTOBER) == october
    assert coordinator.get(reverse("dashboard"), {"year": "2023"}).status_code == 404
    for chart in CHARTS:
        mine = csv_rows(coordinator.get(reverse("dashboard_csv", args=[chart])))
        assert mine == csv_rows(staff.get(reverse("dashboard_csv", args=[chart]), {"session": OCTOBER})), chart


def test_trainees_get_404_and_anonymous_the_login(demo, db, trainee_user):
    trainee, anonymous = Client(), Client()
    trainee.force_login(trainee_user)
    urls = [reverse("dashboard"), reverse("dashboard_map"),
            *(reverse("dashboard_csv", args=[chart]) for chart in CHARTS)]
    for url in urls:
        for query in ({}, {"session": JULY}):
            assert trainee.get(url, query).status_code == 404, url
            response = anonymous.get(url, query)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_the_world_map_is_drawn_by_the_portal(staff):
    response = staff.get(reverse("dashboard_map"), {"session": JULY})
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg") and "<script" not in svg
    assert 'class="kr country' in svg


def test_staff_and_coordinators_land_on_the_dashboard(staff, coordinator):
    for client in (staff, coordinator):
        assert client.get("/")["Location"] == reverse("dashboard")
        assert f'href="{reverse("dashboard")}"' in client.get(reverse("admin:index")).content.decode()


def test_certificate_counts_follow_the_certificate_rule(staff):
    session = CourseSession.objects.get(code=JULY)
    eligible = sum(e.eligible for e in session_eligibility(session, actor=None))
    rows = {row[0]: int(row[2]) for row in csv_rows(
        staff.get(reverse("dashboard_csv", args=["certificates"]), {"session": JULY}))[1:]}
    assert rows["eligible"] == eligible > 0
    assert rows["pending"] == eligible - rows["issued"]


# --- Constructed cases ------------------------------------------------------------------------------


def _scope(code):
    return selectors.dashboard_scope(actor=None, session=code)


def test_at_risk_lists_those_below_the_threshold_who_may_still_earn_one(db, reference_countries):
    session, slots = ended_session(completion_threshold=80)
    at_risk = enrolment_attending(session, slots, 5, status=EnrolmentStatus.CONFIRMED, family_name="Low")
    enrolment_attending(session, slots, 7, status=EnrolmentStatus.ATTENDED, family_name="Lower")
    enrolment_attending(session, slots, 9, status=EnrolmentStatus.ATTENDED, family_name="Fine")
    enrolment_attending(session, slots, 2, status=EnrolmentStatus.WITHDRAWN, family_name="Gone")
    enrolment_attending(session, slots, 3, status=EnrolmentStatus.COMPLETED, family_name="Done")
    EnrolmentFactory(session=session, status=EnrolmentStatus.CONFIRMED, trainee__family_name="Unmarked")
    # An excused absence leaves the rate's denominator: 8 present of 9 counted is 89 %.
    excused = enrolment_attending(session, slots, 8, status=EnrolmentStatus.CONFIRMED, family_name="Excused")
    attendance_mark(actor=None, slot=slots[9], statuses={excused.pk: "excused"})

    scope = _scope(session.code)
    chart = selectors.trainees_at_risk(None, scope, selectors._enrolment_facts(None, scope))
    assert [(row[1], row[4]) for row in chart.rows] == [("Low", 50.0), ("Lower", 70.0)]
    assert chart.rows[0][0] == session.code and at_risk.trainee.given_name == chart.rows[0][2]

    certificates = {row[0]: row[2] for row in selectors.certificates_overview(
        scope, selectors._enrolment_facts(None, scope), today=dt.date(2022, 8, 1)).rows}
    assert certificates == {"issued": 0, "eligible": 3, "pending": 3}  # Fine, Done, Excused


def test_visit_signups_against_capacity(db, reference_countries):
    session, _slots = ended_session()
    visit = FacilityVisitFactory(session=session, capacity=12)
    visit.participants.add(*[EnrolmentFactory(session=session, status=EnrolmentStatus.CONFIRMED) for _ in range(5)])
    chart = selectors.visit_signups(_scope(session.code))
    assert [row[4:] for row in chart.rows] == [[5, 12]]
    assert chart.bars[0].text == "5 of 12" and chart.bars[0].extent == 12


def test_running_jobs_of_the_session(db, reference_countries):
    session, _slots = ended_session()
    Job.objects.create(kind="certificates", session=session, status=JobStatus.RUNNING, total=10, done=4)
    Job.objects.create(kind="certificates", session=session, status=JobStatus.DONE, total=10, done=10)
    rows = selectors.running_jobs(None, _scope(session.code)).rows
    assert [(row[2], row[4], row[5]) for row in rows] == [(session.code, 4, 10)]


def test_the_page_reads_in_a_constant_number_of_queries(db, reference_countries, hub_staff, assert_flat_queries,
                                                        client):
    session, slots = ended_session()
    visit = FacilityVisitFactory(session=session)
    client.force_login(hub_staff)

    def grow_by(count, country):
        for index in range(count):
            enrolment = enrolment_attending(session, slots[:3], index % 4, status=EnrolmentStatus.ATTENDED,
                                            country__code=country)
            visit.participants.add(enrolment)

    grow_by(3, "GH")
    urls = [reverse("dashboard"), *(reverse("dashboard_csv", args=[chart]) for chart in CHARTS)]
    for url in urls:
        def page():
            response = client.get(url, {"session": session.code})
            assert response.status_code == 200
            return response
        assert_flat_queries(page, lambda: (grow_by(3, "KE"), grow_by(2, "VN")), warm=True)
