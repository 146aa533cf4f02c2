"""Signing in by email address."""

from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress


class LoginAddressBackend(AuthenticationBackend):
    """allauth's backend, which signs in by any address an account has added, verified or not: here
    only by the account's login (its primary address) or an address it has verified. An address
    nobody has shown to be theirs never opens an account."""

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        login = (credentials.get("email") or credentials.get("username") or "").strip()
        if user is None or not login or user.email.lower() == login.lower():
            return user
        if EmailAddress.objects.filter(user=user, email__iexact=login, verified=True).exists():
            return user
        return None
