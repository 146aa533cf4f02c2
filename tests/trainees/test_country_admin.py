"""Hub staff see the reference countries in the admin: codes, WHO membership, and the income classification."""

import pytest

from trainees.models import Country, IncomeClassification

from .factories import TraineeFactory

pytestmark = pytest.mark.django_db


def test_the_country_list_shows_alpha3_and_who_membership_and_filters_by_it(reference_countries, superuser, client):
    client.force_login(superuser)
    page = client.get("/admin/trainees/country/", {"who_membership": "associate"}).content.decode()
    assert "Puerto Rico" in page and "Tokelau" in page and "PRI" in page and "Associate Member" in page
    assert "Nigeria" not in page


def test_the_trainee_lists_country_filter_offers_only_countries_trainees_come_from(reference_countries, superuser,
                                                                                   client):
    nigeria, ghana, laos = (Country.objects.get(code=code) for code in ("NG", "GH", "LA"))
    TraineeFactory(country=nigeria)
    TraineeFactory(country=ghana)
    client.force_login(superuser)
    page = client.get("/admin/trainees/trainee/").content.decode()
    assert f"country__id__exact={nigeria.pk}" in page and f"country__id__exact={ghana.pk}" in page
    assert f"country__id__exact={laos.pk}" not in page


def test_the_income_classification_in_force_is_shown_and_cannot_be_edited(reference_countries, superuser, client):
    client.force_login(superuser)
    classification = IncomeClassification.objects.latest()
    page = client.get("/admin/trainees/incomeclassification/").content.decode()
    assert "2026" in page and "fixtures/countries.csv" in page
    assert client.get("/admin/trainees/incomeclassification/add/").status_code == 403
    client.post(f"/admin/trainees/incomeclassification/{classification.pk}/change/", {"fiscal_year": "2030"})
    classification.refresh_from_db()
    assert classification.fiscal_year == 2026
