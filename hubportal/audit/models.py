from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One business write: who did what to which record, and the details that matter."""

    occurred_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the system acted on its own (a command, a background job)."),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    # Empty for writes that span many records, such as a bulk import: `data` then says what.
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(_("record"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Whom and which course session the write concerned, as the target tells (its audit_subjects()):
    # ids, not foreign keys, so that this shared app names no app and an entry outlives its record.
    trainee_id = models.BigIntegerField(_("trainee"), null=True, blank=True, db_index=True)
    session_id = models.BigIntegerField(_("session"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.action}: {self.target_repr}"
