"""Recognising a country the way coordinators write it: ISO codes, English names, common variants."""

import unicodedata

from django.utils.translation import gettext as _
from django_countries import countries as iso_countries

from hubportal.tabular import normalise_header

from .models import Country

# Names that official lists spell otherwise, as they arrive in nomination lists. ISO alpha-2 and
# alpha-3 codes and the ISO English short names are recognised without being listed here.
ALTERNATIVE_NAMES: dict[str, tuple[str, ...]] = {
    "KR": ("Korea, Republic of", "Republic of Korea", "South Korea", "Korea", "Korea (Republic of)",
           "Korea, Rep.", "Rep. of Korea", "ROK", "대한민국", "한국"),
    "VN": ("Viet Nam", "Vietnam", "Việt Nam", "Socialist Republic of Viet Nam"),
    "TZ": ("Tanzania, United Republic of", "United Republic of Tanzania", "Tanzania"),
    "EG": ("Egypt, Arab Rep.", "Arab Republic of Egypt"),
    "CI": ("Côte d'Ivoire", "Cote d'Ivoire", "Ivory Coast"),
    "CD": ("Congo, Democratic Republic of the", "Democratic Republic of the Congo", "DR Congo", "DRC",
           "Congo, Dem. Rep."),
    "CG": ("Republic of the Congo", "Congo, Rep.", "Congo-Brazzaville"),
    "LA": ("Lao PDR", "Laos", "Lao People's Democratic Republic"),
    "IR": ("Iran", "Iran, Islamic Republic of", "Iran, Islamic Rep."),
    "BO": ("Bolivia", "Bolivia, Plurinational State of"),
    "VE": ("Venezuela", "Venezuela, RB"),
    "SY": ("Syria", "Syrian Arab Republic"),
    "MD": ("Moldova", "Republic of Moldova"),
    "FM": ("Micronesia", "Micronesia, Fed. Sts."),
    "PS": ("Palestine", "State of Palestine", "West Bank and Gaza"),
    "TR": ("Turkey", "Türkiye", "Turkiye"),
    "SZ": ("Eswatini", "Swaziland"),
    "CV": ("Cabo Verde", "Cape Verde"),
    "GM": ("Gambia", "The Gambia", "Gambia, The"),
    "MK": ("North Macedonia", "Macedonia"),
    "RU": ("Russia", "Russian Federation"),
    "US": ("USA", "United States", "United States of America"),
    "GB": ("UK", "United Kingdom", "Great Britain"),
    "CZ": ("Czechia", "Czech Republic"),
    "KG": ("Kyrgyzstan", "Kyrgyz Republic"),
    "SK": ("Slovakia", "Slovak Republic"),
}


def _key(text: str) -> str:
    # Accents off (so "Việt Nam" is "Viet Nam"), Hangul kept: NFKD splits both, NFC rebuilds Hangul.
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return normalise_header(unicodedata.normalize("NFC", stripped))


def _all_spellings() -> dict[str, str]:
    """Every recognised spelling (as a key) to its ISO alpha-2 code."""
    spellings: dict[str, str] = {}
    for code, name in iso_countries:
        spellings[_key(code)] = code
        if alpha3 := iso_countries.alpha3(code):
            spellings[_key(alpha3)] = code
        spellings[_key(name)] = code
    for code, names in ALTERNATIVE_NAMES.items():
        for name in names:
            spellings[_key(name)] = code
    return spellings


class CountryResolver:
    """Looks up the hub's countries (every ISO 3166-1 country) by any spelling; build one per import (one query)."""

    def __init__(self):
        self.by_code = {str(c.code): c for c in Country.objects.all()}
        self.spellings = _all_spellings()
        for country in self.by_code.values():
            self.spellings[_key(country.name)] = str(country.code)

    def resolve(self, text: str) -> tuple[Country | None, str]:
        """The country, or None with the reason in words."""
        code = self.spellings.get(_key(text))
        if code is None:
            return None, _("“%(text)s” is not a country we recognise (use an ISO code such as KR or KOR, or the "
                           "English name).") % {"text": text}
        country = self.by_code.get(code)
        if country is None:
            # Every ISO country is loaded by migration; only a row deleted by hand is missing.
            return None, _("%(name)s (%(code)s) is missing from the hub's list of countries; hub staff can add it "
                           "again in the admin.") % {"name": iso_countries.name(code), "code": code}
        return country, ""
