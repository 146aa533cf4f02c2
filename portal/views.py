"""The trainee site. Each view checks who is asking, reads through portal.selectors (which go through the
access policy) and writes through the services; a page about something that is not the trainee's own
answers 404."""

import json

from allauth.account.forms import SetPasswordForm
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from hubportal import access
from trainees.invitations import invitation_accept, invitation_user
from trainees.models import Trainee
from trainees.privacy import trainee_export_data
from trainees.services import trainee_calendar_renew, trainee_profile_update

from . import selectors
from .calendar import calendar_file
from .forms import ProfileForm
from .middleware import remember_language


def _trainee_or_404(request) -> Trainee:
    trainee = selectors.trainee_of(request.user)
    if trainee is None:
        raise Http404
    return trainee


def _page(request, template: str, trainee: Trainee, **context):
    return render(request, template, {"trainee": trainee, "zone": trainee.zone, **context})


@never_cache
def home(request):
    """The start page. Hub staff and coordinators land on the dashboard, other staff-flagged accounts in
    the administration; trainees on their programme; anyone else on the hub's introduction and the sign-in."""
    if not request.user.is_authenticated:
        return render(request, "portal/welcome.html")
    if access.is_hub_staff(request.user) or access.is_coordinator(request.user):
        return redirect("dashboard")
    if request.user.is_staff:
        return redirect("admin:index")
    trainee = selectors.trainee_of(request.user)
    if trainee is None:
        return render(request, "portal/no_record.html")
    return _page(request, "portal/home.html", trainee, overview=selectors.home_overview(actor=request.user))


@login_required
@never_cache
def timetable(request, code: str):
    trainee = _trainee_or_404(request)
    found = selectors.session_timetable(actor=request.user, code=code)
    if found is None:
        raise Http404
    return _page(request, "portal/timetable.html", trainee, timetable=found, session=found.enrolment.session,
                 visits=selectors.visit_offers(enrolment=found.enrolment))


def _calendar_response(trainee: Trainee, occasions) -> HttpResponse:
    response = HttpResponse(calendar_file(trainee, occasions), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="hubportal.ics"'
    return response


@login_required
@require_GET
@never_cache
def calendar_download(request):
    trainee = _trainee_or_404(request)
    return _calendar_response(trainee, selectors.calendar_occasions(actor=request.user))


@require_GET
@never_cache
def calendar_feed(request, token: str):
    """The private subscription a phone's calendar polls without signing in: the token is the key."""
    trainee = Trainee.objects.select_related("user").filter(calendar_token=token).exclude(calendar_token="").first()
    if trainee is None or trainee.user is None or not trainee.user.is_active:
        raise Http404
    response = _calendar_response(trainee, selectors.calendar_occasions(actor=trainee.user))
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_POST
def calendar_renew(request):
    """A new subscription address; the old one stops working at once."""
    trainee = _trainee_or_404(request)
    trainee_calendar_renew(actor=request.user, trainee=trainee)
    messages.success(request, _("Your calendar has a new subscription address; the old one no longer works."))
    return redirect(reverse("portal_profile") + "#calendar")


@login_required
@never_cache
def attendance(request):
    trainee = _trainee_or_404(request)
    return _page(request, "portal/attendance.html", trainee, sessions=selectors.attendance_overview(actor=request.user))


@login_required
@never_cache
def certificates(request):
    trainee = _trainee_or_404(request)
    return _page(request, "portal/certificates.html", trainee,
                 certificates=selectors.my_certificates(actor=request.user))


@login_required
@never_cache
def profile(request):
    trainee = _trainee_or_404(request)
    form = ProfileForm(request.POST or None, instance=trainee)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            # The form has copied its values onto `trainee`; the service compares with the stored record.
            trainee_profile_update(actor=request.user, trainee=Trainee.objects.get(pk=trainee.pk), **changes)
            messages.success(request, _("Your profile is saved."))
            if changes.get("language"):
                return remember_language(redirect("portal_profile"), changes["language"])
        return redirect("portal_profile")
    feed = (request.build_absolute_uri(reverse("portal_calendar_feed", args=[trainee.calendar_token]))
            if trainee.calendar_token else "")
    return _page(request, "portal/profile.html", trainee, form=form, feed_url=feed)


@login_required
@require_GET
@never_cache
def profile_data(request):
    """Everything the portal holds about the trainee, as one JSON file (the right of access)."""
    trainee = _trainee_or_404(request)
    data = trainee_export_data(actor=request.user, trainee=trainee)
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="hubportal-my-data-{stamp}.json"'
    return response


@require_POST
def set_language(request):
    """Django's set_language, which a trainee's profile also remembers for their next visit and emails."""
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER)
    trainee = selectors.trainee_of(request.user)
    if trainee is not None and language and language != trainee.language and access.can(
            request.user, access.Action.EDIT_PROFILE, trainee):
        if language in dict(settings.LANGUAGES):
            trainee_profile_update(actor=request.user, trainee=trainee, language=language)
    return response


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation(request, key: str):
    """The invitation link: set a password (which verifies the address the link came to), then in."""
    user, problem = invitation_user(key)
    if problem is not None:
        return render(request, "portal/invitation_unusable.html", {"problem": problem.value}, status=410)
    form = SetPasswordForm(user=user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation_accept(user=user, password=form.cleaned_data["password1"])
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Welcome! Your password is set; from now on, sign in with %(email)s.")
                         % {"email": user.email})
        trainee = selectors.trainee_of(user)
        if trainee is None:
            return redirect("home")
        return remember_language(redirect("home"), trainee.preferred_language)
    return render(request, "portal/invitation.html", {"form": form, "invited": user})
