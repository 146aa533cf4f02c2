"""Attendance as it is taken in the room: the roll call on a coordinator's phone, the QR code on the
screen, and the trainee's check-in. Thin views: the access policy through the selectors, every write
through cohorts.services.

They live in cohorts, beside the attendance they write, rather than in portal (the trainees' own
site, above cohorts in the layering): the staff pages belong to no trainee, and the check-in pages
need the codes of cohorts.checkin and the services, which portal could reach but the reverse not.
"""

import json

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import checkin, selectors, services
from .models import AttendanceStatus, TimetableSlot

MAX_MARKS = 10_000  # one request: a mark-all of the largest session, with room to spare
# Rows the roll call draws at once; a hall's cohort fits, a larger one is found by searching.
ROLL_CALL_SHOWN = 300


def _occasion_or_404(request, kind: str, pk: int):
    occasion = selectors.roll_call_occasion(actor=request.user, kind=kind, pk=pk)
    if occasion is None:
        raise Http404
    return occasion


def _urls(kind: str, pk: int) -> dict:
    prefix = "attendance_slot" if kind == "slot" else "attendance_visit"
    return {"marks": reverse(f"{prefix}_marks", args=[pk]), "roll_call": reverse(f"{prefix}_roll_call", args=[pk])}


@login_required
@never_cache
def roll_call(request, pk: int, kind: str = "slot"):
    """The page and its counts; the rows come from the marks endpoint (GET ?everyone=1), fetched by the
    page's script: a session of 5,000 would otherwise be rendered whole at every visit."""
    occasion = _occasion_or_404(request, kind, pk)
    statuses = [{"value": value, "label": str(label)} for value, label in AttendanceStatus.choices]
    return render(request, "cohorts/roll_call.html", {
        "occasion": occasion, "kind": kind, "session": occasion.session, "statuses": statuses,
        "urls": _urls(kind, pk), **selectors.roll_call_counts(occasion), "shown_at_most": ROLL_CALL_SHOWN,
        "check_in_url": reverse("attendance_slot_check_in", args=[pk]) if kind == "slot" else "",
    })


def _taken_at(value, now):
    moment = parse_datetime(value) if isinstance(value, str) and value else None
    if moment is None:
        return now
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.get_default_timezone())


def _marks_of(request, now) -> tuple[list[services.TakenMark], bool]:
    """The marks of a request: one, as form fields (enrolment, status, taken_at, client_id), or
    many, as JSON {"marks": [...]} (a queue sent when the signal returns, a mark-all)."""
    if request.content_type == "application/json":
        items = json.loads(request.body or b"{}")["marks"]
        if not isinstance(items, list) or len(items) > MAX_MARKS:
            raise ValueError
        single = False
    else:
        items, single = [request.POST], True
    marks = [services.TakenMark(enrolment_id=int(item["enrolment"]), status=str(item["status"]),
                                taken_at=_taken_at(item.get("taken_at"), now),
                                client_id=str(item.get("client_id") or "")[:64],
                                only_if_unmarked=str(item.get("only_if_unmarked", "")).lower() in ("1", "true"))
             for item in items]
    return marks, single


def _row(enrolment_id: int, record) -> dict:
    return {"enrolment": enrolment_id, "status": record.status, "status_label": record.get_status_display(),
            "taken_at": record.taken_at.isoformat() if record.taken_at else None, "source": record.source}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def marks(request, pk: int, kind: str = "slot"):
    """GET: every mark of the slot so far (a roll call's refresh); with ?everyone=1, everyone expected
    with their names and marks (the roll call's rows). POST: one mark, or many; answers the rows as
    stored, the later mark having won."""
    occasion = _occasion_or_404(request, kind, pk)
    if request.method == "GET" and request.GET.get("everyone"):
        rows, country_names = selectors.roll_call_rows(occasion)
        return JsonResponse({"columns": selectors.ROLL_CALL_COLUMNS, "countries": country_names, "rows": rows},
                            json_dumps_params={"separators": (",", ":")})
    if request.method == "GET":
        return JsonResponse({"rows": [{"enrolment": pk, "status": status, "taken_at": taken_at}
                                      for pk, _called, _family, _country, status, taken_at
                                      in selectors.roll_call_rows(occasion)[0] if status]})
    try:
        taken, single = _marks_of(request, timezone.now())
    except (KeyError, TypeError, ValueError):
        return HttpResponseBadRequest(_("Send enrolment and status."))
    try:
        stored = services.attendance_take(actor=request.user, marks=taken,
                                          **{"slot" if kind == "slot" else "visit": occasion})
    except ValidationError as error:
        return JsonResponse({"errors": error.messages}, status=400)
    rows = [_row(enrolment_id, stored[enrolment_id]) for enrolment_id in dict.fromkeys(m.enrolment_id for m in taken)]
    return JsonResponse(rows[0] if single else {"rows": rows})


