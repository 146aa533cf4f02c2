from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError(_("An email address is required."))
        user = self.model(email=self.normalize_email(email).strip(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        # Logins ignore case: "Kim@IVI.int" and "kim@ivi.int" are one account.
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A login. The email address is the identifier; there is no username."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message=_("A user with this email address already exists."),
            ),
        ]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email


class SessionAssignment(models.Model):
    """A coordinator's charge: the course sessions whose people, timetable and marks they look after.

    The session is named by string so that this shared app imports no app; hubportal.access reads
    these rows to scope every selector, service and admin page.
    """

    user = models.ForeignKey(User, verbose_name=_("coordinator"), on_delete=models.CASCADE,
                             related_name="session_assignments")
    session = models.ForeignKey("cohorts.CourseSession", verbose_name=_("session"), on_delete=models.CASCADE,
                                related_name="coordinator_assignments")
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    granted_by = models.ForeignKey(User, verbose_name=_("granted by"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    class Meta:
        verbose_name = _("coordinator of a session")
        verbose_name_plural = _("coordinators of sessions")
        ordering = ["session", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "session"], name="session_assignment_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.session}"
