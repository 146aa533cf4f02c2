"""A database that loaded the 26-country fixture of 2022 migrates to the reference countries losing nothing."""

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from trainees.reference import read_countries_csv

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("trainees", "0002_initial")]
# fixtures/countries.json as it was (pk, code, name, region, income group), Korea the host.
OLD_FIXTURE = [
    (1, "AR", "Argentina", "AMRO", "upper_middle"), (2, "BD", "Bangladesh", "SEARO", "lower_middle"),
    (3, "BW", "Botswana", "AFRO", "upper_middle"), (4, "BR", "Brazil", "AMRO", "upper_middle"),
    (5, "CL", "Chile", "AMRO", "high"), (6, "CM", "Cameroon", "AFRO", "lower_middle"),
    (7, "EG", "Egypt", "EMRO", "lower_middle"), (8, "ET", "Ethiopia", "AFRO", "low"),
    (9, "SV", "El Salvador", "AMRO", "upper_middle"), (10, "GH", "Ghana", "AFRO", "lower_middle"),
    (11, "KE", "Kenya", "AFRO", "lower_middle"), (12, "KR", "Korea (Republic of)", "WPRO", "high"),
    (13, "MY", "Malaysia", "WPRO", "upper_middle"), (14, "MA", "Morocco", "EMRO", "lower_middle"),
    (15, "NG", "Nigeria", "AFRO", "lower_middle"), (16, "NP", "Nepal", "SEARO", "lower_middle"),
    (17, "PA", "Panama", "AMRO", "high"), (18, "RW", "Rwanda", "AFRO", "low"),
    (19, "ZA", "South Africa", "AFRO", "upper_middle"), (20, "SN", "Senegal", "AFRO", "lower_middle"),
    (21, "TZ", "Tanzania", "AFRO", "lower_middle"), (22, "TH", "Thailand", "SEARO", "upper_middle"),
    (23, "TN", "Tunisia", "EMRO", "lower_middle"), (24, "UG", "Uganda", "AFRO", "low"),
    (25, "UY", "Uruguay", "AMRO", "high"), (26, "VN", "Vietnam", "WPRO", "lower_middle"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_database():
    """The schema before the reference countries, holding what loaddata of the old fixture left:
    rows with ids 1..26 (and the id sequence moved past them), a trainee and an organisation."""
    old_apps = migrate(BEFORE)
    try:
        Country = old_apps.get_model("trainees", "Country")
        Country.objects.all().delete()
        for pk, code, name, region, income in OLD_FIXTURE:
            Country.objects.create(pk=pk, code=code, name=name, who_region=region, income_group=income,
                                   is_host=code == "KR")
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Country]):
                cursor.execute(sql)
        nigeria, korea = Country.objects.get(code="NG"), Country.objects.get(code="KR")
        organisation = old_apps.get_model("trainees", "Organisation").objects.create(
            name="National Agency for Food and Drug Administration and Control", country=nigeria,
            kind="regulatory_authority")
        Trainee = old_apps.get_model("trainees", "Trainee")
        Trainee.objects.create(given_name="Chinedu", family_name="Okafor", email="chinedu@nafdac.test",
                               country=nigeria, organisation=organisation, category="lmic_government")
        Trainee.objects.create(given_name="Min-jun", family_name="Kim", email="minjun@skbio.test",
                               country=korea, category="korea_industry")
        yield
    finally:
        migrate(latest())


def test_the_old_26_countries_keep_their_ids_and_trainees_and_the_others_are_added(old_database):
    new_apps = migrate(latest())
    Country = new_apps.get_model("trainees", "Country")
    Trainee = new_apps.get_model("trainees", "Trainee")
    reference = read_countries_csv()

    assert Country.objects.count() == len(reference.rows)  # no country lost or twice
    assert Country.objects.values("code").distinct().count() == len(reference.rows)
    by_pk = {pk: (str(code), name, region) for pk, code, name, region in
             Country.objects.filter(pk__lte=26).values_list("pk", "code", "name", "who_region")}
    assert {pk: code for pk, (code, _name, _region) in by_pk.items()} == {pk: code for pk, code, *_ in OLD_FIXTURE}
    old_to_new = {"AFRO": "AFR", "AMRO": "AMR", "SEARO": "SEAR", "EURO": "EUR", "EMRO": "EMR", "WPRO": "WPR"}
    assert {pk: region for pk, (_code, _name, region) in by_pk.items()} == {
        pk: old_to_new[region] for pk, _code, _name, region, _income in OLD_FIXTURE}
    assert by_pk[12] == ("KR", "South Korea", "WPR")  # the English name django-countries gives
    assert list(Country.objects.filter(is_host=True).values_list("pk", flat=True)) == [12]
    assert not Country.objects.filter(alpha3="").exists()

    chinedu = Trainee.objects.get(email="chinedu@nafdac.test")
    assert (chinedu.country_id, str(chinedu.country.code), chinedu.country.alpha3) == (15, "NG", "NGA")
    assert chinedu.organisation.country_id == 15
    assert Trainee.objects.get(email="minjun@skbio.test").country_id == 12
    fiscal_years = new_apps.get_model("trainees", "IncomeClassification").objects.values_list("fiscal_year", flat=True)
    assert list(fiscal_years) == [reference.fiscal_year]
