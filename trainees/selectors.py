"""Reads of trainees for pages, lists and exports, scoped to who asks."""

from django.db.models import QuerySet

from hubportal import access

from .models import Trainee


def trainee_list(*, actor) -> QuerySet[Trainee]:
    """The trainees the actor may see (hub staff: all; a coordinator: those enrolled in their
    sessions; a trainee: themselves), with country, organisation and login joined."""
    return access.visible(actor, Trainee.objects.select_related("country", "organisation", "user"))
