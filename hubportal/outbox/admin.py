from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hubportal.admin import ReadOnlyAdminMixin

from . import services
from .models import EmailStatus, OutboundEmail, stuck


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipients", "subject", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    # No bodies: a password reset email holds a link that signs its reader in as the recipient.
    fields = ["recipients", "from_email", "subject", "status", "attempts", "last_error", "created_at",
              "last_attempt_at", "sent_at"]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("to"), ordering="to")
    def recipients(self, obj):
        return obj.recipients

    def has_resend_permission(self, request):
        return services.email_may_retry(request.user)

    @admin.action(description=_("Send again (failed or stuck emails)"), permissions=["resend"])
    def send_again(self, request, queryset):
        queued = 0
        for email in queryset.filter(Q(status=EmailStatus.FAILED) | stuck()):
            try:
                services.email_retry(actor=request.user, email=email)
                queued += 1
            except ValidationError as error:  # sent again by someone else meanwhile
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        if queued:
            self.message_user(request, ngettext("%(count)d email queued again.", "%(count)d emails queued again.",
                                                queued) % {"count": queued}, messages.SUCCESS)
        elif not queryset.filter(Q(status=EmailStatus.FAILED) | stuck()).exists():
            self.message_user(request, _("None of the chosen emails has failed or is stuck."), messages.WARNING)
