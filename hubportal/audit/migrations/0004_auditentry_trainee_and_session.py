"""Each audit entry names the trainee and the course session it concerns, so that the audit log can be
filtered by them and a trainee's entries found when their data is erased. Entries written before
are filled from their targets that still exist, table by table (SQL, not models: this shared app
names no app, and a fresh database has neither entries nor those tables yet)."""

from django.db import migrations, models

_ID = "CAST(audit_auditentry.target_id AS bigint)"


def _of(table: str, column: str, via_enrolment: bool = False) -> str:
    if via_enrolment:
        return (f"(SELECT e.{column} FROM {table} t JOIN cohorts_enrolment e ON e.id = t.enrolment_id "
                f"WHERE t.id = {_ID})")
    return f"(SELECT {column} FROM {table} WHERE id = {_ID})"


# (app label, model, the table the SQL reads or None, the trainee's id, the session's id)
_TARGETS = [
    ("trainees", "trainee", None, _ID, None),
    ("cohorts", "coursesession", None, None, _ID),
    ("cohorts", "enrolment", "cohorts_enrolment", _of("cohorts_enrolment", "trainee_id"),
     _of("cohorts_enrolment", "session_id")),
    ("cohorts", "attendancerecord", "cohorts_attendancerecord",
     _of("cohorts_attendancerecord", "trainee_id", via_enrolment=True),
     _of("cohorts_attendancerecord", "session_id", via_enrolment=True)),
    ("cohorts", "timetableslot", "cohorts_timetableslot", None, _of("cohorts_timetableslot", "session_id")),
    ("cohorts", "facilityvisit", "cohorts_facilityvisit", None, _of("cohorts_facilityvisit", "session_id")),
    ("certificates", "certificate", "certificates_certificate",
     _of("certificates_certificate", "trainee_id", via_enrolment=True),
     _of("certificates_certificate", "session_id", via_enrolment=True)),
    ("jobs", "job", "jobs_job", None, _of("jobs_job", "session_id")),
]


def fill_subjects(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not AuditEntry.objects.exists():
        return
    connection = schema_editor.connection
    tables = set(connection.introspection.table_names())
    types = {(t.app_label, t.model): t.pk for t in ContentType.objects.all()}
    with connection.cursor() as cursor:
        for app_label, model, table, trainee, session in _TARGETS:
            type_id = types.get((app_label, model))
            if type_id is None or (table is not None and table not in tables) or (
                    "cohorts_enrolment" in (trainee or "") + (session or "") and "cohorts_enrolment" not in tables):
                continue
            sets = [f"{column} = {value}" for column, value in (("trainee_id", trainee), ("session_id", session))
                    if value is not None]
            cursor.execute(f"UPDATE audit_auditentry SET {', '.join(sets)} WHERE target_type_id = %s", [type_id])


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_import_entries_without_target"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="trainee_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="trainee"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="session_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="session"),
        ),
        migrations.RunPython(fill_subjects, migrations.RunPython.noop, elidable=True),
    ]
