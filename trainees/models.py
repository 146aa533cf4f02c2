from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .languages import country_language
from .timezones import country_time_zone


class WhoRegion(models.TextChoices):
    AFR = "AFR", _("African Region")
    AMR = "AMR", _("Region of the Americas")
    SEAR = "SEAR", _("South-East Asia Region")
    EUR = "EUR", _("European Region")
    EMR = "EMR", _("Eastern Mediterranean Region")
    WPR = "WPR", _("Western Pacific Region")

    @classmethod
    def label_of(cls, value: str) -> str:
        """The region's name; a country outside WHO's membership has none."""
        return str(cls(value).label) if value else str(_("No WHO region"))


class WhoMembership(models.TextChoices):
    MEMBER = "member", _("Member State")
    ASSOCIATE = "associate", _("Associate Member")
    NONE = "", _("not a member")


class IncomeGroup(models.TextChoices):
    LOW = "low", _("Low income")
    LOWER_MIDDLE = "lower_middle", _("Lower-middle income")
    UPPER_MIDDLE = "upper_middle", _("Upper-middle income")
    HIGH = "high", _("High income")


class CountryManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Country(models.Model):
    """An ISO 3166-1 country or territory: reference data loaded by migration from fixtures/countries.csv."""

    code = CountryField(_("ISO 3166 code"), unique=True)
    alpha3 = models.CharField(_("ISO alpha-3 code"), max_length=3, unique=True)
    name = models.CharField(
        _("English name"), max_length=100, unique=True,
        help_text=_("As django-countries writes it in English; reports and exports print it."),
    )
    who_membership = models.CharField(
        _("WHO membership"), max_length=9, choices=WhoMembership.choices, blank=True
    )
    who_region = models.CharField(_("WHO region"), max_length=4, choices=WhoRegion.choices, blank=True)
    income_group = models.CharField(
        _("World Bank income group"), max_length=16, choices=IncomeGroup.choices, blank=True,
        help_text=_("Empty when the World Bank does not classify it."),
    )
    is_host = models.BooleanField(
        _("host country"), default=False, help_text=_("The country that hosts the hub (Korea).")
    )

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_host"],
                condition=models.Q(is_host=True),
                name="country_single_host",
                violation_error_message=_("Only one country can host the hub."),
            ),
        ]

    objects = CountryManager()

    def __str__(self):
        return str(self.code.name)

    def natural_key(self):
        return (self.code.code,)

    @property
    def default_time_zone(self) -> str:
        return country_time_zone(self.code)

    @property
    def is_who_member(self) -> bool:
        """A WHO Member State; associate members (Puerto Rico, Tokelau) are not."""
        return self.who_membership == WhoMembership.MEMBER


class IncomeClassification(models.Model):
    """A World Bank income classification applied to the countries; the latest is the one in force."""

    fiscal_year = models.PositiveSmallIntegerField(
        _("World Bank fiscal year"), unique=True,
        help_text=_("FY2026 runs from July 2025 to June 2026."),
    )
    applied_at = models.DateTimeField(_("applied"), auto_now=True)
    source = models.CharField(_("source file"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("income classification")
        verbose_name_plural = _("income classifications")
        ordering = ["-fiscal_year"]
        get_latest_by = "fiscal_year"

    def __str__(self):
        return _("World Bank FY%(year)s") % {"year": self.fiscal_year}


class OrganisationKind(models.TextChoices):
    VACCINE_MANUFACTURER = "vaccine_manufacturer", _("Vaccine manufacturer")
    MEDICINE_MANUFACTURER = "medicine_manufacturer", _("Medicine manufacturer")
    REGULATORY_AUTHORITY = "regulatory_authority", _("Regulatory authority")
    MINISTRY = "ministry", _("Ministry")
    PUBLIC_HEALTH_INSTITUTE = "public_health_institute", _("Public health institute")
    ACADEMIA = "academia", _("Academia")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="organisations"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "country",
                name="organisation_name_unique_per_country",
                violation_error_message=_("This country already has an organisation of that name."),
            ),
        ]

    def __str__(self):
        return self.name


class TraineeCategory(models.TextChoices):
    LMIC_PRODUCTION = "lmic_production", _("LMIC production staff")
    LMIC_GOVERNMENT = "lmic_government", _("LMIC government or public-institution staff")
    KOREA_INDUSTRY = "korea_industry", _("Korean industry staff")


class Trainee(models.Model):
    given_name = models.CharField(
        _("given name"), max_length=100, help_text=_("In Latin script, as on the passport.")
    )
    family_name = models.CharField(
        _("family name"), max_length=100, help_text=_("In Latin script, as on the passport.")
    )
    native_name = models.CharField(
        _("name in native script"),
        max_length=200,
        blank=True,
        help_text=_("The full name as written in the trainee's own script, if it is not Latin."),
    )
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="trainees"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="trainees",
        null=True,
        blank=True,
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=TraineeCategory.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainee",
    )
    # What the trainee corrects themselves on their profile page (trainee_profile_update).
    preferred_name = models.CharField(
        _("preferred name"), max_length=100, blank=True,
        help_text=_("The name to call the trainee by, if not their given name."),
    )
    dietary_needs = models.CharField(_("dietary needs"), max_length=500, blank=True)
    accessibility_needs = models.CharField(_("accessibility needs"), max_length=500, blank=True)
    emergency_contact = models.CharField(
        _("emergency contact"), max_length=300, blank=True, help_text=_("A name, how they are related, a phone number."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True,
        help_text=_("Times are shown in Korea's time and in this one; empty: the country's."),
    )
    language = models.CharField(_("language"), max_length=8, blank=True,
                                help_text=_("Of the portal and the emails; empty: as the browser asks."))
    # The key of the private calendar subscription (/calendar/<token>.ics); renewing it retires the old one.
    calendar_token = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    anonymised_at = models.DateTimeField(
        _("anonymised"), null=True, blank=True, editable=False,
        help_text=_("When the trainee's personal data was erased; country, category, enrolments and "
                    "attendance stay for the statistics."),
    )

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="trainee_email_unique_ignoring_case",
                violation_error_message=_("A trainee with this email address already exists."),
            ),
        ]
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        """The passport name, family name in capitals as printed on travel documents."""
        return f"{self.given_name} {self.family_name.upper()}"

    @property
    def called(self) -> str:
        """The name to greet them by."""
        return self.preferred_name or self.given_name

    @property
    def preferred_language(self) -> str:
        """The language of their pages and emails: theirs if they chose one, else their country's."""
        return self.language or country_language(self.country.code)

    @property
    def zone(self) -> ZoneInfo:
        """The trainee's own time zone: theirs if they chose one, else their country's."""
        name = self.time_zone or self.country.default_time_zone
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(settings.TIME_ZONE)

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def audit_subjects(self) -> dict:
        return {"trainee": self.pk}
