"""The portal in its five languages (English, Korean, French, Spanish, Portuguese): every catalogue
complete and compiled, the language a browser asks for, and files exported in one language that
import in any other."""

import subprocess

import pytest
from django.conf import settings
from django.utils import translation

from cohorts.imports import ENROLMENT_COLUMNS, NOMINATOR_SPELLINGS, STATUS_SPELLINGS
from cohorts.models import EnrolmentStatus, NominatingBody
from hubportal.importing import match_columns
from trainees.imports import CATEGORY_SPELLINGS, TRAINEE_COLUMNS
from trainees.models import TraineeCategory
from trainees.resources import TraineeExportResource

pytestmark = pytest.mark.django_db

TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]


def test_the_portal_offers_five_languages():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "ko", "fr", "es", "pt"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_the_compiled_catalogue_is_current(language, tmp_path):
    catalogue = settings.BASE_DIR / "locale" / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", str(compiled), catalogue / "django.po"],
                            capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    assert compiled.read_bytes() == (catalogue / "django.mo").read_bytes(), "run make messages"


@pytest.mark.parametrize(("accept", "lang", "sign_in"), [
    ("fr-FR,fr;q=0.9", "fr", "Se connecter"), ("es-419,es;q=0.9", "es", "Iniciar sesión"),
    ("pt-BR,pt;q=0.9", "pt", "Entrar"), ("ko-KR,ko;q=0.9", "ko", "로그인"), ("en-GB,en;q=0.9", "en", "Sign in"),
])
def test_the_sign_in_page_speaks_the_browsers_language(client, accept, lang, sign_in):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()

    assert f'<html lang="{lang}"' in page
    assert f"<title>{sign_in} · HubPortal</title>" in page


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_admin_speaks_each_language(staff_client, language):
    english = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'<html lang="{language}"' in page
    assert "Course sessions" in english and "Course sessions" not in page
    with translation.override(language):
        assert str(translation.gettext("Course sessions")) in page


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_trainee_file_exported_in_any_language_imports_in_english(language):
    with translation.override(language):
        headers = [str(field.column_name) for field in TraineeExportResource(actor=None).get_export_fields()]
    with translation.override("en"):
        positions, problems = match_columns(headers, TRAINEE_COLUMNS)

    assert problems == []
    assert {"email", "given_name", "family_name", "country", "category"} <= set(positions)


@pytest.mark.parametrize("language", TRANSLATED)
def test_choices_written_in_any_language_are_read_back(language):
    with translation.override(language):
        confirmed = str(EnrolmentStatus.CONFIRMED.label)
        who = str(NominatingBody.NATIONAL_AUTHORITY.label)
        category = str(TraineeCategory.LMIC_GOVERNMENT.label)
    with translation.override("en"):
        assert STATUS_SPELLINGS.get(confirmed) == EnrolmentStatus.CONFIRMED
        assert NOMINATOR_SPELLINGS.get(who) == NominatingBody.NATIONAL_AUTHORITY
        assert CATEGORY_SPELLINGS.get(category) == TraineeCategory.LMIC_GOVERNMENT
        positions, problems = match_columns(["Email", "Status"], ENROLMENT_COLUMNS)
        assert problems == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_allauths_own_pages_speak_each_language_too(client, language):
    """Password reset, email addresses, second factors: allauth's templates, in the portal's languages
    (its Portuguese is pt_BR, which the portal carries as pt: locale/vendor/allauth)."""
    with translation.override(language):
        title = translation.gettext("Password Reset")
    page = client.get("/accounts/password/reset/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert title != "Password Reset"
    assert title in page
