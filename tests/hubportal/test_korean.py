"""The portal in Korean for those whose browser asks for it (MOHW staff, Korean trainees): every
message of ours translated, never a page half in Korean and half in English; certificates stay in
English, and files in English or Korean headings import alike."""

import pytest
from django.utils import translation

from cohorts.imports import ATTENDANCE_COLUMNS, ENROLMENT_COLUMNS
from hubportal.importing import match_columns

pytestmark = pytest.mark.django_db

KOREAN = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9"}


def test_the_admin_speaks_korean_to_a_korean_browser(staff_client):
    index = staff_client.get("/admin/", **KOREAN).content.decode()
    enrolments = staff_client.get("/admin/cohorts/enrolment/", **KOREAN).content.decode()

    assert "교육 세션" in index and "수료증" in index and "교육생" in index
    assert "Course sessions" not in index and "Background jobs" not in index
    assert "변경할 등록 선택" in enrolments  # Django's phrase around our model's name
    assert "WHO 지역" in enrolments and "추천됨" in enrolments  # our filter and status names


def test_an_english_browser_still_gets_english(staff_client):
    index = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()

    assert "Course sessions" in index and "교육 세션" not in index


def test_the_sign_in_page_in_korean(client):
    page = client.get("/accounts/login/", **KOREAN).content.decode()

    assert "<title>로그인 · HubPortal</title>" in page
    assert "계정은 허브 직원이 만듭니다" in page


def test_files_with_english_or_korean_headings_import_whatever_the_language_in_use():
    english = ["Email", "Date", "Start time", "Attendance"]
    korean = ["이메일", "날짜", "시작 시간", "출석"]
    for language in ("en", "ko"):
        with translation.override(language):
            for headers in (english, korean):
                positions, problems = match_columns(headers, ATTENDANCE_COLUMNS)
                assert problems == [] and positions == {"email": 0, "date": 1, "time": 2, "status": 3}, \
                    (language, headers)
            positions, problems = match_columns(["Email", "Status", "Nominated by", "Nominating body"],
                                                ENROLMENT_COLUMNS)
            assert problems == [] and len(positions) == 4, (language, problems)


def test_a_file_exported_from_the_korean_admin_imports_under_an_english_one():
    from trainees.imports import TRAINEE_COLUMNS

    with translation.override("ko"):
        korean_headers = [str(column.label) for column in TRAINEE_COLUMNS]
    with translation.override("en"):
        positions, problems = match_columns(korean_headers, TRAINEE_COLUMNS)

    assert problems == []
    assert len(positions) == len(TRAINEE_COLUMNS)


def test_dates_read_naturally_in_korean():
    import datetime as dt

    from hubportal.dates import date_range

    with translation.override("ko"):
        assert date_range(dt.date(2022, 7, 18), dt.date(2022, 7, 29)) == "2022년 7월 18일 – 2022년 7월 29일"
    assert date_range(dt.date(2022, 7, 18), dt.date(2022, 7, 29)) == "18 – 29 July 2022"
