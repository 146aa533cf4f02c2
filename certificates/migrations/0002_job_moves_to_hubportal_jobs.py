"""Background jobs are no longer the certificates app's: they move to hubportal.jobs (generic jobs).

The rows are copied with their ids (links staff kept stay valid), the id sequence follows, and the
content type is renamed so that the permissions groups hold on jobs stay with them.
"""

from django.core.management.color import no_style
from django.db import migrations


def copy_jobs(apps, schema_editor):
    OldJob = apps.get_model("certificates", "Job")
    NewJob = apps.get_model("jobs", "Job")
    fields = ["id", "kind", "session_id", "params", "requested_by_id", "status", "total", "done", "error", "result",
              "created_at", "started_at", "finished_at"]
    rows = [NewJob(**{name: getattr(old, name) for name in fields}, heartbeat_at=old.started_at)
            for old in OldJob.objects.all().iterator()]
    NewJob.objects.bulk_create(rows, batch_size=500)
    if rows:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [NewJob]):
                cursor.execute(sql)
    _move_permissions(apps)


def _move_permissions(apps):
    """certificates.*_job permissions become jobs.*_job, for every group and user that held them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old_type = ContentType.objects.filter(app_label="certificates", model="job").first()
    if old_type is None:  # a new database: permissions are made after the migrations
        return
    new_type = ContentType.objects.filter(app_label="jobs", model="job").first()
    if new_type is None:
        old_type.app_label = "jobs"
        old_type.save(update_fields=["app_label"])
        return
    for old in Permission.objects.filter(content_type=old_type):
        new = Permission.objects.filter(content_type=new_type, codename=old.codename).first()
        if new is None:
            old.content_type = new_type
            old.save(update_fields=["content_type"])
            continue
        for group in old.group_set.all():
            group.permissions.add(new)
        for user in old.user_set.all():
            user.user_permissions.add(new)
    old_type.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("certificates", "0001_initial"),
        ("jobs", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(copy_jobs, migrations.RunPython.noop),
        migrations.DeleteModel(name="Job"),
    ]
