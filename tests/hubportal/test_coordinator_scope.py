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
