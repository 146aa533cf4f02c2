from django.contrib import admin
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from hubportal.admin import AdminWrites, AuditedAdminMixin, AuditedInlineMixin, ExtensibleAdmin

from . import services
from .models import Course, FacultyMember, Module

MODULE_WRITES = AdminWrites("module", create=services.module_create, update=services.module_update,
                            delete=services.module_delete)


class ModuleInline(AuditedInlineMixin, admin.TabularInline):
    model = Module
    writes = MODULE_WRITES
    fields = ["position", "title", "learning_hours", "description"]
    extra = 0


@admin.register(Course)
class CourseAdmin(AuditedAdminMixin, ExtensibleAdmin):
    writes = AdminWrites("course", create=services.course_create, update=services.course_update,
                         delete=services.course_delete)
    list_display = ["code", "title", "kind", "module_count", "total_hours"]
    list_filter = ["kind"]
    search_fields = ["code", "title"]
    inlines = [ModuleInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_module_count=Count("modules"), _total_hours=Sum("modules__learning_hours"))
        )

    @admin.display(description=_("modules"), ordering="_module_count")
    def module_count(self, obj):
        return obj._module_count

    @admin.display(description=_("learning hours"), ordering="_total_hours")
    def total_hours(self, obj):
        return obj._total_hours


@admin.register(Module)
class ModuleAdmin(AuditedAdminMixin, ExtensibleAdmin):
    writes = MODULE_WRITES
    list_display = ["title", "course", "position", "learning_hours"]
    list_filter = ["course"]
    list_select_related = ["course"]
    search_fields = ["title", "course__code", "course__title"]


@admin.register(FacultyMember)
class FacultyMemberAdmin(AuditedAdminMixin, ExtensibleAdmin):
    writes = AdminWrites("faculty_member", create=services.faculty_member_create,
                         update=services.faculty_member_update, delete=services.faculty_member_delete)
    list_display = ["name", "affiliation", "email"]
    search_fields = ["name", "affiliation", "email"]
