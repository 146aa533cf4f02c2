"""The demo hub: the 2022 programme of hub-facts.md, built through the same services as real work.

The July cohort's people are read from fixtures/demo_cohort_2022.csv. Deterministic (that file,
fixed random seeds for attendance, fixed dates) and idempotent (what exists is left alone), and run
in one transaction, so an interrupted seed leaves nothing behind.
"""

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from curriculum.models import Course, FacultyMember, Module
from hubportal.users.roles import Role, roles_sync
from hubportal.users.services import coordinator_grant
from trainees.invitations import invitation_url, trainees_invite
from trainees.models import Country, OrganisationKind, Trainee, TraineeCategory
from trainees.services import normalise_email, organisation_get_or_create, trainee_create, trainee_update

from .selectors import enrolment_list
from .models import AttendanceStatus, CourseSession, EnrolmentStatus, FacilityVisit, SessionStatus, TimetableSlot
from .services import (
    announcement_create,
    attendance_mark,
    enrolment_advance_to,
    facility_visit_set_participants,
    session_change_status,
    trainee_enroll,
)

SEOUL = ZoneInfo("Asia/Seoul")
DEMO_PASSWORD = "hubportal-demo"

# hub-facts.md's July 2022 cohort (150 invented trainees from 26 countries), one row per trainee.
DEMO_COHORT_CSV = Path(settings.BASE_DIR) / "fixtures" / "demo_cohort_2022.csv"
DEMO_COHORT_COLUMNS = (
    "country", "given_name", "family_name", "native_name", "email", "organisation", "organisation_kind",
    "job_title", "category", "demo_login",
)

AM = (dt.time(9, 30), dt.time(12, 30))
PM = (dt.time(14, 0), dt.time(17, 0))


@dataclass(frozen=True)
class SessionPlan:
    code: str
    course_code: str
    start: dt.date
    end: dt.date
    venue: str
    capacity: int
    # (date, (start, end), module position or None, title)
    timetable: list = field(default_factory=list)


def _july_timetable():
    d = dt.date
    modules = [
        (d(2022, 7, 18), PM, 1), (d(2022, 7, 19), AM, 1), (d(2022, 7, 19), PM, 2), (d(2022, 7, 20), AM, 2),
        (d(2022, 7, 20), PM, 3), (d(2022, 7, 21), AM, 3), (d(2022, 7, 21), PM, 4), (d(2022, 7, 22), AM, 4),
        (d(2022, 7, 22), PM, 5), (d(2022, 7, 25), AM, 5), (d(2022, 7, 25), PM, 6), (d(2022, 7, 26), AM, 6),
        (d(2022, 7, 26), PM, 7), (d(2022, 7, 27), AM, 7), (d(2022, 7, 27), PM, 8), (d(2022, 7, 29), AM, 9),
    ]
    return [
        (d(2022, 7, 18), AM, None, "Opening ceremony and orientation"),
        *[(day, time, position, None) for day, time, position in modules],
        (d(2022, 7, 29), PM, None, "Networking with Korean companies and closing"),
    ]


def _october_timetable():
    d = dt.date
    return [
        (d(2022, 10, 17), AM, None, "Opening and orientation"),
        (d(2022, 10, 17), PM, 1, None), (d(2022, 10, 18), AM, 1, None), (d(2022, 10, 18), PM, 2, None),
        (d(2022, 10, 19), AM, 3, None), (d(2022, 10, 19), PM, 4, None), (d(2022, 10, 20), AM, 4, None),
        (d(2022, 10, 20), PM, 5, None), (d(2022, 10, 21), AM, 5, None), (d(2022, 10, 21), PM, 6, None),
    ]


