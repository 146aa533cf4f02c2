from functools import cache

import factory
from factory.django import DjangoModelFactory

from trainees.models import Country, Organisation, OrganisationKind, Trainee, TraineeCategory
from trainees.reference import HOST, english_name, read_countries_csv


@cache
def reference(code: str):
    """The row of fixtures/countries.csv, as the migration loaded it."""
    return {row.alpha2: row for row in read_countries_csv().rows}[code]


class CountryFactory(DjangoModelFactory):
    """The reference country of that code: the migrated row, or (in a table a transactional test
    emptied) a new one with the reference values."""

    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = "GH"
    alpha3 = factory.LazyAttribute(lambda o: reference(o.code).alpha3)
    name = factory.LazyAttribute(lambda o: english_name(o.code))
    who_membership = factory.LazyAttribute(lambda o: reference(o.code).who_membership)
    who_region = factory.LazyAttribute(lambda o: reference(o.code).who_region)
    income_group = factory.LazyAttribute(lambda o: reference(o.code).income_group)
    is_host = factory.LazyAttribute(lambda o: o.code == HOST)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Vaccine Institute {n}")
    country = factory.SubFactory(CountryFactory)
    kind = OrganisationKind.VACCINE_MANUFACTURER


class TraineeFactory(DjangoModelFactory):
    class Meta:
        model = Trainee

    given_name = factory.Sequence(lambda n: f"Ama{n}")
    family_name = "Mensah"
    email = factory.Sequence(lambda n: f"trainee{n}@hub.test")
    country = factory.SubFactory(CountryFactory)
    organisation = factory.SubFactory(OrganisationFactory, country=factory.SelfAttribute("..country"))
    job_title = "QC Analyst"
    category = TraineeCategory.LMIC_PRODUCTION
