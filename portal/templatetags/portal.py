from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from ..selectors import HUB_ZONE

register = template.Library()


def _place(zone) -> str:
    return str(zone).split("/")[-1].replace("_", " ")


def _span(start, end, zone) -> str:
    start, end = start.astimezone(zone), end.astimezone(zone)
    text = f"{formats.time_format(start, 'TIME_FORMAT')}–{formats.time_format(end, 'TIME_FORMAT')}"
    if start.date() != end.date() or start.date() != start.astimezone(HUB_ZONE).date():
        text = f"{formats.date_format(start, 'MONTH_DAY_FORMAT')} {text}"
    return text


@register.simple_tag
def hub_and_own_time(start, end, zone) -> str:
    """'09:00–12:00 Korea (02:00–05:00 Accra)': the hub's time, and the trainee's when it differs."""
    hub = _("%(span)s Korea") % {"span": _span(start, end, HUB_ZONE)}
    if zone is None or start.astimezone(zone).utcoffset() == start.astimezone(HUB_ZONE).utcoffset():
        return hub
    return _("%(hub)s (%(span)s %(place)s)") % {"hub": hub, "span": _span(start, end, zone), "place": _place(zone)}


@register.simple_tag
def hub_time(moment) -> str:
    return formats.time_format(moment.astimezone(HUB_ZONE), "TIME_FORMAT")


@register.filter
def place(zone) -> str:
    return _place(zone)
