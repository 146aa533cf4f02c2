"""The trainee's own site: what they see on each page, in their time zone, and nothing of anyone else."""

import datetime as dt
import json

import pytest
from icalendar import Calendar

from cohorts.models import Announcement, AttendanceStatus
from cohorts.services import attendance_mark
from hubportal.audit.models import AuditEntry
from hubportal.users.models import User
from trainees.models import Trainee

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, TimetableSlotFactory
from ..trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_start_page_shows_the_sessions_what_is_left_today_and_the_announcements(ama_client, ama, on_day_two):
    published = on_day_two - dt.timedelta(hours=2)
    Announcement.objects.create(title="Bus to Andong leaves at 13:30", body="Bring your passport.",
                                session=ama["session"], published_at=published)
    Announcement.objects.create(title="For another session", body="…", session=CourseSessionFactory(),
                                published_at=published)
    Announcement.objects.create(title="Welcome to every trainee", body="Hub-wide.", published_at=published)
    Announcement.objects.create(title="Not yet", body="Scheduled.", published_at=on_day_two + dt.timedelta(hours=1))

    page = text(ama_client.get("/"))

    assert "Welcome, Ama" in page and "BDM-2022-07" in page
    assert "Still ahead today" in page
    # 11:00 in Korea on day two: the 09:00 slot is over; 13:00 and the visit are ahead, in both zones.
    assert "1 p.m.–2 p.m. Korea (4 a.m.–5 a.m. Accra)" in page
    assert "9 a.m.–10 a.m. Korea" not in page
    assert "Meet at: Main gate bus stop" in page
    assert "Bus to Andong leaves at 13:30" in page and "Welcome to every trainee" in page
    assert "For another session" not in page and "Not yet" not in page


def test_staff_and_coordinators_land_on_the_dashboard(staff_client, client, coordinator, django_user_model):
    assert staff_client.get("/").url == "/dashboard/"
    client.force_login(coordinator)
    assert client.get("/").url == "/dashboard/"
    # A staff-flagged account of neither role has no dashboard: the administration, as before.
    client.force_login(django_user_model.objects.create_user(email="flagged@hub.test", is_staff=True))
    assert client.get("/").url == "/admin/"


def test_the_timetable_lists_each_day_with_rooms_and_the_visit(ama_client, ama):
    page = text(ama_client.get("/sessions/BDM-2022-07/timetable/"))

    assert page.count("Room Hoam 101") == 8
    assert "Facility visit:" in page and "Fill-finish plant" in page
    assert "Meet at: Main gate bus stop, 1:30 p.m." in page
    assert "2 p.m.–5 p.m. Korea (5 a.m.–8 a.m. Accra)" in page


def test_someone_elses_session_or_an_unknown_one_does_not_exist_for_a_trainee(ama_client, ama):
    other = CourseSessionFactory(code="GXP-2022-10")
    TimetableSlotFactory(session=other)
    assert ama_client.get("/sessions/GXP-2022-10/timetable/").status_code == 404
    assert ama_client.get("/sessions/NOPE/timetable/").status_code == 404


def test_a_chosen_time_zone_replaces_the_countrys(ama_client, ama):
    ama_client.post("/profile/", {"time_zone": "America/Sao_Paulo", "phone": ama["trainee"].phone})
    page = text(ama_client.get("/sessions/BDM-2022-07/timetable/"))

    assert "9 a.m.–10 a.m. Korea (July 17 9 p.m.–10 p.m. Sao Paulo)" in page  # the evening before there
    profile = text(ama_client.get("/profile/"))
    assert '<option value="America/Sao_Paulo" selected>America/Sao Paulo</option>' in profile
    assert '<label for="id_time_zone">' in profile and 'id="id_time_zone"' in profile


