"""The trainee's requests that an absence be excused, the download of their documents, and signing up
for facility visits. Thin views: the selectors say what the actor may see, the services decide."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cohorts.models import FacilityVisit, TimetableSlot
from cohorts.services import SignUp, excuse_request_create, facility_visit_cancel, facility_visit_sign_up

from . import selectors
from .views import _page, _trainee_or_404


class ExcuseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why were you (or will you be) absent?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(
        label=gettext_lazy("Supporting document (optional)"), required=False,
        help_text=gettext_lazy("A PDF, or a photo (PNG or JPEG), of a medical certificate for example."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}))


@login_required
@never_cache
def excuse_request(request, kind: str, pk: int):
    trainee = _trainee_or_404(request)
    found = selectors.excuse_occasion(actor=request.user, kind=kind, pk=pk) if kind in ("slot", "visit") else None
    if found is None:
        raise Http404
    enrolment, occasion = found
    form = ExcuseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        target = {"slot": TimetableSlot.objects.get(pk=pk)} if kind == "slot" else {
            "visit": FacilityVisit.objects.get(pk=pk)}
        try:
            excuse_request_create(actor=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"],
                                  attachment=form.cleaned_data["attachment"], **target)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Your request is sent; you will see the answer on this page."))
            return redirect(reverse("portal_attendance") + f"#session-{enrolment.session.code}")
    return _page(request, "portal/excuse_request.html", trainee, form=form, occasion=occasion,
                 session=enrolment.session)


@login_required
@require_GET
@never_cache
def excuse_document(request, pk: int):
    """An excuse's document, always as a download (never shown in the browser, whose idea of what it is
    is not trusted): to hub staff, the session's coordinator and the trainee who sent it."""
    excuse = selectors.excuse_for_download(actor=request.user, pk=pk)
    if excuse is None or not excuse.attachment.storage.exists(excuse.attachment.name):
        raise Http404
    extension = excuse.attachment.name.rsplit(".", 1)[-1]
    response = FileResponse(excuse.attachment.open("rb"), as_attachment=True,
                            filename=f"excuse-{excuse.pk}.{extension}",
                            content_type=excuse.attachment_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _my_visit(request, pk: int):
    """The visit, with the actor's enrolment in its session; 404 when it is not of one of their sessions."""
    visit = FacilityVisit.objects.filter(pk=pk).first()
    enrolment = visit and selectors.my_enrolments(actor=request.user).filter(session_id=visit.session_id).first()
    if not enrolment:
        raise Http404
    return visit, enrolment


@login_required
@require_POST
def visit_sign_up(request, pk: int):
    _trainee_or_404(request)
    visit, enrolment = _my_visit(request, pk)
    try:
        outcome = facility_visit_sign_up(actor=request.user, visit=visit, enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are signed up for this visit.") if outcome == SignUp.PARTICIPANT else _(
            "The visit is full: you are on its waiting list, and will be told by email if a place frees up."))
    return redirect(reverse("portal_timetable", args=[enrolment.session.code]) + "#visits")


@login_required
@require_POST
def visit_cancel(request, pk: int):
    _trainee_or_404(request)
    visit, enrolment = _my_visit(request, pk)
    try:
        facility_visit_cancel(actor=request.user, visit=visit, enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are no longer signed up for this visit."))
    return redirect(reverse("portal_timetable", args=[enrolment.session.code]) + "#visits")
