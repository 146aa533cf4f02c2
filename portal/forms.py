from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from trainees.models import Trainee
from trainees.services import PROFILE_FIELDS


@cache
def _zones() -> list[tuple[str, str]]:
    """The IANA zones of places (Africa/Accra), without the aliases kept for old systems."""
    return [(zone, zone.replace("_", " ")) for zone in sorted(available_timezones())
            if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))]


def language_choices() -> list[tuple[str, str]]:
    """The portal's languages, each named in itself (Français, 한국어), as a reader looks for theirs."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class LongSelect(forms.Select):
    """A select of hundreds of options (the time zones) written out directly: Django renders each option
    through a template, which made the profile page four times slower than the others."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((key, mark_safe(" selected") if str(key) == str(value or "") else "", label)
             for key, label in self.choices))
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class ProfileForm(forms.ModelForm):
    """What a trainee corrects themselves. Names as in the passport, the email, the country and the
    organisation stay with the hub's staff."""

    class Meta:
        model = Trainee
        fields = PROFILE_FIELDS
        widgets = {
            "dietary_needs": forms.Textarea(attrs={"rows": 2}),
            "accessibility_needs": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        country_zone = self.instance.country.default_time_zone if self.instance.country_id else ""
        self.fields["time_zone"] = forms.ChoiceField(
            label=self.fields["time_zone"].label, required=False, help_text=self.fields["time_zone"].help_text,
            choices=[("", _("As my country (%(zone)s)") % {"zone": country_zone.replace("_", " ")})]
            + _zones(), widget=LongSelect)
        self.fields["language"] = forms.ChoiceField(
            label=self.fields["language"].label, required=False,
            choices=[("", _("As my browser asks"))] + language_choices())
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
