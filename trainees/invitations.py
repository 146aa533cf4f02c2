"""Trainees come to the portal by invitation: an email, in their language, with a one-time link to a page
that sets their password and verifies their address in one step. Nobody signs up on their own.

The link carries the account's id and a fingerprint of its state (password, last sign-in), signed and
dated: it stops working after INVITATION_VALID_DAYS, and once used (the password it set changes the
fingerprint), and each says which.
"""

import hashlib
from dataclasses import dataclass, field
from enum import Enum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hubportal import access
from hubportal.audit.services import audit_record
from hubportal.outbox.services import email_queue
from hubportal.users.roles import Role, roles_sync
from hubportal.users.services import login_address_set

from .models import Trainee

_SALT = "hubportal.trainees.invitation"


class InvitationProblem(Enum):
    INVALID = "invalid"  # not a link we made, or mangled in transit
    EXPIRED = "expired"
    USED = "used"  # the password was set with it already (or the account changed since)


def _fingerprint(user) -> str:
    state = f"{user.pk}:{user.password}:{user.last_login and user.last_login.replace(microsecond=0)}:{user.is_active}"
    return hashlib.sha256(state.encode()).hexdigest()[:20]


def invitation_key(user) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=_SALT, compress=True)


def invitation_url(user) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("portal_invitation", args=[invitation_key(user)])


def invitation_user(key: str):
    """The account an invitation link is for, or the problem with the link."""
    max_age = settings.INVITATION_VALID_DAYS * 24 * 3600
    try:
        data = signing.loads(key, salt=_SALT, max_age=max_age)
    except signing.SignatureExpired:
        return None, InvitationProblem.EXPIRED
    except signing.BadSignature:
        return None, InvitationProblem.INVALID
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    if user is None or not user.is_active:
        return None, InvitationProblem.INVALID
    if user.has_usable_password() or _fingerprint(user) != data.get("f"):
        return None, InvitationProblem.USED
    return user, None


@dataclass
class Invitations:
    invited: list[Trainee] = field(default_factory=list)
    had_account: list[Trainee] = field(default_factory=list)  # they sign in already
    already_invited: list[Trainee] = field(default_factory=list)  # waiting for them to follow the link
    no_email: list[Trainee] = field(default_factory=list)  # anonymised, or no address on record

    def summary(self) -> str:
        return _("Invited %(invited)d; already had an account %(had)d; invited before and not resent %(before)d; "
                 "no email address %(none)d.") % {
            "invited": len(self.invited), "had": len(self.had_account), "before": len(self.already_invited),
            "none": len(self.no_email)}


def _has_email(trainee: Trainee) -> bool:
    return bool(trainee.email) and not trainee.is_anonymised and not trainee.email.endswith(".invalid")


def _send(trainee: Trainee, user) -> None:
    with translation.override(trainee.preferred_language):
        context = {"trainee": trainee, "url": invitation_url(user), "days": settings.INVITATION_VALID_DAYS,
                   "portal_url": settings.PORTAL_BASE_URL.rstrip("/") + "/"}
        email_queue(
            to=[trainee.email],
            subject=_("Your access to HubPortal, the Global Training Hub's portal"),
            body=render_to_string("trainees/email/invitation.txt", context),
            html_body=render_to_string("trainees/email/invitation.html", context),
        )


@transaction.atomic
def trainees_invite(*, actor, trainees, resend: bool = False) -> Invitations:
    """Invite each trainee without a working account: create their login (no password yet; the
    email address is theirs on record) and queue, in their language, an email with a one-time link
    valid INVITATION_VALID_DAYS days. Trainees who sign in already are left alone; those invited
    before and not yet arrived get a new link only with `resend`. Audited once for the batch.

    Raises PermissionDenied unless the actor may change every one of them (hub staff: all; a
    coordinator: the trainees of their sessions).
    """
    trainees = list(trainees)
    for trainee in trainees:
        access.require(actor, access.Action.CHANGE, trainee)
    User = get_user_model()
    group = None
    result = Invitations()
    for trainee in Trainee.objects.select_related("user", "country").filter(pk__in=[t.pk for t in trainees]):
        if not _has_email(trainee):
            result.no_email.append(trainee)
            continue
        user = trainee.user
        if user is not None and (user.has_usable_password() or user.last_login):
            result.had_account.append(trainee)
            continue
        if user is not None and not resend:
            result.already_invited.append(trainee)
            continue
        if user is None:
            user = User.objects.filter(email__iexact=trainee.email).first()
            if user is not None and user.has_usable_password():  # an account of theirs, not yet linked
                result.had_account.append(trainee)
                continue
            if user is None:
                user = User.objects.create_user(email=trainee.email, password=None, name=trainee.full_name)
            group = group or roles_sync()[Role.TRAINEES]
            user.groups.add(group)
            Trainee.objects.filter(pk=trainee.pk).update(user=user, updated_at=timezone.now())
            trainee.user = user
        login_address_set(user=user, email=user.email)
        _send(trainee, user)
        result.invited.append(trainee)
    if result.invited:
        audit_record(actor=actor, action="trainees.invite", target=None, resend=resend,
                     trainees=[t.pk for t in result.invited])
    return result


@transaction.atomic
def invitation_accept(*, user, password: str):
    """Set the invited account's password and mark its address verified and primary (the link reached
    its inbox). The caller signs them in. Raises ValidationError for a password the validators refuse."""
    from django.contrib.auth.password_validation import validate_password

    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    login_address_set(user=user, email=user.email, verified=True)
    audit_record(actor=user, action="trainee.invitation_accept", target=getattr(user, "trainee", None) or user)
    return user
