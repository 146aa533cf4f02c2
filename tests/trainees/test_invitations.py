"""Trainees reach the portal by invitation: one email each, in their language, with a one-time link
valid 14 days that sets their password, verifies their address and signs them in."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command

from cohorts.models import EnrolmentStatus
from hubportal.audit.models import AuditEntry
from hubportal.outbox.models import OutboundEmail
from hubportal.users.models import User
from trainees.models import Trainee

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory
from .factories import CountryFactory, TraineeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    """BDM-2022-07 with three trainees: Awa from Senegal and Kofi from Ghana without an account, and
    Kim who signs in already."""
    session = CourseSessionFactory(code="BDM-2022-07")
    awa = TraineeFactory(given_name="Awa", email="awa@sn.test", country=CountryFactory(code="SN"))
    kofi = TraineeFactory(given_name="Kofi", email="kofi@gh.test", country=CountryFactory(code="GH"))
    kim = TraineeFactory(given_name="Min-ji", email="kim@kr.test", country=CountryFactory(code="KR"),
                         user=User.objects.create_user(email="kim@kr.test", password="s3cret-enough!"))
    for trainee in (awa, kofi, kim):
        EnrolmentFactory(session=session, trainee=trainee, status=EnrolmentStatus.CONFIRMED)
    return session


def invite(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("invite_trainees", "--session", "BDM-2022-07", *args, stdout=out)
    return out.getvalue()


def link_in(email: OutboundEmail) -> str:
    return re.search(r"http://[^\s]+/invitation/[^\s/]+/", email.body).group(0)


def test_the_command_invites_each_trainee_without_an_account_once(session):
    out = invite()

    assert "invited 2, already had an account 1, invited before (not resent) 0, no email 0" in out
    assert sorted(e.to[0] for e in OutboundEmail.objects.all()) == ["awa@sn.test", "kofi@gh.test"]
    assert Trainee.objects.get(email="awa@sn.test").user.has_usable_password() is False
    assert "invited 0, already had an account 1, invited before (not resent) 2" in invite()
    assert OutboundEmail.objects.count() == 2
    assert "invited 2" in invite("--resend")
    assert OutboundEmail.objects.count() == 4
    assert AuditEntry.objects.filter(action="trainees.invite").count() == 2


def test_the_email_speaks_the_trainees_language_in_text_and_html(session):
    invite()
    awa = OutboundEmail.objects.get(to=["awa@sn.test"])
    kofi = OutboundEmail.objects.get(to=["kofi@gh.test"])

    assert "Awa" in awa.body and "/invitation/" in awa.body
    assert "mot de passe" in awa.body.lower() and '<html lang="fr">' in awa.html_body
    assert "Choose your password here" in kofi.body and '<html lang="en">' in kofi.html_body


def test_the_link_sets_the_password_verifies_the_address_and_signs_in(session, client):
    invite()
    url = link_in(OutboundEmail.objects.get(to=["kofi@gh.test"]))
    path = url.split("://", 1)[1].split("/", 1)[1]

    page = client.get("/" + path)
    assert page.status_code == 200 and "kofi@gh.test" in page.content.decode()
    response = client.post("/" + path, {"password1": "Accra-to-Seoul-2022", "password2": "Accra-to-Seoul-2022"})

    assert response.status_code == 302 and response.url == "/"
    user = User.objects.get(email="kofi@gh.test")
    assert user.check_password("Accra-to-Seoul-2022")
    assert EmailAddress.objects.get(user=user).verified is True
    assert client.get("/").content.decode().count("Welcome, Kofi") == 1
    # Used: the same link now says so, and sets nothing.
    client.logout()
    again = client.get("/" + path)
    assert again.status_code == 410 and "has been used already" in again.content.decode()


def test_a_weak_or_mismatched_password_is_refused_with_the_reason(session, client):
    invite()
    path = "/" + link_in(OutboundEmail.objects.get(to=["kofi@gh.test"])).split("://", 1)[1].split("/", 1)[1]

    response = client.post(path, {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200 and "too common" in response.content.decode()
    response = client.post(path, {"password1": "Accra-to-Seoul-2022", "password2": "Accra-to-Seoul-2023"})
    assert response.status_code == 200
    assert not User.objects.get(email="kofi@gh.test").has_usable_password()


def test_an_expired_or_mangled_link_says_so(session, client, monkeypatch, settings):
    invite()
    path = "/" + link_in(OutboundEmail.objects.get(to=["kofi@gh.test"])).split("://", 1)[1].split("/", 1)[1]

    assert "is not valid" in client.get(path[:-6] + "/").content.decode()
    later = time.time() + settings.INVITATION_VALID_DAYS * 24 * 3600 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(path)
    assert response.status_code == 410 and "has expired" in response.content.decode()


def test_staff_invite_from_a_sessions_enrolments(session, staff_client):
    enrolments = list(session.enrolments.values_list("pk", flat=True))

    response = staff_client.post("/admin/cohorts/enrolment/", {"action": "invite_to_portal",
                                                                "_selected_action": enrolments}, follow=True)

    assert "Invited 2; already had an account 1" in response.content.decode()
    assert OutboundEmail.objects.count() == 2


def test_staff_invite_from_the_trainee_list(session, staff_client):
    chosen = list(Trainee.objects.filter(email__in=["awa@sn.test", "kim@kr.test"]).values_list("pk", flat=True))

    response = staff_client.post("/admin/trainees/trainee/", {"action": "invite_to_portal",
                                                              "_selected_action": chosen}, follow=True)

    assert "Invited 1; already had an account 1" in response.content.decode()
    assert [e.to for e in OutboundEmail.objects.all()] == [["awa@sn.test"]]
