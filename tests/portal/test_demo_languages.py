"""The trainee site on the demo hub, in each of the five languages: every page answers, in that language."""

import pytest
from django.conf import settings
from django.utils import translation

from cohorts.demo import demo_hub_seed
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

PAGES = ["/", "/sessions/BDM-2022-07/timetable/", "/attendance/", "/certificates/", "/profile/"]


def test_every_page_of_the_demo_trainee_answers_in_each_language(client, reference_countries):
    demo_hub_seed()
    trainee = Trainee.objects.exclude(user=None).exclude(user__password__startswith="!").get()
    client.force_login(trainee.user)

    for language, _name in settings.LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        with translation.override(language):
            headings = {"/attendance/": translation.gettext("My attendance"),
                        "/certificates/": translation.gettext("My certificates"),
                        "/profile/": translation.gettext("My profile")}
        for url in PAGES:
            response = client.get(url)
            assert response.status_code == 200, (language, url)
            page = response.content.decode()
            assert f'<html lang="{language}"' in page, (language, url)
            assert headings.get(url, "") in page, (language, url)
        assert client.get("/calendar.ics").status_code == 200
        assert client.get("/profile/data.json").status_code == 200
