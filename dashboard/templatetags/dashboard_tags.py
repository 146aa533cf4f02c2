from django import template

from hubportal import access

register = template.Library()


@register.filter
def sees_dashboard(user) -> bool:
    """Whether the user has a dashboard (hub staff, coordinators): the admin links to it for them only."""
    return access.is_hub_staff(user) or access.is_coordinator(user)
