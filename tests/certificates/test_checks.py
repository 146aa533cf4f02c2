"""The portal's address, which every certificate prints in its QR code, is checked before it is used; and
whether certificates are rendered the fast way."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


@pytest.mark.parametrize("url", ["hub.example.org", "ftp://hub.example.org", "https://", "https://hub.example.org/?x=1"])
def test_a_portal_address_that_is_not_a_web_address_stops_the_check(settings, url):
    settings.PORTAL_BASE_URL = url

    with pytest.raises(SystemCheckError) as error:
        call_command("check")

    assert "certificates.E001" in str(error.value) and repr(url) in str(error.value)


@pytest.mark.parametrize("url", ["https://hub.example.org", "http://hub.example.org:8000/portal/"])
def test_a_public_address_passes_the_deploy_check(settings, url, capsys):
    settings.PORTAL_BASE_URL = url

    call_command("check", "--deploy", "--tag", "security")

    assert "certificates." not in capsys.readouterr().err


def test_the_deploy_check_warns_while_the_address_is_this_machine(settings, capsys):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"

    call_command("check", "--deploy", "--tag", "security")

    assert "certificates.W001" in capsys.readouterr().err


def test_the_check_is_silent_about_font_subsetting_with_the_weasyprint_it_was_checked_with(capsys):
    call_command("check")

    assert "certificates.W002" not in capsys.readouterr().err


def test_the_check_warns_that_certificates_render_slower_with_a_weasyprint_not_yet_checked(monkeypatch, capsys):
    monkeypatch.setattr("weasyprint.__version__", "71.0")

    call_command("check")

    warning = capsys.readouterr().err
    assert "certificates.W002" in warning and "WeasyPrint 71.0" in warning


def test_the_check_warns_and_the_app_runs_when_weasyprint_has_no_subsetting_method_to_stand_in_for(
    monkeypatch, capsys
):
    monkeypatch.setattr("certificates.fontsubset.STOCK", None)  # as imported from a release without it

    call_command("check")

    assert "certificates.W002" in capsys.readouterr().err
