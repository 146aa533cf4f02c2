import factory
from factory.django import DjangoModelFactory

from trainees.models import Country, IncomeGroup, Organisation, OrganisationKind, Trainee, TraineeCategory, WhoRegion


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = "GH"
    name = "Ghana"
    who_region = WhoRegion.AFRO
    income_group = IncomeGroup.LOWER_MIDDLE


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
