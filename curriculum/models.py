from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseKind(models.TextChoices):
    THEORY = "theory", _("Theory")
    GXP = "gxp", _("GxP")
    ONSITE = "onsite", _("On-site practice")


class Course(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True, help_text=_("For example BDM or GXP."))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CourseKind.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self):
        return self.title


class Module(models.Model):
    """A curriculum area of a course, with the hours of learning it carries."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="modules"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    learning_hours = models.DecimalField(_("learning hours"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "title"],
                name="module_title_unique_per_course",
                violation_error_message=_("This course already has a module of that title."),
            ),
            models.CheckConstraint(
                condition=models.Q(learning_hours__gt=Decimal("0")),
                name="module_learning_hours_positive",
                violation_error_message=_("Learning hours must be more than zero."),
            ),
        ]

    def __str__(self):
        return self.title


class FacultyMember(models.Model):
    name = models.CharField(_("name"), max_length=200)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("faculty member")
        verbose_name_plural = _("faculty")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "affiliation"], name="faculty_member_unique_name_affiliation"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name
