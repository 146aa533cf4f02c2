"""Email goes through the outbox: recorded, sent once by a worker, retried, and shown to staff when it fails."""

import datetime as dt
from contextlib import suppress
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from hubportal.audit.models import AuditEntry
from hubportal.celery import app as celery_app
from hubportal.outbox.models import EmailStatus, OutboundEmail
from hubportal.outbox.services import MAX_ATTEMPTS, EmailNotSent, email_queue
from hubportal.outbox.tasks import purge_sent_emails, requeue_stuck_emails, send_email

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/outbox/outboundemail/"


class FlakyBackend(EmailBackend):
    """A mail server that refuses the next `refusals` messages, then accepts (into mail.outbox)."""

    refusals = 0
    tried = 0

    def send_messages(self, messages):
        FlakyBackend.tried += 1
        if FlakyBackend.refusals:
            FlakyBackend.refusals -= 1
            raise SMTPException("451 4.3.0 Mail server temporarily rejected message")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.refusals = FlakyBackend.tried = 0
    return FlakyBackend


@pytest.fixture
def tasks_run_here():
    """A task queued by this test runs in this process as soon as it is queued, retries included,
    as a worker would run it (Celery's eager mode: no broker, no countdowns)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def queue_welcome(**extra):
    return email_queue(to="kim@ivi.test", subject="Welcome to the hub", body="See you in Songdo.", **extra)


def failed_email(**fields):
    return OutboundEmail.objects.create(
        to=["ama@kath.test"], subject="Your certificate: GMP for vaccines", body="Your certificate is ready.",
        from_email="hub@hub.test", status=EmailStatus.FAILED, attempts=MAX_ATTEMPTS,
        last_error="SMTPAuthenticationError: (535, b'5.7.8 Authentication failed')", **fields)


def test_an_email_is_sent_by_the_worker_after_commit_and_only_once(
        tasks_run_here, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_welcome(html_body="<p>See you in <b>Songdo</b>.</p>")
        assert mail.outbox == []  # nothing leaves before the caller's transaction commits

    send_email(email.pk)  # the broker delivered the task a second time

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject, message.body) == (["kim@ivi.test"], "Welcome to the hub",
                                                           "See you in Songdo.")
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.alternatives[0] == ("<p>See you in <b>Songdo</b>.</p>", "text/html")
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 1, "")
    assert email.sent_at is not None


def test_an_email_another_worker_is_sending_is_left_to_it_unless_that_worker_died(settings):
    email = queue_welcome()
    OutboundEmail.objects.filter(pk=email.pk).update(status=EmailStatus.SENDING, attempts=1,
                                                     last_attempt_at=timezone.now())
    send_email(email.pk)
    assert mail.outbox == []

    # Nothing runs longer than a task's hard time limit: a message still sending after it lost its worker.
    died = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    OutboundEmail.objects.filter(pk=email.pk).update(last_attempt_at=died)
    send_email(email.pk)
    assert [m.to for m in mail.outbox] == [["kim@ivi.test"]]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)


def test_an_email_to_several_people_reaches_each_of_them(tasks_run_here, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(to=["kim@ivi.test", "ama@kath.test"], subject="Timetable changed", body="Day 2 starts at 9.")
    assert mail.outbox[0].to == ["kim@ivi.test", "ama@kath.test"]


def test_a_mail_server_that_keeps_refusing_is_tried_again_then_the_email_is_marked_failed(
        flaky_mail_server, tasks_run_here, django_capture_on_commit_callbacks):
    flaky_mail_server.refusals = 100
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_welcome()

    email.refresh_from_db()
    assert flaky_mail_server.tried == MAX_ATTEMPTS == 5
    assert (email.status, email.attempts, email.sent_at) == (EmailStatus.FAILED, 5, None)
    assert email.last_error == "SMTPException: 451 4.3.0 Mail server temporarily rejected message"
    assert mail.outbox == []


def test_a_mail_server_that_recovers_gets_the_email_on_a_later_attempt(
        flaky_mail_server, tasks_run_here, django_capture_on_commit_callbacks):
    flaky_mail_server.refusals = 2
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_welcome()

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 3)
    assert [m.subject for m in mail.outbox] == ["Welcome to the hub"]


def test_a_refused_email_waits_longer_before_each_new_attempt(flaky_mail_server, monkeypatch):
    """The worker's view: each refusal schedules the next attempt, further away each time."""
    flaky_mail_server.refusals = 100
    email = queue_welcome()
    delays = []

    def scheduled(*, exc, countdown):
        delays.append(countdown)
        return exc

    monkeypatch.setattr(send_email, "retry", scheduled)
    for _ in range(MAX_ATTEMPTS):
        with suppress(EmailNotSent):  # raised with the retry the worker would schedule
            send_email(email.pk)
    assert delays == [60, 120, 240, 480]  # and after the fifth refusal, no sixth attempt
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED


def test_staff_find_failed_emails_and_their_error_in_the_admin(staff_client):
    failed_email()
    OutboundEmail.objects.create(to=["lan@nihe.test"], subject="Timetable changed", body="…",
                                 from_email="hub@hub.test", status=EmailStatus.SENT, attempts=1)

    page = staff_client.get(CHANGELIST, {"status__exact": "failed"}).content.decode()
    assert "ama@kath.test" in page and "Your certificate: GMP for vaccines" in page
    assert "535, b&#x27;5.7.8 Authentication failed" in page
    assert "Timetable changed" not in page

    found = staff_client.get(CHANGELIST, {"q": "AMA@kath"}).content.decode()
    assert "Your certificate: GMP for vaccines" in found and "Timetable changed" not in found


