"""The trainee admin's privacy tools: the download of a trainee's personal data (a button on their
page) and the anonymisation of the chosen trainees (an action, after a page that asks to confirm)."""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from hubportal import access
from hubportal.access import Action

from .privacy import anonymise_summary, trainee_anonymise, trainee_export_data


def personal_data_view(model_admin, request, object_id):
    """GET: the trainee's personal data as a JSON file; 404 for a trainee the user may not see or
    whose data they may not take (a coordinator)."""
    if request.method != "GET":
        raise Http404
    trainee = model_admin.get_object(request, unquote(object_id))
    if trainee is None or not access.can(request.user, Action.EXPORT_PERSONAL_DATA, trainee):
        raise Http404
    data = trainee_export_data(actor=request.user, trainee=trainee)
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="trainee-{trainee.pk}-personal-data.json"'
    return response


@admin.action(description=_("Anonymise (asks to confirm)"), permissions=["anonymise"])
def anonymise(modeladmin, request, queryset):
    """Anonymise the chosen trainees, all or none, once the user has confirmed on the page this
    shows first (the list of who will be anonymised)."""
    trainees = list(queryset.select_related("country").order_by("family_name", "given_name", "pk"))
    if request.POST.get("confirm") == "yes":
        with transaction.atomic():
            results = [trainee_anonymise(actor=request.user, trainee=trainee) for trainee in trainees]
        modeladmin.message_user(request, anonymise_summary(results), messages.SUCCESS)
        return None
    return TemplateResponse(request, "admin/trainees/anonymise.html", {
        **modeladmin.admin_site.each_context(request),
        "title": _("Anonymise trainees"),
        "trainees": trainees,
        "to_anonymise": sum(not trainee.is_anonymised for trainee in trainees),
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    })
