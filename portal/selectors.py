"""What a trainee's own pages read: their sessions, timetable, marks and certificates, in a fixed number
of queries however many sessions, slots and marks they have. Every read goes through the actor-scoped
selectors and hubportal.access, so a trainee sees their own rows and nothing else."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from certificates.models import Certificate
from cohorts.models import (
    ATTENDED_STATUSES,
    SEAT_HOLDING_STATUSES,
    Announcement,
    AttendanceRecord,
    AttendanceStatus,
    CourseSession,
    Enrolment,
    ExcuseRequest,
    ExcuseStatus,
    FacilityVisit,
    TimetableSlot,
    VisitWaitlistEntry,
    absences_allowed,
)
from cohorts.selectors import enrolment_list
from hubportal import access
from trainees.models import Trainee

HUB_ZONE = ZoneInfo(settings.TIME_ZONE)


def trainee_of(user) -> Trainee | None:
    """The trainee record of a signed-in user, with their country; None for anyone else."""
    if not user.is_authenticated:
        return None
    return access.visible(user, Trainee.objects.select_related("country")).filter(user=user).first()


@dataclass
class Occasion:
    """One timetable slot or facility visit, as a trainee's pages show it."""

    kind: str  # "slot" or "visit"
    pk: int
    session: CourseSession
    starts_at: dt.datetime  # aware, in the hub's time zone
    ends_at: dt.datetime
    title: str
    room: str = ""
    module: str = ""
    faculty: str = ""
    meeting_point: str = ""
    meets_at: dt.datetime | None = None
    mark: str | None = None  # an AttendanceStatus value, None while unmarked
    excuse: ExcuseRequest | None = None  # the latest request to excuse an absence from it (attendance page)

    @property
    def may_ask_excuse(self) -> bool:
        """Whether the trainee may ask for this to be excused: not attended, not excused, none waiting."""
        if self.mark in ATTENDED_STATUSES or self.mark == AttendanceStatus.EXCUSED:
            return False
        return self.excuse is None or self.excuse.status != ExcuseStatus.PENDING

    @property
    def day(self) -> dt.date:
        return self.starts_at.astimezone(HUB_ZONE).date()

    @property
    def uid(self) -> str:
        """Stable across exports, so that a calendar re-importing the file updates the event."""
        return f"{self.kind}-{self.pk}@hubportal"

    def mark_label(self) -> str:
        return AttendanceStatus(self.mark).label if self.mark else ""


def _slot_occasion(slot: TimetableSlot) -> Occasion:
    return Occasion(
        kind="slot", pk=slot.pk, session=slot.session,
        starts_at=dt.datetime.combine(slot.date, slot.start_time, HUB_ZONE),
        ends_at=dt.datetime.combine(slot.date, slot.end_time, HUB_ZONE),
        title=slot.title, room=slot.room, module=slot.module.title if slot.module else "",
        faculty=slot.faculty.name if slot.faculty else "",
    )


def _visit_occasion(visit: FacilityVisit) -> Occasion:
    return Occasion(
        kind="visit", pk=visit.pk, session=visit.session, starts_at=visit.starts_at.astimezone(HUB_ZONE),
        ends_at=visit.ends_at.astimezone(HUB_ZONE), title=f"{visit.host.name} – {visit.site}",
        meeting_point=visit.meeting_point, meets_at=visit.meets_at and visit.meets_at.astimezone(HUB_ZONE),
    )


