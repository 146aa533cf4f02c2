"""Each role sees what it needs in the admin, and nothing else."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/admin/trainees/trainee/", 200),
        # A trainee added by hand would belong to no session of theirs: they come in by an import
        # into the coordinator's session.
        ("/admin/trainees/trainee/add/", 403),
        ("/admin/trainees/trainee/import/", 200),
        ("/admin/cohorts/enrolment/", 200),
        ("/admin/cohorts/attendancerecord/", 200),
        ("/admin/cohorts/timetableslot/", 200),
        ("/admin/cohorts/facilityvisit/add/", 200),
        ("/admin/certificates/certificate/", 200),
        ("/admin/trainees/country/", 403),
        ("/admin/trainees/organisation/", 403),
        ("/admin/users/user/", 403),
        ("/admin/auth/group/", 403),
        ("/admin/curriculum/course/add/", 403),
        ("/admin/cohorts/coursesession/add/", 403),
        ("/admin/audit/auditentry/", 403),
    ],
)
def test_coordinators_work_on_their_sessions_people_timetable_and_attendance_only(client, coordinator, url, status):
    client.force_login(coordinator)
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/admin/cohorts/coursesession/add/", 200),
        ("/admin/curriculum/course/add/", 200),
        ("/admin/trainees/country/add/", 200),
        ("/admin/users/user/", 200),
        ("/admin/users/user/add/", 403),
        ("/admin/auth/group/", 403),
    ],
)
def test_hub_staff_run_the_programme_but_do_not_manage_accounts(client, hub_staff, url, status):
    client.force_login(hub_staff)
    assert client.get(url).status_code == status


def test_trainees_have_no_way_into_the_admin(client, trainee_user):
    client.force_login(trainee_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
