"""Upgrading a hub whose background jobs were the certificates app's keeps every job and its id."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("certificates", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_jobs_of_the_certificates_app_move_with_their_ids_and_permissions(django_user_model):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old_apps = migrate(BEFORE)
    try:
        OldJob = old_apps.get_model("certificates", "Job")
        ContentType = old_apps.get_model("contenttypes", "ContentType")
        Permission = old_apps.get_model("auth", "Permission")
        Group = old_apps.get_model("auth", "Group")
        job_type, _ = ContentType.objects.get_or_create(app_label="certificates", model="job")
        view_job, _ = Permission.objects.get_or_create(content_type=job_type, codename="view_job",
                                                       defaults={"name": "Can view background job"})
        staff = Group.objects.create(name="Staff of an old hub")
        staff.permissions.add(view_job)
        OldJob.objects.create(id=41, kind="country_report", params={"format": "pdf"}, status="done", total=1, done=1,
                              result="jobs/countries.pdf")
    finally:
        new_apps = migrate(latest)

    Job = new_apps.get_model("jobs", "Job")
    moved = Job.objects.get(pk=41)
    assert (moved.kind, moved.params, moved.status, moved.result.name) == (
        "country_report", {"format": "pdf"}, "done", "jobs/countries.pdf")
    assert Job.objects.create(kind="country_report").pk > 41  # the id sequence follows the copied rows
    assert "certificates_job" not in connection.introspection.table_names()
    group = new_apps.get_model("auth", "Group").objects.get(name="Staff of an old hub")
    assert [(p.content_type.app_label, p.codename) for p in group.permissions.all()] == [("jobs", "view_job")]