def _occasions(enrolments: list[Enrolment]) -> dict[int, list[Occasion]]:
    """Each enrolment's slots (all of its session's) and visits (those it takes part in), in time order,
    with its marks: three queries for any number of enrolments."""
    by_session = defaultdict(list)
    sessions = {e.session_id: e.session for e in enrolments}
    for slot in TimetableSlot.objects.filter(session__in=list(sessions)).select_related("module", "faculty"):
        slot.session = sessions[slot.session_id]
        by_session[slot.session_id].append(slot)
    visits = defaultdict(list)
    participation = FacilityVisit.participants.through.objects.filter(
        enrolment__in=[e.pk for e in enrolments]).select_related("facilityvisit__host")
    for row in participation:
        row.facilityvisit.session = sessions[row.facilityvisit.session_id]
        visits[row.enrolment_id].append(row.facilityvisit)
    marks = {
        (record.enrolment_id, "slot" if record.slot_id else "visit", record.slot_id or record.visit_id): record.status
        for record in AttendanceRecord.objects.filter(enrolment__in=[e.pk for e in enrolments]).only(
            "enrolment_id", "slot_id", "visit_id", "status")
    }
    result = {}
    for enrolment in enrolments:
        occasions = [_slot_occasion(s) for s in by_session[enrolment.session_id]]
        occasions += [_visit_occasion(v) for v in visits[enrolment.pk]]
        for occasion in occasions:
            occasion.mark = marks.get((enrolment.pk, occasion.kind, occasion.pk))
        occasions.sort(key=lambda o: (o.starts_at, o.kind, o.pk))
        result[enrolment.pk] = occasions
    return result


def my_enrolments(*, actor) -> QuerySet[Enrolment]:
    """The actor's own enrolments (a trainee's), newest session first, with the attendance rate."""
    return enrolment_list(actor=actor).filter(trainee__user=actor).select_related("certificate").order_by(
        "-session__start_date", "session__code")


@dataclass
class Home:
    enrolments: list[Enrolment]
    today: list[Occasion]  # what is still ahead today, across their sessions
    announcements: list[Announcement]


def home_overview(*, actor, now: dt.datetime | None = None) -> Home:
    """A trainee's start page: their sessions, what is next today, and the announcements for them."""
    now = (now or timezone.now()).astimezone(HUB_ZONE)
    enrolments = list(my_enrolments(actor=actor))
    current = [e for e in enrolments if e.session.start_date <= now.date() <= e.session.end_date]
    occasions = _occasions(current) if current else {}
    today = sorted((o for e in current for o in occasions[e.pk] if o.day == now.date() and o.ends_at > now),
                   key=lambda o: o.starts_at)
    announcements = list(announcement_list(actor=actor, now=now)[:10])
    return Home(enrolments, today, announcements)


def announcement_list(*, actor, now: dt.datetime | None = None) -> QuerySet[Announcement]:
    """The published announcements for the actor's sessions (and those for every trainee), newest first."""
    now = now or timezone.now()
    sessions = access.visible(actor, CourseSession.objects.all()).values("pk")
    return (Announcement.objects.filter(Q(session__isnull=True) | Q(session__in=sessions), published_at__lte=now)
            .select_related("session").order_by("-published_at", "-pk"))


@dataclass
class Day:
    date: dt.date
    occasions: list[Occasion] = field(default_factory=list)


def _by_day(occasions: list[Occasion]) -> list[Day]:
    days: dict[dt.date, Day] = {}
    for occasion in occasions:
        days.setdefault(occasion.day, Day(occasion.day)).occasions.append(occasion)
    return list(days.values())


@dataclass
class Timetable:
    enrolment: Enrolment
    days: list[Day]


def session_timetable(*, actor, code: str) -> Timetable | None:
    """One of the actor's sessions, by day: None when the session is not one of theirs (or does not exist)."""
    enrolment = my_enrolments(actor=actor).filter(session__code=code).first()
    if enrolment is None:
        return None
    return Timetable(enrolment, _by_day(_occasions([enrolment])[enrolment.pk]))


def calendar_occasions(*, actor) -> list[Occasion]:
    """Every slot and visit of the actor's sessions (those they hold or held a seat in, or are on the
    way to), for their calendar."""
    enrolments = [e for e in my_enrolments(actor=actor) if e.status not in ("withdrawn", "no_show")]
    occasions = _occasions(enrolments)
    return [o for e in enrolments for o in occasions[e.pk]]


@dataclass
class SessionAttendance:
    enrolment: Enrolment
    days: list[Day]
    attended: int
    counted: int  # marked, excused left out
    remaining: int  # not marked yet (the session goes on, or nobody has marked them)

    @property
    def threshold(self) -> int:
        return self.enrolment.session.completion_threshold

    @property
    def rate(self) -> float | None:
        return None if self.counted == 0 else 100 * self.attended / self.counted

    @property
    def may_still_miss(self) -> int | None:
        """How many more of the unmarked occasions they may miss and still reach the threshold; None
        when even attending all of them would not reach it."""
        return absences_allowed(attended=self.attended, counted=self.counted, remaining=self.remaining,
                                threshold=self.threshold)

    @property
    def holds_a_seat(self) -> bool:
        return self.enrolment.status in SEAT_HOLDING_STATUSES


