"""Dates as the hub prints them, on certificates, reports and pages."""

from django.utils import formats


def date_range(start, end) -> str:
    """The days of a course as printed: 18 – 29 July 2022; 27 June – 8 July 2022;
    28 December 2022 – 6 January 2023 (month names in the active language)."""
    if start == end:
        return formats.date_format(start, "j F Y")
    if start.year != end.year:
        first = formats.date_format(start, "j F Y")
    elif start.month != end.month:
        first = formats.date_format(start, "j F")
    else:
        first = formats.date_format(start, "j")
    return f"{first} – {formats.date_format(end, 'j F Y')}"
