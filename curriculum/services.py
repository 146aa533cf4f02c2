"""Writes on courses, their modules and the faculty: hub staff's (the policy, hubportal.access, is
checked first). Each validates, saves and leaves an audit entry."""

from decimal import Decimal

from django.db import transaction

from hubportal import access
from hubportal.audit.services import model_create, model_delete, model_update

from .models import Course, FacultyMember, Module

# --- Courses ---------------------------------------------------------------------------------


@transaction.atomic
def course_create(*, actor, code: str, title: str, kind: str, description: str = "") -> Course:
    """Add a course. Raises PermissionDenied unless the actor is hub staff, ValidationError for a
    code another course has or an unknown kind."""
    access.require(actor, access.Action.ADD, Course)
    course = Course(code=code, title=title.strip(), kind=kind, description=description)
    return model_create(actor=actor, instance=course, action="course.create")


@transaction.atomic
def course_update(*, actor, course: Course, **changes) -> Course:
    """Change a course's code, title, kind or description; records what changed from what to what.

    Raises PermissionDenied unless the actor is hub staff, ValidationError as course_create does,
    TypeError for a field that is not a course's.
    """
    access.require(actor, access.Action.CHANGE, course)
    return model_update(actor=actor, instance=course, changes=changes, action="course.update",
                        updatable={"code", "title", "kind", "description"})


@transaction.atomic
def course_delete(*, actor, course: Course) -> None:
    """Delete a course and its modules. Raises PermissionDenied unless the actor is hub staff,
    ProtectedError while sessions of it exist."""
    access.require(actor, access.Action.DELETE, course)
    model_delete(actor=actor, instance=course, action="course.delete")


# --- Modules ---------------------------------------------------------------------------------


@transaction.atomic
def module_create(
    *, actor, course: Course, title: str, learning_hours: Decimal, position: int = 1, description: str = ""
) -> Module:
    """Add a module to a course.

    Raises PermissionDenied unless the actor is hub staff, ValidationError for a title the course
    has already or learning hours not above zero.
    """
    access.require(actor, access.Action.ADD, Module)
    module = Module(course=course, title=title.strip(), learning_hours=learning_hours, position=position,
                    description=description)
    return model_create(actor=actor, instance=module, action="module.create")


@transaction.atomic
def module_update(*, actor, module: Module, **changes) -> Module:
    """Change a module; records what changed from what to what.

    Raises PermissionDenied unless the actor is hub staff, ValidationError as module_create does,
    TypeError for a field that is not a module's.
    """
    access.require(actor, access.Action.CHANGE, module)
    return model_update(actor=actor, instance=module, changes=changes, action="module.update",
                        updatable={"course", "position", "title", "description", "learning_hours"})


@transaction.atomic
def module_delete(*, actor, module: Module) -> None:
    """Delete a module. Raises PermissionDenied unless the actor is hub staff, ProtectedError while
    timetable slots teach it."""
    access.require(actor, access.Action.DELETE, module)
    model_delete(actor=actor, instance=module, action="module.delete")


# --- Faculty ---------------------------------------------------------------------------------


@transaction.atomic
def faculty_member_create(*, actor, name: str, affiliation: str = "", email: str = "") -> FacultyMember:
    """Add a lecturer. Raises PermissionDenied unless the actor is hub staff, ValidationError for a
    name and affiliation the faculty has already."""
    access.require(actor, access.Action.ADD, FacultyMember)
    member = FacultyMember(name=name.strip(), affiliation=affiliation.strip(), email=email.strip())
    return model_create(actor=actor, instance=member, action="faculty_member.create")


@transaction.atomic
def faculty_member_update(*, actor, faculty_member: FacultyMember, **changes) -> FacultyMember:
    """Change a lecturer's name, affiliation or email; records what changed from what to what.

    Raises PermissionDenied unless the actor is hub staff, ValidationError as faculty_member_create
    does, TypeError for another field.
    """
    access.require(actor, access.Action.CHANGE, faculty_member)
    return model_update(actor=actor, instance=faculty_member, changes=changes, action="faculty_member.update",
                        updatable={"name", "affiliation", "email"})


@transaction.atomic
def faculty_member_delete(*, actor, faculty_member: FacultyMember) -> None:
    """Delete a lecturer. Raises PermissionDenied unless the actor is hub staff, ProtectedError
    while timetable slots name them."""
    access.require(actor, access.Action.DELETE, faculty_member)
    model_delete(actor=actor, instance=faculty_member, action="faculty_member.delete")
