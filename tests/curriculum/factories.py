import factory
from factory.django import DjangoModelFactory

from curriculum.models import Course, CourseKind, FacultyMember, Module


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = "BDM"
    title = "Introductory Course for Biologics Development and Manufacturing"
    kind = CourseKind.THEORY


class ModuleFactory(DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Module {n}")
    learning_hours = 6


class FacultyMemberFactory(DjangoModelFactory):
    class Meta:
        model = FacultyMember

    name = factory.Sequence(lambda n: f"Lecturer {n}")
    affiliation = "International Vaccine Institute"