def _code_payload(request, slot_id: int) -> dict:
    now = timezone.now()
    token = checkin.token_for(slot_id, now)
    url = request.build_absolute_uri(reverse("check_in_token", args=[token]))
    svg = segno.make(url, error="m").svg_inline(scale=1, border=4, omitsize=True)
    return {"url": url, "code": token.split("-", 1)[1], "svg": svg,
            "seconds_left": round(checkin.seconds_left(now), 1)}


@login_required
@never_cache
def check_in_screen(request, pk: int):
    """The full-screen QR code staff show in the room; it renews itself every 30 seconds. Outside the
    slot's time it says so, and offers to open check-in now (a slot that starts late or was moved)."""
    slot = _occasion_or_404(request, "slot", pk)
    starts, ends = services.slot_times(slot)
    now = timezone.now()
    window = services.slot_check_in_window(slot, now)
    return render(request, "cohorts/check_in_screen.html", {
        "slot": slot, "session": slot.session, "starts": starts, "ends": ends, "window": window,
        "is_open": window.opens <= now <= window.closes,
        "code": _code_payload(request, slot.pk), "code_url": reverse("attendance_slot_check_in_code", args=[pk]),
        "roll_call_url": reverse("attendance_slot_roll_call", args=[pk]),
        "open_url": reverse("attendance_slot_check_in_open", args=[pk]),
    })


@login_required
@never_cache
@require_http_methods(["POST"])
def check_in_open(request, pk: int):
    """Opens check-in now, for the slot's roll-call takers; back to the QR screen."""
    slot = _occasion_or_404(request, "slot", pk)
    services.slot_check_in_open(actor=request.user, slot=slot)
    return redirect("attendance_slot_check_in", pk)


@login_required
@never_cache
def check_in_code(request, pk: int):
    slot = _occasion_or_404(request, "slot", pk)
    return JsonResponse(_code_payload(request, slot.pk))


REFUSALS = {
    "expired": lambda: _("This code has expired. Scan the code on the screen again, or type the six "
                         "characters shown under it."),
    "invalid": lambda: _("This is not a check-in code of this portal. Scan the code on the screen again."),
}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def check_in(request):
    """Where a trainee types the six characters shown under the QR code."""
    error = ""
    if request.method == "POST":
        now = timezone.now()
        slot_ids = selectors.check_in_slots_today(actor=request.user, today=timezone.localdate(now),
                                                  opened_since=now - services.CHECK_IN_OPEN_BY_HAND)
        slot_id, state = checkin.slot_of_code(request.POST.get("code", ""), slot_ids)
        if state == "ok":
            return redirect("check_in_token", f"{slot_id}-{checkin.normalise(request.POST['code'])}")
        error = REFUSALS[state]()
    return render(request, "cohorts/check_in_code.html", {"error": error, "code": request.POST.get("code", "")})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def check_in_token(request, token: str):
    """What the QR code opens: the slot, and one button to confirm; POST marks the trainee."""
    slot_id, state = checkin.read_token(token)
    slot = TimetableSlot.objects.select_related("session").filter(pk=slot_id).first() if slot_id else None
    context = {"slot": slot, "token": token}
    if slot is None or state != "ok":
        return render(request, "cohorts/check_in.html", {**context, "refusal": REFUSALS[
            "expired" if slot is not None else "invalid"]()})
    context["starts"], context["ends"] = services.slot_times(slot)
    try:
        if request.method == "POST":
            record = services.attendance_check_in(actor=request.user, slot=slot)
            return render(request, "cohorts/check_in.html", {**context, "record": record})
        services.attendance_check_in_check(actor=request.user, slot=slot)
    except services.CheckInRefused as refused:
        return render(request, "cohorts/check_in.html", {**context, "refusal": refused.message})
    return render(request, "cohorts/check_in.html", context)
