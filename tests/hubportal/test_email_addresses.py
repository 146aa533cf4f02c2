"""A login's email address (issue 13): a new one becomes the login only once verified, and never one that
another account or trainee holds."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from hubportal.outbox.models import OutboundEmail

from ..conftest import PASSWORD
from ..trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def trainee_client(client, trainee_user):
    client.force_login(trainee_user)
    return client


def add_address(client, email):
    return client.post("/accounts/email/", {"action_add": "", "email": email})


def signs_in(email):
    from django.test import Client

    return Client().post("/accounts/login/", {"login": email, "password": PASSWORD}).status_code == 302


def test_a_new_address_becomes_the_login_only_once_its_link_is_followed(trainee_client, trainee_user):
    response = add_address(trainee_client, "new-me@hub.test")

    assert response.status_code == 302
    trainee_user.refresh_from_db()
    assert trainee_user.email == "trainee@hub.test"  # not yet
    assert signs_in("trainee@hub.test") and not signs_in("new-me@hub.test")  # an unverified one does not
    email = OutboundEmail.objects.get(to=["new-me@hub.test"])
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", email.body).group(0)

    trainee_client.post(link)
    assert EmailAddress.objects.get(email="new-me@hub.test").verified
    assert signs_in("new-me@hub.test")  # a verified address of the account signs in to it
    response = trainee_client.post("/accounts/email/", {"action_primary": "", "email": "new-me@hub.test"})

    assert response.status_code == 302
    trainee_user.refresh_from_db()
    assert trainee_user.email == "new-me@hub.test"
    assert signs_in("new-me@hub.test") and not signs_in("trainee@hub.test")


def test_an_unverified_address_cannot_be_made_primary(trainee_client, trainee_user):
    add_address(trainee_client, "new-me@hub.test")

    response = trainee_client.post("/accounts/email/", {"action_primary": "", "email": "new-me@hub.test"},
                                   follow=True)

    trainee_user.refresh_from_db()
    assert trainee_user.email == "trainee@hub.test"
    assert not EmailAddress.objects.get(email="new-me@hub.test").primary
    assert "Verify new-me@hub.test first" in response.content.decode()


def test_an_unverified_address_of_an_account_without_a_verified_one_cannot_become_primary_either(
        trainee_client, trainee_user):
    # What the hub's accounts are: created by staff, no address verified. allauth's own rule lets an
    # unverified address become primary then.
    EmailAddress.objects.create(user=trainee_user, email="trainee@hub.test", primary=True, verified=False)
    EmailAddress.objects.create(user=trainee_user, email="elsewhere@hub.test", primary=False, verified=False)

    trainee_client.post("/accounts/email/", {"action_primary": "", "email": "ELSEWHERE@hub.test"})

    trainee_user.refresh_from_db()
    assert trainee_user.email == "trainee@hub.test"


@pytest.mark.parametrize("holder", ["login", "address", "trainee record"])
def test_an_address_another_account_or_trainee_holds_cannot_be_added(trainee_client, trainee_user, holder):
    other = "other@hub.test"
    if holder == "login":
        User.objects.create_user(email=other, password=PASSWORD)
    elif holder == "address":  # an address on another account, not its login (yet)
        EmailAddress.objects.create(user=User.objects.create_user(email="x@hub.test"), email=other)
    else:  # a trainee with no login yet
        TraineeFactory(email=other, user=None)

    response = add_address(trainee_client, "Other@Hub.test")

    assert response.status_code == 200
    assert "belongs to another account" in response.content.decode()
    assert not EmailAddress.objects.filter(user=trainee_user, email__iexact=other).exists()
    assert not OutboundEmail.objects.filter(to=[other.lower()]).exists()


def test_the_address_of_the_trainee_s_own_record_may_be_their_login(trainee_client, trainee_user):
    TraineeFactory(email="work@hub.test", user=trainee_user)

    assert add_address(trainee_client, "work@hub.test").status_code == 302
    assert EmailAddress.objects.filter(user=trainee_user, email="work@hub.test", verified=False).exists()

