"""Retention: TRAINEE_RETENTION_YEARS after a trainee's last session, the weekly check tells hub staff,
who review those trainees in the admin and anonymise them; nothing is anonymised on its own."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from cohorts.privacy import retention_cutoff, trainees_past_retention, trainees_retention_notify
from cohorts.tasks import trainees_retention_notify_task
from hubportal.celery import app as celery_app
from hubportal.outbox.models import OutboundEmail
from hubportal.users.models import SessionAssignment
from trainees.models import Trainee
from trainees.privacy import trainee_anonymise

from ..trainees.factories import TraineeFactory
from .factories import CourseSessionFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2033, 3, 1)  # ten years after 1 March 2023


@pytest.fixture
def hub(settings):
    settings.TRAINEE_RETENTION_YEARS = 10
    old = CourseSessionFactory(code="BDM-2022-07", start_date=dt.date(2022, 7, 18), end_date=dt.date(2022, 7, 29))
    recent = CourseSessionFactory(code="BDM-2024-07", start_date=dt.date(2024, 7, 15), end_date=dt.date(2024, 7, 26))
    long_ago = EnrolmentFactory(session=old, trainee__given_name="Wanjiru", trainee__family_name="Kamau").trainee
    came_back = EnrolmentFactory(session=old, trainee__given_name="Came", trainee__family_name="Back").trainee
    EnrolmentFactory(session=recent, trainee=came_back)
    recently = EnrolmentFactory(session=recent, trainee__given_name="Recent", trainee__family_name="One").trainee
    never_enrolled = TraineeFactory(given_name="Thandiwe", family_name="Nkosi")
    Trainee.objects.filter(pk=never_enrolled.pk).update(
        created_at=timezone.make_aware(dt.datetime(2021, 5, 1, 9)))
    registered_lately = TraineeFactory(given_name="Registered", family_name="Lately")  # created now
    gone = EnrolmentFactory(session=old, trainee__given_name="Already", trainee__family_name="Gone").trainee
    trainee_anonymise(actor=None, trainee=gone)
    return {"long_ago": long_ago, "came_back": came_back, "recently": recently, "never_enrolled": never_enrolled,
            "registered_lately": registered_lately, "gone": gone, "old": old}


def test_past_retention_counts_from_the_end_of_the_last_session(hub):
    due = list(trainees_past_retention(actor=None, today=TODAY))
    assert due == [hub["never_enrolled"], hub["long_ago"]]  # oldest first
    assert (due[1].last_day, due[1].last_session) == (dt.date(2022, 7, 29), "BDM-2022-07")
    assert (due[0].last_day, due[0].last_session) == (dt.date(2021, 5, 1), None)
    # The day before ten years have passed since the session's end, it is not due yet.
    assert hub["long_ago"] not in trainees_past_retention(actor=None, today=dt.date(2032, 7, 29))
    assert hub["long_ago"] in trainees_past_retention(actor=None, today=dt.date(2032, 7, 30))


def test_the_cutoff_of_a_29_february_is_the_28th():
    assert retention_cutoff(dt.date(2032, 2, 29)) == dt.date(2022, 2, 28)


def test_the_weekly_check_emails_hub_staff_the_list_and_anonymises_nobody(hub, hub_staff, coordinator, superuser):
    email = trainees_retention_notify(today=TODAY)

    assert email is not None and OutboundEmail.objects.count() == 1
    assert email.to == ["root@hub.test", "staff@hub.test"]  # not the coordinator
    assert email.subject == "2 trainees are past the retention period"
    for trainee in (hub["long_ago"], hub["never_enrolled"]):
        assert f"Trainee #{trainee.pk} (Ghana)" in email.body
        assert f"/admin/trainees/trainee/{trainee.pk}/change/" in email.body
    assert "last session BDM-2022-07, ended 29 July 2022" in email.body
    assert "no session, registered 1 May 2021" in email.body
    assert "/admin/trainees/trainee/?retention=past" in email.body
    # It names nobody: a name in an email would outlive the anonymisation it asks for.
    for private in ("Wanjiru", "Kamau", "Thandiwe", "Nkosi", hub["long_ago"].email, hub["never_enrolled"].email):
        assert private.casefold() not in email.body.casefold()
    assert not Trainee.objects.filter(anonymised_at__isnull=False).exclude(pk=hub["gone"].pk).exists()


def test_nothing_is_sent_when_nobody_is_past_retention(hub, hub_staff):
    assert trainees_retention_notify(today=dt.date(2025, 1, 1)) is None
    assert not OutboundEmail.objects.exists()


def test_the_check_is_a_task_that_celery_beat_runs_every_week(hub, hub_staff, monkeypatch):
    entry = settings.CELERY_BEAT_SCHEDULE["trainees-past-retention"]
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].day_of_week == {1}  # Mondays

    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    email_id = trainees_retention_notify_task.apply().get()
    assert OutboundEmail.objects.get(pk=email_id).to == ["staff@hub.test"]


def test_staff_find_them_with_the_trainee_lists_filter_and_anonymise_them_there(
        hub, staff_client, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    page = staff_client.get("/admin/trainees/trainee/?retention=past").content.decode()
    assert "Past retention (10 years after their last session)" in page
    for listed in ("Wanjiru", "Thandiwe"):
        assert f">{listed}<" in page
    for kept in ("Came", "Recent", "Registered", f"#{hub['gone'].pk}"):
        assert f">{kept}<" not in page

    response = staff_client.post("/admin/trainees/trainee/?retention=past", {
        "action": "anonymise", "_selected_action": [hub["long_ago"].pk, hub["never_enrolled"].pk], "confirm": "yes"})
    assert response.status_code == 302
    assert not trainees_past_retention(actor=None, today=TODAY).exists()
    anonymised = staff_client.get("/admin/trainees/trainee/?retention=anonymised").content.decode()
    for trainee in (hub["long_ago"], hub["never_enrolled"], hub["gone"]):
        assert f">#{trainee.pk}<" in anonymised
    assert ">Came<" not in anonymised


def test_a_coordinator_sees_only_their_sessions_trainees_past_retention(hub, coordinator):
    SessionAssignment.objects.create(user=coordinator, session=hub["old"])
    assert list(trainees_past_retention(actor=coordinator, today=TODAY)) == [hub["long_ago"]]


def test_a_long_list_is_cut_short_with_the_count_of_the_rest(hub, hub_staff, monkeypatch):
    monkeypatch.setattr("cohorts.privacy.RETENTION_EMAIL_LISTED", 1)
    email = trainees_retention_notify(today=TODAY)
    assert email.subject == "2 trainees are past the retention period"
    assert email.body.count("Trainee #") == 1 and "… and 1 more." in email.body