def test_the_admin_shows_no_email_s_text(staff_client):
    """A password reset email holds a link that signs in as its recipient: staff see that it failed, not the link."""
    email = failed_email()
    OutboundEmail.objects.filter(pk=email.pk).update(body="Reset it at /accounts/password/reset/key/secret-key/")

    page = staff_client.get(f"{CHANGELIST}{email.pk}/change/").content.decode()
    assert "Authentication failed" in page
    assert "secret-key" not in page


def test_coordinators_do_not_see_the_outbox(client, coordinator):
    client.force_login(coordinator)
    assert client.get(CHANGELIST).status_code == 403


def test_send_again_queues_a_failed_email_and_records_who_asked(
        staff_client, hub_staff, tasks_run_here, django_capture_on_commit_callbacks):
    email = failed_email()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(CHANGELIST, {"action": "send_again", "_selected_action": [email.pk]},
                                     follow=True)

    assert "1 email queued again." in [str(m) for m in response.context["messages"]]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert [m.to for m in mail.outbox] == [["ama@kath.test"]]
    entry = AuditEntry.objects.get(action="email.retry")
    assert (entry.actor, entry.target_id, entry.data["attempts"]) == (hub_staff, str(email.pk), MAX_ATTEMPTS)
    assert "Authentication failed" in entry.data["error"]


def test_send_again_leaves_an_email_that_did_not_fail(staff_client, django_capture_on_commit_callbacks):
    email = queue_welcome()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(CHANGELIST, {"action": "send_again", "_selected_action": [email.pk]},
                                     follow=True)

    assert "None of the chosen emails has failed or is stuck." in [str(m) for m in response.context["messages"]]
    assert callbacks == [] and not AuditEntry.objects.filter(action="email.retry").exists()


def stranded_email(capture, minutes_ago: int) -> OutboundEmail:
    """A message whose task never reached a worker: the broker was down when it was queued. Whoever
    queued it is not troubled by that (no exception reaches the page that sent it)."""
    with mock.patch("hubportal.outbox.tasks.send_email.delay", side_effect=ConnectionError("broker down")):
        with capture(execute=True) as callbacks:
            email = queue_welcome()
    assert len(callbacks) == 1
    OutboundEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return email


def test_an_email_the_broker_never_got_is_handed_to_a_worker_again_by_the_scheduler(
        tasks_run_here, settings, django_capture_on_commit_callbacks):
    stranded = stranded_email(django_capture_on_commit_callbacks, minutes_ago=settings.OUTBOX_STUCK_SECONDS // 60 + 1)
    on_its_way = stranded_email(django_capture_on_commit_callbacks, minutes_ago=1)

    assert requeue_stuck_emails.delay().get() == 1

    stranded.refresh_from_db()
    on_its_way.refresh_from_db()
    assert (stranded.status, on_its_way.status) == (EmailStatus.SENT, EmailStatus.QUEUED)
    assert [m.to for m in mail.outbox] == [["kim@ivi.test"]]


def test_staff_send_a_stuck_email_again_from_the_admin(staff_client, tasks_run_here, django_capture_on_commit_callbacks,
                                                        settings):
    stranded = stranded_email(django_capture_on_commit_callbacks, minutes_ago=settings.OUTBOX_STUCK_SECONDS // 60 + 1)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(CHANGELIST, {"action": "send_again", "_selected_action": [stranded.pk]},
                                     follow=True)

    assert "1 email queued again." in [str(m) for m in response.context["messages"]]
    stranded.refresh_from_db()
    assert stranded.status == EmailStatus.SENT and len(mail.outbox) == 1


def test_sent_emails_are_deleted_after_the_days_kept_and_failed_ones_stay(settings):
    settings.OUTBOX_KEEP_DAYS = 90
    old_sent = OutboundEmail.objects.create(to=["a@x.test"], subject="Old", body="x", from_email="h@h.test",
                                            status=EmailStatus.SENT, sent_at=timezone.now() - dt.timedelta(days=91))
    recent = OutboundEmail.objects.create(to=["b@x.test"], subject="Recent", body="x", from_email="h@h.test",
                                          status=EmailStatus.SENT, sent_at=timezone.now() - dt.timedelta(days=89))
    failed = failed_email()
    OutboundEmail.objects.filter(pk=failed.pk).update(created_at=timezone.now() - dt.timedelta(days=400))

    assert purge_sent_emails() == 1

    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
    assert old_sent.pk not in set(OutboundEmail.objects.values_list("pk", flat=True))


def test_the_outbox_list_does_not_grow_in_queries_with_its_rows(superuser, client, assert_flat_queries):
    client.force_login(superuser)

    def grow(n):
        for _ in range(n):
            failed_email()
            queue_welcome()

    grow(2)
    few, many = assert_flat_queries(lambda: client.get(CHANGELIST), lambda: grow(10), warm=True)
    assert few.status_code == many.status_code == 200


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_queued_email_once_though_delivered_twice(celery_worker):
    email = queue_welcome()  # committed at once: the worker has the task
    send_email.delay(email.pk).get(timeout=30)  # the broker delivered it a second time; the worker ran both

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT, email.last_error
    assert email.attempts == 1 and email.sent_at is not None
