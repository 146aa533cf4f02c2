import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hubportal.audit.models import AuditEntry
from trainees.models import Country, Organisation, Trainee, TraineeCategory
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
    country = CountryFactory(code="ET")
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
    assert CountryFactory(code="KR").is_host
    japan = CountryFactory(code="JP")
    japan.is_host = True
    with pytest.raises(ValidationError) as error:
        japan.full_clean()
    assert error.value.messages == ["Only one country can host the hub."]
    with pytest.raises(IntegrityError), transaction.atomic():
        japan.save()


def test_organisation_names_are_unique_per_country_ignoring_case():
    ghana = CountryFactory()
    OrganisationFactory(name="Food and Drugs Authority", country=ghana)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(name="FOOD AND DRUGS AUTHORITY", country=ghana)
    # Another country may have an organisation of the same name.
    OrganisationFactory(name="Food and Drugs Authority", country=CountryFactory(code="NG"))
    assert Organisation.objects.count() == 2


def test_a_country_deleted_by_mistake_can_be_added_again_with_its_iso_name_and_codes(
        reference_countries, superuser, client):
    Country.objects.filter(code="LA").delete()
    client.force_login(superuser)
    response = client.post(
        "/admin/trainees/country/add/",
        {"code": "LA", "name": "", "alpha3": "", "who_membership": "member", "who_region": "WPR",
         "income_group": "lower_middle"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    laos = Country.objects.get(code="LA")
    assert (laos.name, laos.alpha3, laos.is_who_member) == ("Laos", "LAO", True)


def test_a_who_member_needs_a_region_in_the_admin(reference_countries, superuser, client):
    client.force_login(superuser)
    tokelau = Country.objects.get(code="TK")
    response = client.post(
        f"/admin/trainees/country/{tokelau.pk}/change/",
        {"code": "TK", "name": tokelau.name, "alpha3": "TKL", "who_membership": "member", "who_region": "",
         "income_group": ""},
    )
    assert response.status_code == 200
    assert "A WHO member belongs to a WHO region." in response.content.decode()
    tokelau.refresh_from_db()
    assert (tokelau.who_membership, tokelau.who_region) == ("associate", "WPR")
