import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cohorts.models import CourseSession, Enrolment, EnrolmentStatus, FacilityVisit, SessionStatus, TimetableSlot
from tests.curriculum.factories import CourseFactory, ModuleFactory
from tests.trainees.factories import OrganisationFactory, TraineeFactory


class CourseSessionFactory(DjangoModelFactory):
    class Meta:
        model = CourseSession

    code = factory.Sequence(lambda n: f"BDM-2030-{n:02d}")
    course = factory.SubFactory(CourseFactory)
    start_date = dt.date(2022, 7, 18)
    end_date = dt.date(2022, 7, 29)
    venue = "Seoul National University, Hoam Faculty House"
    capacity = 30
    status = SessionStatus.OPEN


class TimetableSlotFactory(DjangoModelFactory):
    class Meta:
        model = TimetableSlot

    session = factory.SubFactory(CourseSessionFactory)
    # Ten slots a day, across the session's days, so that a test can ask for a hundred of them.
    date = factory.LazyAttributeSequence(lambda o, n: o.session.start_date + dt.timedelta(days=(n // 10) % 10))
    start_time = factory.Sequence(lambda n: dt.time(8 + n % 10, 0))
    end_time = factory.LazyAttribute(lambda o: dt.time(o.start_time.hour, 50))
    module = factory.SubFactory(ModuleFactory, course=factory.SelfAttribute("..session.course"))
    title = factory.LazyAttribute(lambda o: o.module.title)


class EnrolmentFactory(DjangoModelFactory):
    """An enrolment in a given status, created directly: for tests of reads, not of the path."""

    class Meta:
        model = Enrolment

    trainee = factory.SubFactory(TraineeFactory)
    session = factory.SubFactory(CourseSessionFactory)
    status = EnrolmentStatus.NOMINATED
    status_changed_at = factory.LazyFunction(timezone.now)


class FacilityVisitFactory(DjangoModelFactory):
    class Meta:
        model = FacilityVisit

    session = factory.SubFactory(CourseSessionFactory)
    host = factory.SubFactory(OrganisationFactory)
    site = "Fill-finish plant"
    starts_at = factory.LazyFunction(lambda: timezone.make_aware(dt.datetime(2022, 7, 28, 9)))
    ends_at = factory.LazyFunction(lambda: timezone.make_aware(dt.datetime(2022, 7, 28, 17)))
    capacity = 10
