"""A trainee's login and their trainee record keep one email address, whichever side changes it."""

import pytest
from allauth.account.models import EmailAddress

from ..hubportal.test_email_addresses import add_address, signs_in, trainee_client  # noqa: F401 - a fixture
from ..trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


def test_the_trainee_record_and_the_login_keep_one_address(trainee_client, trainee_user, hub_staff):
    from hubportal.audit.models import AuditEntry
    from trainees.models import Trainee
    from trainees.services import trainee_update

    trainee = TraineeFactory(email="trainee@hub.test", user=trainee_user)
    add_address(trainee_client, "new-me@hub.test")
    EmailAddress.objects.filter(email="new-me@hub.test").update(verified=True)  # its link was followed

    trainee_client.post("/accounts/email/", {"action_primary": "", "email": "new-me@hub.test"})

    assert Trainee.objects.get(pk=trainee.pk).email == "new-me@hub.test"
    assert AuditEntry.objects.get(action="trainee.email_change").actor == trainee_user
    # And the other way: staff correct the record's address; the login follows.
    trainee_update(actor=hub_staff, trainee=Trainee.objects.get(pk=trainee.pk), email="Corrected@hub.test")
    trainee_user.refresh_from_db()
    assert trainee_user.email == "corrected@hub.test"
    assert EmailAddress.objects.get(user=trainee_user, primary=True).email == "corrected@hub.test"
    assert signs_in("corrected@hub.test")
