"""The dashboard's pages: hub staff and coordinators (their sessions only); 404 for anyone else signed in,
and for a session or year the user may not see."""

import tablib
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hubportal import access
from hubportal.exports import SafeCSV

from . import charts, selectors


def _scope_or_404(request) -> selectors.Scope:
    scope = selectors.dashboard_scope(actor=request.user, session=request.GET.get("session") or None,
                                      year=request.GET.get("year") or None)
    if scope is None:
        raise Http404
    return scope


@login_required
@require_GET
@never_cache
def dashboard(request):
    scope = _scope_or_404(request)
    board = selectors.dashboard(actor=request.user, scope=scope)
    return render(request, "dashboard/dashboard.html", {
        "board": board, "scope": scope, "hub_staff": access.is_hub_staff(request.user),
        "sections": [(chart, charts.bar_chart(chart) if chart.bars else None) for chart in board.charts.values()],
    })


@login_required
@require_GET
@never_cache
def chart_csv(request, chart: str):
    scope = _scope_or_404(request)
    read = selectors.CHARTS.get(chart)
    if read is None:
        raise Http404
    found = read(request.user, scope)
    data = SafeCSV().export_data(tablib.Dataset(*found.rows, headers=found.headers))
    response = HttpResponse(data, content_type=SafeCSV.CONTENT_TYPE)
    suffix = f"-{scope.session.code}" if scope.session else (f"-{scope.year}" if scope.year else "")
    response["Content-Disposition"] = f'attachment; filename="{chart}{suffix}.csv"'
    return response


@login_required
@require_GET
@never_cache
def world_map(request):
    scope = _scope_or_404(request)
    return HttpResponse(charts.world_map(selectors.trainees_by_country(scope)), content_type="image/svg+xml")