def attendance_overview(*, actor) -> list[SessionAttendance]:
    """Per session of the actor's, each day's slots and visits with their mark, the rate, and what is
    still needed for a certificate."""
    enrolments = list(my_enrolments(actor=actor))
    occasions = _occasions(enrolments)
    excuses = {}
    for excuse in access.visible(actor, ExcuseRequest.objects.filter(
            enrolment__in=[e.pk for e in enrolments])).order_by("requested_at", "pk"):
        excuses[(excuse.enrolment_id, "slot" if excuse.slot_id else "visit", excuse.slot_id or excuse.visit_id)] = excuse
    result = []
    for enrolment in enrolments:
        mine = occasions[enrolment.pk]
        for occasion in mine:
            occasion.excuse = excuses.get((enrolment.pk, occasion.kind, occasion.pk))
        marked = [o for o in mine if o.mark]
        result.append(SessionAttendance(
            enrolment=enrolment, days=_by_day(mine),
            attended=sum(1 for o in marked if o.mark in ATTENDED_STATUSES),
            counted=sum(1 for o in marked if o.mark != AttendanceStatus.EXCUSED),
            remaining=len(mine) - len(marked),
        ))
    return result


def my_certificates(*, actor) -> QuerySet[Certificate]:
    """The actor's own certificates, newest first."""
    return access.visible(actor, Certificate.objects.filter(enrolment__trainee__user=actor)).select_related(
        "enrolment__session").order_by("-issued_at")



def excuse_occasion(*, actor, kind: str, pk: int) -> tuple[Enrolment, Occasion] | None:
    """A slot or visit of one of the actor's sessions (a visit: one they take part in), with their
    enrolment, for asking that an absence be excused; None when it is not theirs."""
    enrolments = list(my_enrolments(actor=actor))
    occasions = _occasions(enrolments) if enrolments else {}
    for enrolment in enrolments:
        for occasion in occasions[enrolment.pk]:
            if occasion.kind == kind and occasion.pk == pk:
                return enrolment, occasion
    return None


def excuse_for_download(*, actor, pk: int) -> ExcuseRequest | None:
    """An excuse request with a document, when the actor may see it: hub staff, the coordinator of its
    session, the trainee who asked."""
    return access.visible(actor, ExcuseRequest.objects.exclude(attachment="")).filter(pk=pk).first()


@dataclass
class VisitOffer:
    """A facility visit of a trainee's session, as their timetable offers it."""

    visit: FacilityVisit
    taken: int  # places taken
    signed_up: bool
    waiting_position: int | None  # 1 for first in line; None when not waiting

    @property
    def full(self) -> bool:
        return self.taken >= self.visit.capacity

    @property
    def free(self) -> int:
        return max(self.visit.capacity - self.taken, 0)

    @property
    def open(self) -> bool:
        return self.visit.starts_at > timezone.now()


def visit_offers(*, enrolment: Enrolment) -> list[VisitOffer]:
    """The visits of the enrolment's session, each with its places taken and where the trainee stands:
    three queries, whatever the visits and the waiting lists."""
    visits = list(FacilityVisit.objects.filter(session_id=enrolment.session_id).select_related("host")
                  .annotate(_taken=Count("participants", distinct=True)).order_by("starts_at", "pk"))
    mine = set(FacilityVisit.participants.through.objects.filter(
        enrolment=enrolment, facilityvisit__in=visits).values_list("facilityvisit_id", flat=True))
    positions = {}
    for visit_id, enrolment_id in VisitWaitlistEntry.objects.filter(visit__in=visits).order_by(
            "visit", "joined_at", "pk").values_list("visit_id", "enrolment_id"):
        positions.setdefault(visit_id, []).append(enrolment_id)
    return [VisitOffer(visit=v, taken=v._taken, signed_up=v.pk in mine,
                       waiting_position=(positions.get(v.pk, []).index(enrolment.pk) + 1
                                         if enrolment.pk in positions.get(v.pk, []) else None))
            for v in visits]
