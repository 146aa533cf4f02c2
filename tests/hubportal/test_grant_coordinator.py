"""manage.py grant_coordinator: an account for a coordinator, their sessions, a link to set a password."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hubportal.audit.models import AuditEntry
from hubportal.outbox.models import OutboundEmail
from hubportal.users.models import SessionAssignment, User

from ..cohorts.factories import CourseSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(role_groups):
    return CourseSessionFactory(code="BDM-2022-07"), CourseSessionFactory(code="GXP-2022-10")


def grant(capsys, *args):
    call_command("grant_coordinator", *args)
    return capsys.readouterr().out.strip()


def test_a_new_coordinator_gets_an_account_their_session_and_a_link_to_set_a_password(
        sessions, capsys, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        out = grant(capsys, "--email", "Mariam.Diallo@Hub.Example", "--session", "GXP-2022-10")
    assert out == "Mariam.Diallo@hub.example coordinates GXP-2022-10 (new account, emailed a link to set its password)."
    user = User.objects.get(email__iexact="mariam.diallo@hub.example")
    assert user.is_staff and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["Coordinators"]
    assert list(SessionAssignment.objects.filter(user=user).values_list("session__code", flat=True)) == ["GXP-2022-10"]
    assert AuditEntry.objects.filter(action="coordinator.grant").get().data["session"] == "GXP-2022-10"

    email = OutboundEmail.objects.get()
    assert "GXP-2022-10" in email.subject
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", email.body).group(0)
    path = "/" + link.split("/", 3)[3]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and 'name="password1"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0] if form.redirect_chain else path,
                       {"password1": "a-new-coordinator-1", "password2": "a-new-coordinator-1"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-coordinator-1")


def test_granting_again_or_a_second_session_keeps_one_account_and_sends_no_second_link(sessions, capsys):
    grant(capsys, "--email", "c@hub.example", "--session", "GXP-2022-10")
    out = grant(capsys, "--email", "c@hub.example", "--session", "BDM-2022-07")
    assert out == "c@hub.example coordinates BDM-2022-07 (existing account)."
    grant(capsys, "--email", "C@hub.example", "--session", "BDM-2022-07")
    assert User.objects.count() == 1 and OutboundEmail.objects.count() == 1
    assert SessionAssignment.objects.count() == 2


def test_revoke_takes_the_session_away_and_keeps_the_account(sessions, capsys):
    grant(capsys, "--email", "c@hub.example", "--session", "GXP-2022-10")
    assert grant(capsys, "--email", "c@hub.example", "--session", "GXP-2022-10", "--revoke") == (
        "c@hub.example no longer coordinates GXP-2022-10.")
    assert not SessionAssignment.objects.exists() and User.objects.filter(email="c@hub.example").exists()
    assert AuditEntry.objects.filter(action="coordinator.revoke").count() == 1
    assert grant(capsys, "--email", "c@hub.example", "--session", "GXP-2022-10", "--revoke") == (
        "c@hub.example did not coordinate GXP-2022-10; nothing changed.")


def test_bad_input_is_refused_with_a_message_and_nothing_written(sessions, capsys, hub_staff):
    with pytest.raises(CommandError, match="No session has the code 'NOPE-1'"):
        grant(capsys, "--email", "c@hub.example", "--session", "NOPE-1")
    with pytest.raises(CommandError, match="is not a valid email address"):
        grant(capsys, "--email", "not-an-email", "--session", "GXP-2022-10")
    with pytest.raises(CommandError, match="is hub staff and sees every session already"):
        grant(capsys, "--email", hub_staff.email, "--session", "GXP-2022-10")
    assert not SessionAssignment.objects.exists() and not OutboundEmail.objects.exists()