JULY = SessionPlan(
    code="BDM-2022-07",
    course_code="BDM",
    start=dt.date(2022, 7, 18),
    end=dt.date(2022, 7, 29),
    venue="Seoul National University, Hoam Faculty House (Samsung Convention Center), Seoul",
    capacity=150,
    timetable=_july_timetable(),
)
OCTOBER = SessionPlan(
    code="GXP-2022-10",
    course_code="GXP",
    start=dt.date(2022, 10, 17),
    end=dt.date(2022, 10, 21),
    venue="Seoul, Republic of Korea",
    capacity=60,
    timetable=_october_timetable(),
)

# Two parallel visits on the last Thursday of the July course; each trainee takes one.
JULY_VISITS = [
    ("SK bioscience", "L HOUSE vaccine plant, Andong", dt.datetime(2022, 7, 28, 8, 0), dt.datetime(2022, 7, 28, 18, 0), 80),
    ("GC Biopharma", "Ochang plant, Cheongju", dt.datetime(2022, 7, 28, 8, 30), dt.datetime(2022, 7, 28, 17, 30), 80),
]

DEMO_INVITED_COUNTRY = "SN"
VISIT_MEETING_POINT = "Coach bays in front of Hoam Faculty House"
# What the July trainees read on their start page.
JULY_ANNOUNCEMENTS = [
    ("Visit day: coaches leave at 07:40 and 08:10",
     "On Thursday 28 July the coaches to SK bioscience (Andong) and GC Biopharma (Ochang) leave from the coach bays "
     "in front of Hoam Faculty House. Your timetable says which visit is yours. Bring your passport: both plants "
     "check identity at the gate.", dt.datetime(2022, 7, 25, 9, 0)),
    ("Welcome to Seoul",
     "Registration opens at 08:30 on Monday 18 July in the lobby of Hoam Faculty House. Wi-Fi: HubPortal-Guest.",
     dt.datetime(2022, 7, 15, 9, 0)),
]

DEMO_COORDINATOR = "coordinator@hub.example"
DEMO_ACCOUNTS = [
    # (email, name, role, is_superuser)
    ("admin@hub.example", "Hub administrator", None, True),
    ("staff@hub.example", "Hub staff (IVI)", Role.HUB_STAFF, False),
    (DEMO_COORDINATOR, "Nominations coordinator", Role.COORDINATORS, False),
]

# Invented lecturers; the timetable's module slots take them in turn.
DEMO_FACULTY = [
    # (name, affiliation)
    ("Ji-seon Han", "International Vaccine Institute"),
    ("Lucas Ferreira-Mendes", "International Vaccine Institute"),
    ("Dong-kyu Lee", "Seoul National University"),
    ("Ha-rin Oh", "Yonsei University"),
    ("Eun-hye Choi", "Ministry of Food and Drug Safety"),
    ("Young-rae Shin", "Korea Disease Control and Prevention Agency"),
    ("In-sook Hwang", "Korea National Institute of Health"),
    ("Margaret Okonjo-Hale", "World Health Organization"),
    ("Priya Ramanathan", "World Health Organization"),
    ("Min-seok Jang", "SK bioscience"),
    ("Seo-hee Yoon", "GC Biopharma"),
    ("Tae-hoon Kwon", "Samsung Biologics"),
    ("Claire Dubreuil", "Medicines Patent Pool"),
    ("Jae-hyuk Song", "Korea Advanced Institute of Science and Technology"),
]


@dataclass(frozen=True)
class DemoPerson:
    country: str  # ISO 3166-1 alpha-2
    given_name: str
    family_name: str
    native_name: str
    email: str
    organisation: str
    organisation_kind: str
    job_title: str
    category: str
    demo_login: bool


