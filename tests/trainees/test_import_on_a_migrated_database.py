"""A database holding only what `migrate` loads takes nominations from any country: no demo seed needed."""

import pytest
from django.core.management import call_command

from trainees.models import Country, Organisation, Trainee, TraineeCategory
from trainees.reference import read_countries_csv

from ..importfiles import csv_bytes

pytestmark = pytest.mark.django_db


def test_nigerian_trainees_import_with_no_seed_and_nigeria_is_named_new_to_the_hub(reference_countries, tmp_path,
                                                                                    capsys):
    assert not Trainee.objects.exists() and not Organisation.objects.exists()
    path = tmp_path / "nigeria.csv"
    path.write_bytes(csv_bytes([
        ["Given name", "Family name", "Email", "Country", "Organisation", "Job title"],
        ["Chinedu", "Okafor", "chinedu.okafor@nafdac.test", "NG", "NAFDAC", "Regulatory Officer"],
        ["Ngozi", "Adeyemi", "ngozi.adeyemi@biovaccines.test", "Nigeria", "Biovaccines Nigeria", "QC Analyst"],
    ]))

    call_command("import_trainees", str(path))  # exits 1 (SystemExit) on any problem

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Countries new to the hub: Nigeria (NG)."
    assert out[-1] == "created 2, updated 0, unchanged 0, errors 0"
    assert set(Trainee.objects.values_list("country__code", "category")) == {("NG", TraineeCategory.LMIC_PRODUCTION)}
    assert Country.objects.count() == len(read_countries_csv().rows)  # the import adds no country
