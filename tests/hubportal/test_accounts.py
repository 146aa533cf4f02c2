import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cohorts.models import EnrolmentStatus
from hubportal.outbox.models import EmailStatus, OutboundEmail
from hubportal.outbox.tasks import send_email

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory
from ..conftest import PASSWORD
from ..trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_email_is_the_login_whatever_its_letter_case(client, trainee_user):
    response = client.post("/accounts/login/", {"login": "TRAINEE@Hub.Test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == trainee_user


def test_a_wrong_password_is_refused_with_a_message(client, trainee_user):
    response = client.post("/accounts/login/", {"login": "trainee@hub.test", "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_the_sign_in_page_is_the_portal_s_own_and_invites_no_sign_up(client):
    page = client.get("/accounts/login/").content.decode()

    assert '<header class="site-header">' in page  # the portal's frame, not allauth's bare page
    assert "<title>Sign in · HubPortal</title>" in page
    assert 'name="login"' in page and 'name="password"' in page
    assert "/accounts/password/reset/" in page
    assert "/accounts/signup/" not in page and "sign up" not in page.lower()


def test_the_password_reset_page_sits_in_the_portal_s_frame(client):
    page = client.get("/accounts/password/reset/").content.decode()

    assert '<header class="site-header">' in page
    assert "Menu:" not in page


def test_two_accounts_cannot_share_an_email_in_different_cases():
    User.objects.create_user(email="kim@ivi.test", password=PASSWORD)
    with pytest.raises(ValidationError):
        User.objects.create_user(email="Kim@IVI.test", password=PASSWORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="KIM@ivi.test").save()


def test_nobody_can_sign_up_on_their_own(client):
    response = client.get("/accounts/signup/")
    assert "closed" in response.content.decode().lower()
    client.post("/accounts/signup/", {"email": "x@y.test", "password1": "Long-pass-123", "password2": "Long-pass-123"})
    assert not User.objects.filter(email="x@y.test").exists()


def test_a_trainee_sees_their_own_programme_on_the_home_page(client, trainee_user):
    trainee = TraineeFactory(user=trainee_user, given_name="Min-jun", family_name="Kim", native_name="김민준")
    session = CourseSessionFactory(code="BDM-2022-07")
    EnrolmentFactory(trainee=trainee, session=session, status=EnrolmentStatus.COMPLETED)
    EnrolmentFactory(session=CourseSessionFactory(code="GXP-2022-10"))  # someone else's
    client.force_login(trainee_user)

    page = client.get("/").content.decode()

    assert "김민준" in page
    assert "BDM-2022-07" in page and "Completed" in page
    assert "GXP-2022-10" not in page


def test_a_password_reset_is_queued_in_the_request_and_sent_by_the_worker(
        client, trainee_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/accounts/password/reset/", {"email": "Trainee@hub.test"})

    assert response.status_code == 302
    assert mail.outbox == []  # a slow mail server would not hold up the page
    email = OutboundEmail.objects.get()
    assert (email.to, email.status) == (["trainee@hub.test"], EmailStatus.QUEUED)
    assert len(callbacks) == 1  # handed to the worker once the request's writes commit

    send_email(email.pk)
    assert mail.outbox[0].to == ["trainee@hub.test"]
    assert "Password Reset" in mail.outbox[0].subject
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
