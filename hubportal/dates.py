"""Dates as the hub prints them, on certificates, reports and pages."""

from django.utils import formats, translation


def date_range(start, end) -> str:
    """The days of a course as printed: 18 – 29 July 2022; 27 June – 8 July 2022;
    28 December 2022 – 6 January 2023. In another language than English, both days in full in
    that language's date format (Korean: 2022년 7월 18일 – 2022년 7월 29일)."""
    if not (translation.get_language() or "en").startswith("en"):
        first, last = formats.date_format(start), formats.date_format(end)
        return first if start == end else f"{first} – {last}"
    if start == end:
        return formats.date_format(start, "j F Y")
    if start.year != end.year:
        first = formats.date_format(start, "j F Y")
    elif start.month != end.month:
        first = formats.date_format(start, "j F")
    else:
        first = formats.date_format(start, "j")
    return f"{first} – {formats.date_format(end, 'j F Y')}"
