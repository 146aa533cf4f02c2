"""A trainee's timetable as an iCalendar file (RFC 5545): one event per slot and facility visit, each
with a UID that stays the same from one export to the next, so that a calendar re-importing the file
or polling the subscription updates its events instead of adding copies."""

from datetime import UTC, datetime

from django.utils import timezone
from icalendar import Calendar, Event

from trainees.models import Trainee

from .selectors import Occasion


def _event(occasion: Occasion, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", occasion.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", occasion.starts_at)
    event.add("dtend", occasion.ends_at)
    event.add("summary", f"{occasion.title} ({occasion.session.code})")
    if occasion.kind == "slot":
        event.add("location", occasion.room or occasion.session.venue)
        details = [line for line in (occasion.module, occasion.faculty) if line]
    else:
        event.add("location", occasion.meeting_point or occasion.title)
        details = []
        if occasion.meets_at:
            details.append(f"Meet at {occasion.meets_at:%H:%M} (KST), {occasion.meeting_point}".rstrip(", "))
    if details:
        event.add("description", "\n".join(details))
    return event


def calendar_file(trainee: Trainee, occasions: list[Occasion]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Global Training Hub for Biomanufacturing//HubPortal//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "HubPortal")
    calendar.add("x-wr-timezone", "Asia/Seoul")
    stamp = timezone.now().astimezone(UTC)
    for occasion in occasions:
        calendar.add_component(_event(occasion, stamp))
    if occasions:
        calendar.add_missing_timezones()
    return calendar.to_ical()
