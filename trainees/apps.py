from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("Trainees")

    def ready(self):
        from allauth.account.signals import email_changed

        from . import privacy  # noqa: F401 - registers the trainee's parts of their personal data
        from .services import trainee_email_follow_login

        # allauth's own hook for its email page: a trainee who makes a verified address their login has
        # their record follow. It fires only in that flow (never in fixtures, imports or the admin).
        email_changed.connect(
            lambda request, user, from_email_address, to_email_address, **kwargs: trainee_email_follow_login(
                user=user, email=to_email_address.email),
            dispatch_uid="trainees.email_follows_login", weak=False)
