"""The portal language a trainee most likely reads, from their country, until they choose one."""

# Official or working languages of the hub's trainee countries that the portal speaks besides English.
_FRENCH = {"BJ", "BF", "BI", "CD", "CF", "CG", "CI", "CM", "DJ", "DZ", "GA", "GN", "HT", "KM", "MA", "MG", "ML",
           "MR", "NE", "SN", "TD", "TG", "TN", "FR", "BE", "CH", "LU", "MC"}
_SPANISH = {"AR", "BO", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GQ", "GT", "HN", "MX", "NI", "PA", "PE", "PY",
            "SV", "UY", "VE", "PR"}
_PORTUGUESE = {"AO", "BR", "CV", "GW", "MZ", "PT", "ST", "TL"}


def country_language(code: str) -> str:
    """The portal language (en, ko, fr, es, pt) of a country, by ISO code: English where none of the others."""
    code = str(code).upper()
    if code == "KR":
        return "ko"
    if code in _FRENCH:
        return "fr"
    if code in _SPANISH:
        return "es"
    if code in _PORTUGUESE:
        return "pt"
    return "en"