def read_demo_cohort_csv(path: Path = DEMO_COHORT_CSV) -> list[DemoPerson]:
    """The demo cohort's people, in the file's order (the order the seed creates them in).

    Raises ValueError when a column is missing, a demo_login is neither "yes" nor empty, or not
    exactly one row has the demo login.
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(line for line in file if line.strip() and not line.startswith("#"))
        missing = [c for c in DEMO_COHORT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing columns {', '.join(missing)}")
        records = [{name: (record[name] or "").strip() for name in DEMO_COHORT_COLUMNS} for record in reader]
    wrong_logins = [n for n, r in enumerate(records, start=1) if r["demo_login"] not in ("yes", "")]
    if wrong_logins:
        raise ValueError(f"{path.name}: demo_login is neither 'yes' nor empty on data rows {wrong_logins}")
    people = [DemoPerson(**{**record, "demo_login": record["demo_login"] == "yes"}) for record in records]
    if sum(person.demo_login for person in people) != 1:
        raise ValueError(f"{path.name}: exactly one row must have demo_login 'yes'")
    return people


@dataclass
class SeedReport:
    created: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)
    # A trainee invited to the trainee site, and the link of their invitation ("" once they used it).
    invited: Trainee | None = None
    invitation_url: str = ""
    # The slot where the demo trainee has no mark yet: the one to try a QR check-in at.
    check_in_slot: TimetableSlot | None = None

    def count(self, what: str):
        self.created[what] = self.created.get(what, 0) + 1


@transaction.atomic
def demo_hub_seed() -> SeedReport:
    """Create the 2022 programme, its cohort and the demo accounts where they do not exist yet."""
    report = SeedReport()
    # The countries are reference data that `migrate` loads (trainees/migrations/0004).
    call_command("loaddata", "curriculum", verbosity=0)
    groups = roles_sync()
    accounts = _seed_accounts(groups, report)
    actor = accounts["staff@hub.example"]
    faculty = _seed_faculty(report)
    people = read_demo_cohort_csv()
    trainees = _seed_july_cohort(actor, people, report)
    login_trainee = next(t for person, t in zip(people, trainees) if person.demo_login)
    july = _seed_session(actor, JULY, faculty, report)
    if _enrol_cohort(actor, july, trainees, report):
        for title, body, published in JULY_ANNOUNCEMENTS:
            announcement_create(actor=actor, session=july, title=title, body=body,
                                published_at=published.replace(tzinfo=SEOUL))
        visits = _seed_visits(actor, july, report)
        _mark_attendance(actor, july, visits, random.Random("BDM-2022-07"), unmarked_at_last_slot=login_trainee)
        _complete(actor, july)
    october = _seed_session(actor, OCTOBER, faculty, report)
    gxp_trainees = [t for t in trainees if t.category != TraineeCategory.KOREA_INDUSTRY][::3][:36]
    if _enrol_cohort(actor, october, gxp_trainees, report):
        _mark_attendance(actor, october, [], random.Random("GXP-2022-10"))
        _complete(actor, october)
    _seed_trainee_login(actor, login_trainee, groups, report)
    report.check_in_slot = july.slots.order_by("date", "start_time").last()
    _seed_invitation(actor, next(t for t in trainees if t.country.code == DEMO_INVITED_COUNTRY), report)
    # The demo coordinator looks after the July course: with the access policy, a coordinator with
    # no session would see nothing at all.
    coordinator_grant(actor=actor, email=DEMO_COORDINATOR, session=july)
    report.logins = [(role, f"{email}  (coordinates {july.code})" if email == DEMO_COORDINATOR else email)
                     for role, email in report.logins]
    return report


def _seed_accounts(groups: dict, report: SeedReport) -> dict:
    User = get_user_model()
    accounts = {}
    for email, name, role, superuser in DEMO_ACCOUNTS:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            create = User.objects.create_superuser if superuser else User.objects.create_user
            user = create(email=email, password=DEMO_PASSWORD, name=name, is_staff=True)
            if role:
                user.groups.add(groups[role])
            report.count("accounts")
        accounts[email] = user
        report.logins.append((role or "Superuser", email))
    return accounts


def _seed_faculty(report: SeedReport) -> list[FacultyMember]:
    faculty = []
    for name, affiliation in DEMO_FACULTY:
        member, created = FacultyMember.objects.get_or_create(name=name, affiliation=affiliation)
        if created:
            report.count("faculty")
        faculty.append(member)
    return faculty


def _seed_july_cohort(actor, people: list[DemoPerson], report: SeedReport) -> list[Trainee]:
    codes = sorted({person.country for person in people})
    countries = Country.objects.in_bulk(codes, field_name="code")
    missing = sorted(set(codes) - {str(code) for code in countries})
    if missing:
        raise LookupError(f"Countries missing from the database (run migrate first): {', '.join(missing)}")
    existing = {t.email: t for t in Trainee.objects.select_related("country", "organisation")}
    trainees = []
    for person in people:
        trainee = existing.get(normalise_email(person.email))
        if trainee is None:
            country = countries[person.country]
            organisation, created = organisation_get_or_create(
                actor=actor, name=person.organisation, country=country, kind=person.organisation_kind
            )
            if created:
                report.count("organisations")
            trainee = trainee_create(
                actor=actor,
                given_name=person.given_name,
                family_name=person.family_name,
                native_name=person.native_name,
                email=person.email,
                country=country,
                organisation=organisation,
                job_title=person.job_title,
                category=person.category,
            )
            report.count("trainees")
        trainees.append(trainee)
    return trainees


def _seed_session(actor, plan: SessionPlan, faculty: list, report: SeedReport) -> CourseSession:
    session = CourseSession.objects.filter(code=plan.code).select_related("course").first()
    if session is not None:
        return session
    course = Course.objects.get(code=plan.course_code)
    session = CourseSession(
        code=plan.code, course=course, start_date=plan.start, end_date=plan.end, venue=plan.venue,
        capacity=plan.capacity, status=SessionStatus.PLANNED,
    )
    session.full_clean()
    session.save()
    modules = {m.position: m for m in Module.objects.filter(course=course)}
    slots = []
    for index, (day, (start, end), position, title) in enumerate(plan.timetable):
        module = modules.get(position)
        slots.append(TimetableSlot(
            session=session, date=day, start_time=start, end_time=end, module=module,
            title=title or module.title, room="Main hall" if module is None else "Lecture room 1",
            faculty=faculty[index % len(faculty)] if module else None,
        ))
    TimetableSlot.objects.bulk_create(slots)
    report.count("sessions")
    return session_change_status(actor=actor, session=session, to_status=SessionStatus.OPEN)


def _enrol_cohort(actor, session: CourseSession, trainees: list[Trainee], report: SeedReport) -> bool:
    """Nominate and confirm the cohort; False when the session was already seeded."""
    if session.status != SessionStatus.OPEN:
        return False
    for trainee in trainees:
        korean = trainee.country.code == "KR"
        enrolment = trainee_enroll(
            actor=actor,
            trainee=trainee,
            session=session,
            nominated_by="company" if korean else "who",
            nominating_body_name=trainee.organisation.name if korean else "World Health Organization",
        )
        enrolment_advance_to(actor=actor, enrolment=enrolment, to_status=EnrolmentStatus.CONFIRMED)
        report.count("enrolments")
    session_change_status(actor=actor, session=session, to_status=SessionStatus.RUNNING)
    return True


def _seed_visits(actor, session: CourseSession, report: SeedReport) -> list[FacilityVisit]:
    enrolments = list(session.enrolments.select_related("trainee").order_by("trainee__email"))
    visits = []
    for index, (host_name, site, starts, ends, capacity) in enumerate(JULY_VISITS):
        host, created = organisation_get_or_create(
            actor=actor, name=host_name, country=session_host_country(), kind=OrganisationKind.VACCINE_MANUFACTURER
        )
        if created:
            report.count("organisations")
        visit = FacilityVisit.objects.create(
            session=session, host=host, site=site, capacity=capacity,
            starts_at=starts.replace(tzinfo=SEOUL), ends_at=ends.replace(tzinfo=SEOUL),
            meeting_point=VISIT_MEETING_POINT, meets_at=(starts - dt.timedelta(minutes=20)).replace(tzinfo=SEOUL),
        )
        facility_visit_set_participants(actor=actor, visit=visit, enrolments=enrolments[index :: len(JULY_VISITS)])
        report.count("facility visits")
        visits.append(visit)
    return visits


def session_host_country() -> Country:
    return Country.objects.get(is_host=True)


def _mark_attendance(actor, session: CourseSession, visits: list[FacilityVisit], rng: random.Random,
                     unmarked_at_last_slot: Trainee | None = None) -> None:
    """Mostly present, a few late, absent or excused; three trainees of each session miss most of
    the second half (ill), so that the demo shows trainees below the completion threshold. One trainee
    (the demo's login) has no mark at the last slot: the demo's QR check-in has somewhere to go."""
    enrolments = list(session.enrolments.order_by("trainee__email").values_list("pk", flat=True))
    slots = list(session.slots.order_by("date", "start_time"))
    ill = set(rng.sample(enrolments, 3))
    second_half = {slot.pk for slot in slots[len(slots) // 2 :]}
    statuses = [AttendanceStatus.PRESENT] * 90 + [AttendanceStatus.LATE] * 5 + [AttendanceStatus.ABSENT] * 3 + [
        AttendanceStatus.EXCUSED
    ] * 2
    for slot in slots:
        marks = {
            e: AttendanceStatus.ABSENT if e in ill and slot.pk in second_half else rng.choice(statuses)
            for e in enrolments
        }
        if unmarked_at_last_slot is not None and slot == slots[-1]:
            marks.pop(session.enrolments.get(trainee=unmarked_at_last_slot).pk)
        attendance_mark(actor=actor, slot=slot, statuses=marks)
    for visit in visits:
        participants = list(visit.participants.order_by("pk").values_list("pk", flat=True))
        attendance_mark(
            actor=actor, visit=visit,
            statuses={e: AttendanceStatus.ABSENT if e in ill else AttendanceStatus.PRESENT for e in participants},
        )


def _complete(actor, session: CourseSession) -> None:
    """Everyone confirmed attended; those at or above the threshold completed. Then close."""
    for enrolment in enrolment_list(actor=actor, session=session).order_by("pk"):
        rate = enrolment.attendance_rate
        passed = rate is not None and rate >= session.completion_threshold
        to_status = EnrolmentStatus.COMPLETED if passed else EnrolmentStatus.ATTENDED
        enrolment_advance_to(actor=actor, enrolment=enrolment, to_status=to_status)
    session_change_status(actor=actor, session=session, to_status=SessionStatus.CLOSED)


def _seed_invitation(actor, trainee: Trainee, report: SeedReport) -> None:
    """One trainee invited to the trainee site (a Senegalese one: the invitation and the site in French),
    so that the demo shows the invitation link's page; the link again on every run until it is used."""
    trainee.refresh_from_db()
    if trainee.user_id is None:
        trainees_invite(actor=actor, trainees=[trainee])
        trainee.refresh_from_db()
    report.invited = trainee
    if not trainee.user.has_usable_password():
        report.invitation_url = invitation_url(trainee.user)


def _seed_trainee_login(actor, trainee: Trainee, groups: dict, report: SeedReport) -> None:
    """A login for one Korean trainee, to show the trainee's own pages (and a name in Hangul)."""
    User = get_user_model()
    trainee.refresh_from_db()
    if trainee.user_id is None:
        user = User.objects.filter(email__iexact=trainee.email).first() or User.objects.create_user(
            email=trainee.email, password=DEMO_PASSWORD, name=trainee.full_name
        )
        user.groups.add(groups[Role.TRAINEES])
        trainee_update(actor=actor, trainee=trainee, user=user)
        report.count("accounts")
    report.logins.append((Role.TRAINEES, trainee.email))
