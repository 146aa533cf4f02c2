from django.conf import settings
from django.utils import translation

from trainees.models import Trainee


class ProfileLanguageMiddleware:
    """A trainee's language follows them to a new phone: on a device that has not chosen one (no
    language cookie), the language of their profile wins over the browser's, and the device keeps it.

    After LocaleMiddleware (which read the browser) and AuthenticationMiddleware (who is asking).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (settings.LANGUAGE_COOKIE_NAME in request.COOKIES or user is None or not user.is_authenticated
                or user.is_staff):
            return self.get_response(request)
        language = Trainee.objects.filter(user=user).values_list("language", flat=True).first()
        if language not in dict(settings.LANGUAGES):
            return self.get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return remember_language(self.get_response(request), language)


def remember_language(response, language: str):
    """The response, setting the language cookie as Django's set_language does: this device keeps `language`."""
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                        path=settings.LANGUAGE_COOKIE_PATH, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
    return response
