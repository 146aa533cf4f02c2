from django import template
from django.contrib.admin.utils import quote
from django.urls import reverse

from hubportal import access
from hubportal.access import Action

register = template.Library()


@register.simple_tag
def personal_data_url(user, trainee) -> str:
    """The admin's download of the trainee's personal data, for those who may take it; "" otherwise."""
    if not access.can(user, Action.EXPORT_PERSONAL_DATA, trainee):
        return ""
    return reverse("admin:trainees_trainee_personal_data", args=[quote(trainee.pk)])
