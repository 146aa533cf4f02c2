"""Every ISO 3166-1 country from fixtures/countries.csv, so that a database is complete from migrate alone.

A database that loaded the 26-country fixture of 2022 keeps those rows (their ids, and so their
trainees' and organisations' links), updated in place by ISO code; the others are created.
"""

from django.db import migrations
from django_countries import countries as iso_countries

from trainees.reference import OLD_REGIONS, reference_countries_load


def load(apps, schema_editor):
    Country = apps.get_model("trainees", "Country")
    for old, new in OLD_REGIONS.items():
        Country.objects.filter(who_region=old).update(who_region=new)
    reference_countries_load(Country, apps.get_model("trainees", "IncomeClassification"))
    # A row the CSV does not list (a code added by hand) still needs a unique alpha-3 for 0005;
    # no ISO alpha-3 code has two letters, so its own code cannot collide.
    for country in Country.objects.filter(alpha3=""):
        country.alpha3 = iso_countries.alpha3(str(country.code)) or str(country.code)
        country.save(update_fields=["alpha3"])


def unload(apps, schema_editor):
    """Back to the old region codes; the countries stay, since trainees may point at any of them."""
    Country = apps.get_model("trainees", "Country")
    for old, new in OLD_REGIONS.items():
        Country.objects.filter(who_region=new).update(who_region=old)


class Migration(migrations.Migration):

    dependencies = [
        ('trainees', '0003_country_reference_fields'),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
