"""Each country's time zone, from the IANA database's zone.tab (shipped by the tzdata package)."""

from functools import cache
from importlib import resources


@cache
def _first_zone_by_country() -> dict[str, str]:
    """ISO code -> the first zone zone.tab lists for it: the most populous region's (America/New_York,
    Africa/Kinshasa for the DR Congo's west); a trainee elsewhere in a large country picks theirs."""
    zones: dict[str, str] = {}
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _coordinates, zone, *_comment = line.split("\t")
        zones.setdefault(code, zone)
    return zones


def country_time_zone(code: str) -> str:
    """The IANA time zone of a country (Africa/Accra for GH); Asia/Seoul for one zone.tab does not list."""
    return _first_zone_by_country().get(str(code).upper(), "Asia/Seoul")
