"""The issue's own trial: a coordinator granted only GXP-2022-10, on the demo hub, sees and changes
that session's people and nothing of the July course, whatever URL, id or filter they try."""

import pytest
from django.core.management import call_command

from cohorts.demo import demo_hub_seed
from cohorts.models import Enrolment
from hubportal.users.models import User
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

GXP = "GXP-2022-10"


@pytest.fixture
def gxp_coordinator(reference_countries, client, capsys):
    demo_hub_seed()
    call_command("grant_coordinator", "--email", "gxp.coordinator@hub.example", "--session", GXP)
    capsys.readouterr()
    coordinator = User.objects.get(email="gxp.coordinator@hub.example")
    client.force_login(coordinator)
    return coordinator


def gxp_trainees():
    return Trainee.objects.filter(enrolments__session__code=GXP)


def july_only():
    return Trainee.objects.exclude(enrolments__session__code=GXP).filter(enrolments__session__code="BDM-2022-07")


def test_the_trainee_list_shows_that_sessions_trainees_only(gxp_coordinator, client):
    response = client.get("/admin/trainees/trainee/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == gxp_trainees().count() == 36
    assert july_only().count() == 114
    page = response.content.decode()
    assert "BDM-2022-07" not in page  # not even as a filter choice
    assert sorted(response.context["cl"].result_list.values_list("pk", flat=True)) == sorted(
        gxp_trainees().values_list("pk", flat=True))


def test_a_july_only_trainee_and_the_hubs_other_tables_are_closed(gxp_coordinator, client):
    stranger = july_only().first()
    for url in (f"/admin/trainees/trainee/{stranger.pk}/change/", f"/admin/trainees/trainee/{stranger.pk}/history/",
                f"/admin/trainees/trainee/{stranger.pk}/delete/"):
        assert client.get(url).status_code == 404, url
    july_enrolment = Enrolment.objects.filter(session__code="BDM-2022-07").first()
    assert client.get(f"/admin/cohorts/enrolment/{july_enrolment.pk}/change/").status_code == 404
    for url in ("/admin/users/user/", "/admin/trainees/country/", "/admin/audit/auditentry/",
                "/admin/curriculum/course/", "/admin/auth/group/"):
        assert client.get(url).status_code in (403, 404), url
    found = client.get("/admin/autocomplete/", {"app_label": "cohorts", "model_name": "enrolment",
                                                "field_name": "trainee", "term": ""}).json()
    ids = {int(result["id"]) for result in found["results"]}
    assert ids and ids <= set(gxp_trainees().values_list("pk", flat=True))


def test_a_posted_id_of_anything_not_theirs_is_refused(gxp_coordinator, client):
    trainee = gxp_trainees().filter(user__isnull=True).first()
    someone = User.objects.get(email="jae-won.kang@kr.trainees.example")  # another trainee's login
    form = client.get(f"/admin/trainees/trainee/{trainee.pk}/change/").context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    response = client.post(f"/admin/trainees/trainee/{trainee.pk}/change/", {**data, "user": someone.pk})
    trainee.refresh_from_db()
    assert trainee.user_id is None  # the login is not theirs to link
    assert someone.trainee.email == "jae-won.kang@kr.trainees.example"
    assert response.status_code in (200, 302)

    july_session = Enrolment.objects.filter(session__code="BDM-2022-07").first().session
    newcomer = Trainee.objects.create(given_name="New", family_name="Comer", email="new@hub.test",
                                      country=trainee.country, category=trainee.category)
    enrolments = Enrolment.objects.count()
    add = client.post("/admin/cohorts/enrolment/add/", {"trainee": trainee.pk, "session": july_session.pk})
    assert add.status_code == 200 and "Select a valid choice" in add.content.decode()
    # Nor a trainee of no session of theirs (to be found by id, and enrolled into their own).
    add = client.post("/admin/cohorts/enrolment/add/", {"trainee": newcomer.pk, "session": trainee.enrolments.get(
        session__code=GXP).session_id})
    assert add.status_code == 200 and "Select a valid choice" in add.content.decode()
    assert Enrolment.objects.count() == enrolments


def test_a_file_naming_a_trainee_of_another_session_nominates_them_but_neither_shows_nor_changes_them(
        gxp_coordinator, client):
    from cohorts.models import CourseSession, SessionStatus

    from ..importfiles import csv_bytes
    from .test_import_admin import confirm_data, upload

    stranger = july_only().select_related("country").first()
    stored = (stranger.given_name, stranger.family_name, stranger.job_title, stranger.phone)
    rows = [["Email", "Given name", "Family name", "Country", "Job title", "Phone"],
            [stranger.email.upper(), "Renamed", "Byfile", stranger.country.code, "Typed by the coordinator", "+1 555"]]
    gxp = CourseSession.objects.get(code=GXP)
    CourseSession.objects.filter(pk=gxp.pk).update(status=SessionStatus.RUNNING)  # closed once it ended

    preview = upload(client, "/admin/trainees/trainee/import/", csv_bytes(rows), session=gxp.pk)

    page = preview.content.decode()
    assert preview.status_code == 200, page
    assert "Renamed" in page and "Byfile" in page  # what the file says
    assert stranger.family_name not in page and stranger.given_name not in page  # not what the hub holds
    assert "already registered by the hub for another session" in page
    client.post("/admin/trainees/trainee/process_import/", confirm_data(preview), follow=True)
    stranger.refresh_from_db()
    assert (stranger.given_name, stranger.family_name, stranger.job_title, stranger.phone) == stored
    assert stranger.enrolments.filter(session=gxp).exists()  # nominated for the coordinator's session
    # Now a trainee of theirs: a second file changes the record like any other of their trainees.
    preview = upload(client, "/admin/trainees/trainee/import/", csv_bytes(rows), session=gxp.pk)
    assert "1 to update" in preview.content.decode()


def test_trainee_filters_count_only_the_enrolments_of_their_sessions(gxp_coordinator, client):
    from cohorts.models import CourseSession, EnrolmentStatus

    july = CourseSession.objects.get(code="BDM-2022-07")
    gxp = CourseSession.objects.get(code=GXP)
    both = gxp_trainees().filter(enrolments__session=july)
    assert both.exists()  # trainees of theirs who were in July too

    def listed(query):
        response = client.get("/admin/trainees/trainee/", query)
        assert response.status_code == 200, query
        return set(response.context["cl"].result_list.values_list("pk", flat=True))

    assert listed({"session": july.pk}) == set()
    assert listed({"session": gxp.pk}) == set(gxp_trainees().values_list("pk", flat=True))
    # Their trainees' status in July is not theirs to filter on: only the status in their session counts.
    july_status = Enrolment.objects.filter(session=july, trainee__in=both).values_list("status", flat=True).first()
    in_gxp = set(Enrolment.objects.filter(session=gxp, status=july_status).values_list("trainee_id", flat=True))
    assert listed({"enrolment_status": july_status}) == in_gxp
    assert listed({"enrolment_status": EnrolmentStatus.WITHDRAWN,
                   "session": gxp.pk}) == set(Enrolment.objects.filter(
                       session=gxp, status=EnrolmentStatus.WITHDRAWN).values_list("trainee_id", flat=True))
    # Other spellings of a lookup through their enrolments are refused outright.
    for query in ({"enrolments__session__id__exact": july.pk}, {"enrolments__session__code": "BDM-2022-07"},
                  {"enrolments__status__exact": july_status},
                  {"enrolments__attendance__status": "present"}):
        assert client.get("/admin/trainees/trainee/", query).status_code == 400, query
