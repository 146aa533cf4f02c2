"""The admin action that invites trainees to the trainee site (trainees.invitations), on the trainee list
and, through cohorts, on a session's enrolments."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .invitations import trainees_invite
from .models import Trainee


def invite_action(trainees_of: Callable[[QuerySet], QuerySet[Trainee]], *, resend: bool = False):
    """An admin action inviting the trainees of the chosen rows (trainees_of maps the rows to them)."""

    def action(modeladmin, request, queryset):
        try:
            result = trainees_invite(actor=request.user, trainees=trainees_of(queryset), resend=resend)
        except PermissionDenied:
            modeladmin.message_user(request, _("You may not invite some of these trainees."), messages.ERROR)
            return
        level = messages.SUCCESS if result.invited else messages.WARNING
        modeladmin.message_user(request, result.summary(), level)

    action.__name__ = "invite_to_portal_again" if resend else "invite_to_portal"
    description = (_("Send a new invitation to the trainee site (those not arrived yet)") if resend
                   else _("Invite to the trainee site (those without an account)"))
    return admin.action(description=description, permissions=["change"])(action)
