import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hubportal.audit.models import AuditEntry
from trainees.models import Country, Organisation, Trainee, TraineeCategory, WhoRegion
from trainees.services import trainee_create, trainee_update

from .factories import CountryFactory, OrganisationFactory, TraineeFactory

pytestmark = pytest.mark.django_db


def _new_trainee(actor, country, **overrides):
    fields = dict(
        actor=actor,
        given_name="Abebe",
        family_name="Bekele",
        email="abebe.bekele@efda.test",
        country=country,
        category=TraineeCategory.LMIC_GOVERNMENT,
    )
    fields.update(overrides)
    return trainee_create(**fields)


def test_email_registered_in_another_letter_case_is_refused(hub_staff):
    country = CountryFactory(code="ET", name="Ethiopia")
    _new_trainee(hub_staff, country, email="Abebe.Bekele@EFDA.test")

    with pytest.raises(ValidationError) as error:
        _new_trainee(hub_staff, country, email="  abebe.bekele@efda.TEST ", given_name="Other")

    assert "A trainee with this email address already exists." in error.value.messages
    assert Trainee.objects.count() == 1


def test_database_refuses_the_same_email_in_another_case_even_without_the_service():
    TraineeFactory(email="nurul@npra.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeFactory(email="NURUL@npra.test")


def test_trainee_without_a_country_is_refused(hub_staff):
    with pytest.raises(ValidationError) as error:
        _new_trainee(hub_staff, None)
    assert "country" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Trainee.objects.create(given_name="A", family_name="B", email="a@b.test", category="lmic_production")


def test_create_stores_the_email_trimmed_in_lower_case_and_audits_who_did_it(hub_staff):
    trainee = _new_trainee(hub_staff, CountryFactory(), email="  Kwame.Asante@FDA.gov.test ")

    assert trainee.email == "kwame.asante@fda.gov.test"
    entry = AuditEntry.objects.get(action="trainee.create")
    assert entry.actor == hub_staff
    assert entry.target == trainee


def test_update_records_what_changed_and_skips_no_op_changes(hub_staff):
    trainee = _new_trainee(hub_staff, CountryFactory())
    trainee_update(actor=hub_staff, trainee=trainee, job_title="GMP Inspector", family_name="Bekele")
    trainee_update(actor=hub_staff, trainee=trainee, job_title="GMP Inspector")

    updates = AuditEntry.objects.filter(action="trainee.update")
    assert updates.count() == 1
    assert updates.get().data["changes"] == {"job_title": ["", "GMP Inspector"]}


def test_invalid_email_is_refused_with_a_message_naming_the_field(hub_staff):
    with pytest.raises(ValidationError) as error:
        _new_trainee(hub_staff, CountryFactory(), email="not-an-email")
    assert "email" in error.value.message_dict


def test_only_one_country_hosts_the_hub():
    CountryFactory(code="KR", name="Korea (Republic of)", who_region=WhoRegion.WPRO, is_host=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryFactory(code="JP", name="Japan", who_region=WhoRegion.WPRO, is_host=True)


def test_organisation_names_are_unique_per_country_ignoring_case():
    ghana = CountryFactory()
    OrganisationFactory(name="Food and Drugs Authority", country=ghana)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(name="FOOD AND DRUGS AUTHORITY", country=ghana)
    # Another country may have an organisation of the same name.
    OrganisationFactory(name="Food and Drugs Authority", country=CountryFactory(code="NG", name="Nigeria"))
    assert Organisation.objects.count() == 2


def test_countries_of_the_world_can_be_added_with_their_iso_name(superuser, client):
    client.force_login(superuser)
    response = client.post(
        "/admin/trainees/country/add/",
        {"code": "LA", "name": "", "who_region": "WPRO", "income_group": "lower_middle"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Country.objects.get(code="LA").name == "Laos"
