"""Accounts: granting and revoking a coordinator's sessions."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from hubportal import access
from hubportal.audit.services import audit_record, recorded_user

from .models import SessionAssignment
from .roles import Role, roles_sync


def login_address_set(*, user, email: str, verified: bool | None = None) -> None:
    """Make `email` the account's login: the user's email, and allauth's primary address (its other
    addresses stop being primary). `verified`: True once a link sent to it was followed; None leaves
    the address as it was."""
    from allauth.account.models import EmailAddress

    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    defaults = {"email": email, "primary": True}
    if verified is not None:
        defaults["verified"] = verified
    EmailAddress.objects.update_or_create(user=user, email__iexact=email, defaults=defaults)


def set_password_url(user) -> str:
    """A one-time link to the page that sets the account's password (allauth's reset-from-key page)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("account_reset_password_from_key", kwargs={
        "uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)})


def _invite(user, session) -> None:
    from hubportal.outbox.services import email_queue

    email_queue(
        to=[user.email],
        subject=_("You coordinate %(session)s on HubPortal") % {"session": session.code},
        body=render_to_string("account/email/coordinator_invitation.txt", {
            "session": session, "set_password_url": set_password_url(user),
            "admin_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("admin:index"),
        }),
    )


@transaction.atomic
def coordinator_grant(*, actor, email: str, session) -> tuple[SessionAssignment, bool]:
    """Make `email` a coordinator of `session`, creating the account if there is none (it gets an
    email with a link to set its password). Returns the assignment and whether the account is new.

    Raises PermissionDenied unless the actor is hub staff, ValidationError for an invalid address
    or an account that is hub staff already (they see every session).
    """
    if not access.is_hub_staff(actor):
        raise PermissionDenied
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not a valid email address.") % {"email": email}) from None
    User = get_user_model()
    groups = roles_sync()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=None, is_staff=True)
    elif access.is_hub_staff(user):
        raise ValidationError(_("%(email)s is hub staff and sees every session already.") % {"email": user.email})
    elif not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(groups[Role.COORDINATORS])
    assignment, new = SessionAssignment.objects.get_or_create(
        user=user, session=session, defaults={"granted_by": recorded_user(actor)})
    if new:
        audit_record(actor=actor, action="coordinator.grant", target=assignment, email=user.email,
                     session=session.code, account_created=created)
    if created:
        _invite(user, session)
    access.forget(user)
    return assignment, created


@transaction.atomic
def coordinator_revoke(*, actor, email: str, session) -> bool:
    """Take `session` from the coordinator `email`; True if they had it. The account stays (with its
    other sessions, or none). Raises PermissionDenied unless the actor is hub staff."""
    if not access.is_hub_staff(actor):
        raise PermissionDenied
    assignment = SessionAssignment.objects.filter(user__email__iexact=(email or "").strip(), session=session).first()
    if assignment is None:
        return False
    audit_record(actor=actor, action="coordinator.revoke", target=assignment, email=assignment.user.email,
                 session=session.code)
    assignment.delete()
    access.forget(assignment.user)
    return True