def test_the_calendar_has_one_event_per_slot_and_visit_with_stable_uids(ama_client, ama):
    first = Calendar.from_ical(ama_client.get("/calendar.ics").content)
    second = Calendar.from_ical(ama_client.get("/calendar.ics").content)

    events = [c for c in first.walk("VEVENT")]
    assert len(events) == 9
    assert [str(e["uid"]) for e in events] == [str(e["uid"]) for e in second.walk("VEVENT")]
    visit = next(e for e in events if str(e["uid"]).startswith("visit-"))
    assert str(visit["location"]) == "Main gate bus stop"
    assert visit.decoded("dtstart") == dt.datetime(2022, 7, 19, 14, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def test_the_private_calendar_address_works_without_login_until_renewed(client, ama_client, ama):
    ama_client.post("/calendar/renew/")
    token = Trainee.objects.get(pk=ama["trainee"].pk).calendar_token
    assert len(token) >= 32

    anonymous = client.__class__()
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 200
    ama_client.post("/calendar/renew/")
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404
    assert anonymous.get("/calendar/.ics").status_code == 404
    assert AuditEntry.objects.filter(action="trainee.calendar_renew").count() == 2


def test_attendance_says_what_is_still_needed(ama_client, ama):
    page = text(ama_client.get("/attendance/"))

    # 2 of 3 marked attended (67 %); 6 left of 9; 80 % of 9 = 7.2 -> 8 needed: 2 + 6 = 8, no slack.
    assert "Your attendance: 67% (a certificate needs 80%)." in page
    assert "To earn a certificate you must attend every remaining slot and visit." in page
    assert page.count("not marked") == 6


def test_attendance_says_when_a_certificate_is_out_of_reach(ama_client, ama):
    enrolment = ama["enrolment"]
    attendance_mark(actor=None, slot=ama["slots"][3], statuses={enrolment.pk: AttendanceStatus.ABSENT})
    page = text(ama_client.get("/attendance/"))

    assert "can no longer be reached" in page


def test_the_profile_changes_what_a_trainee_may_and_keeps_the_rest_with_staff(ama_client, ama):
    response = ama_client.post("/profile/", {"phone": "+233 24 111 2222", "preferred_name": "Ama B.",
                                             "dietary_needs": "Vegetarian", "given_name": "Hacked",
                                             "email": "other@x.test"})

    assert response.status_code == 302
    trainee = Trainee.objects.get(pk=ama["trainee"].pk)
    assert (trainee.phone, trainee.preferred_name, trainee.dietary_needs) == ("+233 24 111 2222", "Ama B.", "Vegetarian")
    assert (trainee.given_name, trainee.email) == ("Ama", "ama@fda.test")
    entry = AuditEntry.objects.get(action="trainee.profile_update")
    assert entry.actor == ama["user"] and entry.data["changes"]["phone"] == ["+233 20 000 0000", "+233 24 111 2222"]


def test_an_unknown_time_zone_is_refused_with_a_message(ama_client, ama):
    response = ama_client.post("/profile/", {"time_zone": "Mars/Olympus"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_data_file_holds_the_trainees_own_data_only(ama_client, ama):
    stranger = TraineeFactory(email="kofi@fda.test")
    EnrolmentFactory(trainee=stranger, session=ama["session"])

    response = ama_client.get("/profile/data.json")

    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    dump = json.dumps(data)
    assert "ama@fda.test" in dump and "kofi@fda.test" not in dump


def test_certificates_page_without_certificates_says_how_they_come(ama_client):
    assert "You have no certificate yet." in text(ama_client.get("/certificates/"))


def test_a_language_chosen_on_any_page_is_remembered_in_the_profile(ama_client, ama):
    response = ama_client.post("/i18n/setlang/", {"language": "fr", "next": "/attendance/"})

    assert response.status_code == 302 and response.url == "/attendance/"
    assert Trainee.objects.get(pk=ama["trainee"].pk).language == "fr"
    page = ama_client.get("/attendance/").content.decode()
    assert '<html lang="fr"' in page


def test_pages_need_a_trainee_record(client):
    user = User.objects.create_user(email="nobody@hub.test", password="x")
    client.force_login(user)
    for url in ("/attendance/", "/certificates/", "/profile/", "/profile/data.json", "/calendar.ics",
                "/sessions/BDM-2022-07/timetable/"):
        assert client.get(url).status_code == 404, url
    assert "not linked to a trainee record" in text(client.get("/"))
    client.logout()
    assert client.get("/attendance/").status_code == 302  # to the sign-in


def test_the_profile_language_follows_the_trainee_to_a_new_device(client, ama):
    from django.test import Client

    Trainee.objects.filter(pk=ama["trainee"].pk).update(language="pt")
    phone = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")  # a new phone, set to English
    phone.force_login(ama["user"])

    first = phone.get("/attendance/")

    assert '<html lang="pt"' in first.content.decode()
    assert first.cookies["django_language"].value == "pt"
    assert '<html lang="pt"' in phone.get("/").content.decode()  # the cookie keeps it, no lookup needed
    phone.post("/i18n/setlang/", {"language": "es", "next": "/"})  # a choice on the device still wins
    assert '<html lang="es"' in phone.get("/").content.decode()
