from allauth.account import forms as allauth_forms
from allauth.mfa.adapter import get_adapter as mfa_adapter
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from .models import User


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


# Records outside the accounts app that hold a person's address, by model label (this shared app imports
# no app), with the field that links each to its login: a trainee record's address is its trainee's.
EMAIL_HOLDERS = {"trainees.Trainee": "user"}


def email_held_elsewhere(email: str, user) -> bool:
    """Whether another account, or a record of someone else, holds the address (ignoring case)."""
    from allauth.account.models import EmailAddress
    from django.apps import apps

    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        return True
    if EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists():
        return True
    for label, login_field in EMAIL_HOLDERS.items():
        try:
            model = apps.get_model(label)
        except LookupError:  # an app that is not installed holds nothing
            continue
        if model._default_manager.filter(email__iexact=email).exclude(**{login_field: user}).exists():
            return True
    return False


class AddEmailForm(allauth_forms.AddEmailForm):
    """allauth's form to add (with ACCOUNT_CHANGE_EMAIL: change to) an address, which refuses one that
    another account or trainee holds: it would become their login once verified, or clash with theirs.

    The refusal tells a signed-in user that the address is someone's; so does any unique address.
    """

    def clean_email(self):
        email = super().clean_email()
        if email_held_elsewhere(email, self.user):
            raise forms.ValidationError(_("This email address belongs to another account."), code="email_taken")
        return email


# --- Security keys and passkeys: allauth's forms, a malformed credential refused as a wrong one ----------
# allauth checks a posted WebAuthn credential's shape with fido2, whose parser answers a JSON object that
# lacks a member ({"id": 1}: no "rawId") with a KeyError that allauth lets through: a 500, on the passkey
# sign-in even to anyone who posts. settings.MFA_FORMS names these instead of allauth's own.

def _refused_as_wrong(clean):
    try:
        return clean()
    except (KeyError, TypeError, ValueError) as error:
        raise mfa_adapter().validation_error("incorrect_code") from error


class AuthenticateWebAuthnForm(webauthn_forms.AuthenticateWebAuthnForm):
    def clean_credential(self):
        return _refused_as_wrong(super().clean_credential)


class LoginWebAuthnForm(webauthn_forms.LoginWebAuthnForm):
    def clean_credential(self):
        return _refused_as_wrong(super().clean_credential)


class ReauthenticateWebAuthnForm(webauthn_forms.ReauthenticateWebAuthnForm):
    def clean_credential(self):
        return _refused_as_wrong(super().clean_credential)


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    def clean(self):
        return _refused_as_wrong(super().clean)
