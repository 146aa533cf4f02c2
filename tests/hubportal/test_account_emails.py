"""allauth's emails (password reset, verifying an address) leave through the outbox with a text and an
HTML part, in the language of the page that asked for them."""

import pytest

from hubportal.outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "words"), [("en", "password reset"), ("fr", "mot de passe"),
                                                  ("es", "contraseña"), ("pt", "senha"), ("ko", "암호")])
def test_a_password_reset_email_has_text_and_html_in_the_readers_language(client, trainee_user, language, words):
    client.post("/accounts/password/reset/", {"email": trainee_user.email}, HTTP_ACCEPT_LANGUAGE=language)

    email = OutboundEmail.objects.get(to=[trainee_user.email])
    assert "/accounts/password/reset/key/" in email.body and "/accounts/password/reset/key/" in email.html_body
    assert f'<html lang="{language}">' in email.html_body
    assert words in email.body.lower() and words in email.html_body.lower()
