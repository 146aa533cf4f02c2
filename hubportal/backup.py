"""Backups of a whole hub, and their restore: the database and every stored file, with a manifest.

A backup is a folder:

    manifest.json       format, when, the versions, the database engine, the applied migrations,
                        and the size and SHA-256 of every other file below
    database.dump       PostgreSQL: pg_dump's custom format (no owners, no privileges), or
    database.json       SQLite: every row of every model, Django's serialisation
    files/<name>        each file of the default storage (certificate PDFs, job results, excuse
                        attachments) under its storage name

The storage is walked through the Storage API (listdir, open, save), so that a backup works the same
on the local folder and on object storage. Import uploads awaiting their confirmation
(IMPORT_UPLOADS_FOLDER) are left out: they are deleted within half an hour anyway.

Restore checks everything before it writes anything: every checksum, the engine, the migrations,
and that the target database holds no data of its own unless told to replace it.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_DUMP = "database.json"
FILES_FOLDER = "files"
# hubportal.importexport.ExpiringUploadStorage.FOLDER: files of trainees' data kept between an import's
# preview and its confirmation, for half an hour at most.
IMPORT_UPLOADS_FOLDER = "import-uploads"
ENGINES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """What stops a backup or a restore, said so that the operator knows what to do."""


@dataclass
class BackupReport:
    directory: Path
    engine: str
    database_bytes: int
    files: int
    file_bytes: int
    skipped_uploads: int

    def summary(self) -> str:
        line = (f"Backed up the {ENGINES[self.engine]} database ({self.database_bytes:,} bytes) and "
                f"{_count(self.files, 'stored file')} ({self.file_bytes:,} bytes) to {self.directory}: "
                f"{_count(self.files + 1, 'file')}, {self.database_bytes + self.file_bytes:,} bytes.")
        if self.skipped_uploads:
            line += (f" Left out {_count(self.skipped_uploads, 'import upload')} awaiting confirmation "
                     f"({IMPORT_UPLOADS_FOLDER}/).")
        return line


@dataclass
class RestoreReport:
    directory: Path
    engine: str
    created_at: str
    files: int
    file_bytes: int
    migrated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = (f"Restored the {ENGINES[self.engine]} database and {_count(self.files, 'stored file')} "
                f"({self.file_bytes:,} bytes) from the backup of {self.created_at} in {self.directory}.")
        if self.migrated:
            line += f" Applied {_count(len(self.migrated), 'migration')} newer than the backup."
        return line


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


# --- Backup ------------------------------------------------------------------------------------


def backup_create(directory: Path, *, using: str = "default", storage: Storage | None = None) -> BackupReport:
    """Write a backup of the database and of every stored file into `directory` (absent or empty).

    Raises BackupError when the folder holds anything, the database is neither PostgreSQL nor
    SQLite, or pg_dump fails (not installed, cannot connect). A backup that fails midway is removed,
    so that a folder with a manifest is always complete.
    """
    storage = storage or default_storage
    connection = connections[using]
    engine = _engine(connection)
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} is not an empty folder: back up into a new one.")
    location = _local_location(storage)
    if location is not None and directory.resolve().is_relative_to(location):
        raise BackupError(f"{directory} is inside the file storage ({location}): the backup would copy itself. "
                          f"Back up into a folder outside it.")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        migrations = _applied_migrations(connection)
        # The database first, then the files: a row points at its file only once the file is complete
        # (certificates.services), so every file the dump names is in the storage when it is walked.
        if engine == "postgresql":
            database_file = directory / POSTGRES_DUMP
            _pg_dump(connection, database_file)
        else:
            database_file = directory / SQLITE_DUMP
            _serialise(using, database_file)
        entries = [_entry(directory, database_file)]
        names, skipped = _stored_names(storage)
        for name in names:
            entries.append(_copy_out(storage, name, directory))
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "django_version": django.get_version(),
            "app_version": _app_version(),
            "database": {"engine": engine, "file": database_file.name},
            "migrations": [[app, name] for app, name in migrations],
            "skipped": {f"{IMPORT_UPLOADS_FOLDER}/": skipped},
            "files": entries,
        }
        # Written last: a folder without one is an unfinished backup, and restore says so.
        (directory / MANIFEST).write_text(_manifest_json(manifest), encoding="utf-8")
    except BaseException:
        for child in directory.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    return BackupReport(directory=directory, engine=engine, database_bytes=entries[0]["size"],
                        files=len(entries) - 1, file_bytes=sum(e["size"] for e in entries[1:]),
                        skipped_uploads=skipped)


def _local_location(storage: Storage) -> Path | None:
    """The folder of a storage on this machine's disk; None for object storage."""
    try:
        return Path(storage.path("")).resolve()
    except NotImplementedError:
        return None


def _manifest_json(manifest: dict) -> str:
    """JSON for a reader too: one line for each key, and for each migration or file of a list."""

    def value(v) -> str:
        if isinstance(v, list) and v:
            return "[\n" + ",\n".join("    " + json.dumps(item, ensure_ascii=False) for item in v) + "\n  ]"
        return json.dumps(v, ensure_ascii=False)

    return "{\n" + ",\n".join(f"  {json.dumps(key)}: {value(v)}" for key, v in manifest.items()) + "\n}\n"


def _engine(connection) -> str:
    if connection.vendor not in ENGINES:
        raise BackupError(f"Backups cover PostgreSQL and SQLite databases, not {connection.vendor}.")
    return connection.vendor


def _applied_migrations(connection) -> list[tuple[str, str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted(recorder.applied_migrations())


def _app_version() -> str:
    try:
        return metadata.version("hubportal")
    except metadata.PackageNotFoundError:
        return "unknown"


def _pg_environment(connection) -> dict[str, str]:
    """libpq's variables for the connection of the settings: the password never on a command line."""
    from django.db.backends.postgresql.client import DatabaseClient

    settings_dict = connection.settings_dict
    _args, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(extra or {})}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGDATABASE", "NAME")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run(command: list[str], *, env: dict) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True)
    except FileNotFoundError:
        raise _not_installed(command[0]) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {_text(result.stderr)}")


def _start(command: list[str], **kwargs) -> subprocess.Popen:
    try:
        return subprocess.Popen(command, **kwargs)
    except FileNotFoundError:
        raise _not_installed(command[0]) from None


def _not_installed(program: str) -> BackupError:
    return BackupError(f"{program} is not installed: it comes with PostgreSQL's client tools "
                       f"(Debian: postgresql-client, of the server's major version or newer).")


def _text(output: bytes) -> str:
    return output.decode(errors="replace").strip() or "(no message)"


def _pg_dump(connection, path: Path) -> None:
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"],
         env=_pg_environment(connection))


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Django's, but keeping microseconds, which it cuts to milliseconds: a restored timestamp is the
    one that was backed up."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _serialise(using: str, path: Path) -> None:
    """Every row of every model (dumpdata's choice of models, by their base managers so that no
    default filter hides a row), with their own primary keys: restore empties the migrated database
    and loads these, content types and permissions included, so every reference lands where it was."""

    def rows():
        for model in apps.get_models():
            if model._meta.proxy or not router.allow_migrate_model(using, model):
                continue
            yield from model._base_manager.using(using).order_by(model._meta.pk.name).iterator()

    with transaction.atomic(using=using), path.open("w", encoding="utf-8") as stream:
        # One read transaction: a consistent picture of the database.
        serializers.serialize("json", rows(), stream=stream, cls=_ExactJSONEncoder)


def _stored_names(storage: Storage) -> tuple[list[str], int]:
    """Every file of the storage but the import uploads, and how many of those were left out."""
    names, skipped = [], 0
    try:
        top_dirs, top_files = storage.listdir("")
    except FileNotFoundError:  # a local storage whose folder was never made: nothing stored yet
        return [], 0
    names.extend(top_files)
    for folder in top_dirs:
        if folder == IMPORT_UPLOADS_FOLDER:
            skipped += sum(1 for _name in _walk(storage, folder))
        else:
            names.extend(_walk(storage, folder))
    return sorted(names), skipped


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    dirs, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}")


def _copy_out(storage: Storage, name: str, directory: Path) -> dict:
    relative = f"{FILES_FOLDER}/{name}"
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"path": relative, "size": size, "sha256": digest.hexdigest()}


def _entry(directory: Path, path: Path) -> dict:
    size, digest = _checksum(path)
    return {"path": path.relative_to(directory).as_posix(), "size": size, "sha256": digest}


def _checksum(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


# --- Restore -----------------------------------------------------------------------------------


def backup_verify(directory: Path) -> dict:
    """The manifest of the backup in `directory`, once every file it lists is there, whole.

    Raises BackupError naming the first file that is missing or differs, or what is wrong with the
    folder or its manifest.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a folder.")
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} has no {MANIFEST}: it is not a backup, or an unfinished one.") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{directory / MANIFEST} is not readable JSON ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{directory / MANIFEST} is not a backup manifest of format {FORMAT_VERSION}.")
    engine = (manifest.get("database") or {}).get("engine")
    if engine not in ENGINES:
        raise BackupError(f"{directory / MANIFEST} names no database engine this restore knows ({engine!r}).")
    entries = manifest.get("files") or []
    database_file = POSTGRES_DUMP if engine == "postgresql" else SQLITE_DUMP
    if database_file not in {entry.get("path") for entry in entries}:
        raise BackupError(f"{directory / MANIFEST} lists no {database_file}.")
    for entry in entries:
        relative = entry.get("path", "")
        parts = PurePosixPath(relative).parts
        if (not relative or relative.startswith("/") or ".." in parts
                or (relative != database_file and (len(parts) < 2 or parts[0] != FILES_FOLDER))):
            raise BackupError(f"{directory / MANIFEST} lists a file outside the backup: {relative!r}.")
        path = directory / relative
        if not path.is_file():
            raise BackupError(f"{relative} is missing from {directory}: the backup is incomplete.")
        size, digest = _checksum(path)
        if (size, digest) != (entry.get("size"), entry.get("sha256")):
            raise BackupError(f"{relative} differs from the backup's manifest (size or SHA-256): "
                              f"the backup is damaged; nothing was restored.")
    return manifest


def database_contents(using: str = "default") -> dict[str, int]:
    """The hub's own data the database holds, as {"trainees": 150, ...}: rows of the user model and of
    the project's models that point at another record (trainees, enrolments, marks, certificates,
    the audit log...). Rows that stand alone, as the reference data `migrate` loads does (countries,
    income classifications), and what Django and the libraries keep (content types, permissions,
    groups, sessions) do not count: a freshly migrated database holds nothing."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    contents = {}
    for model in apps.get_models():
        if model._meta.db_table not in tables or model._meta.proxy:
            continue
        is_user = model._meta.label == settings.AUTH_USER_MODEL
        links = any(f.is_relation and f.concrete for f in model._meta.get_fields())
        if not is_user and not (links and _is_project_app(model._meta.app_config)):
            continue
        count = model._base_manager.using(using).count()
        if count:
            contents[str(model._meta.verbose_name_plural)] = count
    return contents


def _is_project_app(app_config) -> bool:
    path, base = Path(app_config.path).resolve(), Path(settings.BASE_DIR).resolve()
    return path.is_relative_to(base) and "site-packages" not in path.relative_to(base).parts  # not .venv's


def backup_restore(directory: Path, *, force: bool = False, using: str = "default",
                   storage: Storage | None = None) -> RestoreReport:
    """Restore the backup in `directory` into the database and the storage of the settings.

    Refuses, writing nothing, when a file of the backup is missing or differs from the manifest, the
    backup is of another engine, its migrations are unknown to this code (made by a newer version),
    or the database holds data (database_contents) and `force` is not set. The database is replaced
    in one transaction; then the files are written over any of the same name.
    """
    directory = Path(directory)
    storage = storage or default_storage
    manifest = backup_verify(directory)
    connection = connections[using]
    engine = manifest["database"]["engine"]
    target = _engine(connection)
    if engine != target:
        raise BackupError(f"The backup is of a {ENGINES[engine]} database; this one is {ENGINES[target]}: "
                          f"restore it into a {ENGINES[engine]} database.")
    backed_up = {tuple(pair) for pair in manifest.get("migrations", [])}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = sorted(backed_up - set(loader.disk_migrations))
    if unknown:
        raise BackupError(f"The backup was made by a newer version of HubPortal: this one does not know its "
                          f"migrations {_migration_list(unknown)}. Restore it with that version.")
    missing = _migrations_missing(loader, backed_up)
    if missing and engine == "sqlite":
        # Rows are loaded through today's models: they must be those the rows were saved with.
        raise BackupError(f"The backup was made before migrations {_migration_list(missing)}: a SQLite backup "
                          f"is restored by the version of HubPortal that made it (then upgrade it).")
    if not force:
        contents = database_contents(using)
        if contents:
            held = ", ".join(f"{what}: {count}" for what, count in contents.items())
            raise BackupError(f"The database is not empty: it holds {held}. Restoring would replace all of it; "
                              f"run restore again with --force to do so. Nothing was restored.")

    if engine == "postgresql":
        _pg_restore(connection, directory / POSTGRES_DUMP)
        # The restored database is at the backup's migrations: bring it to this code's.
        connection.close()
        call_command("migrate", database=using, interactive=False, verbosity=0)
    else:
        _sqlite_load(using, directory / SQLITE_DUMP)

    files = [entry for entry in manifest["files"] if entry["path"].startswith(f"{FILES_FOLDER}/")]
    for entry in files:
        _copy_in(storage, directory, entry["path"])

    from hubportal.audit.services import audit_record

    migrated = [f"{app}.{name}" for app, name in missing]
    audit_record(actor=None, action="backup.restore", target=None, backup_created_at=manifest.get("created_at"),
                 files=len(files), migrated=migrated)
    return RestoreReport(directory=directory, engine=engine, created_at=manifest.get("created_at", "?"),
                         files=len(files), file_bytes=sum(entry["size"] for entry in files), migrated=migrated)


def _migration_list(migrations) -> str:
    shown = ", ".join(f"{app}.{name}" for app, name in migrations[:5])
    return shown + (f" and {len(migrations) - 5} more" if len(migrations) > 5 else "")


def _migrations_missing(loader: MigrationLoader, backed_up: set) -> list[tuple[str, str]]:
    """This code's migrations that the backup's database had not applied (a squash counts as applied
    when everything it replaces was)."""
    missing = []
    for key in loader.graph.nodes:
        if key in backed_up:
            continue
        squash = loader.replacements.get(key)
        if squash is not None and all(tuple(replaced) in backed_up for replaced in squash.replaces):
            continue
        missing.append(key)
    return sorted(missing)


# Every relation of the schemas the connection uses, except those an extension owns.
_RELATIONS_SQL = """
SELECT c.relkind, format('%I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY (current_schemas(false)) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 2
"""
_DROP = {"v": "VIEW", "m": "MATERIALIZED VIEW", "r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "S": "SEQUENCE"}


def _pg_restore(connection, dump: Path) -> None:
    """Replace everything in the database by the dump, all or nothing: in one transaction, its
    relations (those of a migrated database, or the data --force replaces) are dropped and the SQL
    that pg_restore makes of the dump is run by psql. The transaction is committed only once
    pg_restore has written all of it and psql has run all of it without an error."""
    with connection.cursor() as cursor:
        cursor.execute(_RELATIONS_SQL)
        relations = cursor.fetchall()
    script = ["SET client_min_messages = warning;", "BEGIN;"]
    for kind in ("v", "m", "r", "p", "f", "S"):
        names = [name for relkind, name in relations if relkind == kind]
        if names:
            script.append(f"DROP {_DROP[kind]} IF EXISTS {', '.join(names)} CASCADE;")
    env = _pg_environment(connection)
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        writer = _start(["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists", "--file=-",
                         str(dump)], env=env, stdout=subprocess.PIPE, stderr=restore_errors)
        try:
            runner = _start(["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors)
        except BackupError:
            writer.kill()
            writer.wait()
            raise
        try:
            runner.stdin.write("\n".join(script).encode() + b"\n")
            shutil.copyfileobj(writer.stdout, runner.stdin, _CHUNK)
            writer.wait()
            if writer.returncode == 0:
                runner.stdin.write(b"COMMIT;\n")
            # Otherwise psql reaches the end of its input inside the transaction, which ends unapplied.
        except BrokenPipeError:  # psql stopped at an error, and rolled back: its message says which
            pass
        finally:
            writer.stdout.close()
            try:
                runner.stdin.close()
            except BrokenPipeError:
                pass
            writer.wait()
            runner.wait()
        if writer.returncode != 0 and runner.returncode == 0:
            restore_errors.seek(0)
            raise BackupError(f"pg_restore failed; the database is as it was: {_text(restore_errors.read())}")
        if runner.returncode != 0:
            psql_errors.seek(0)
            raise BackupError(f"Restoring the database failed; it is as it was: {_text(psql_errors.read())}")


def _sqlite_load(using: str, data: Path) -> None:
    """Migrate, then empty every table and load the backup's rows, in one transaction: what `migrate`
    wrote itself (content types, permissions, groups, countries) is replaced by the backup's rows, ids
    and all."""
    call_command("migrate", database=using, interactive=False, verbosity=0)
    with transaction.atomic(using=using):
        call_command("flush", database=using, interactive=False, inhibit_post_migrate=True, verbosity=0)
        call_command("loaddata", str(data), database=using, verbosity=0)


def _copy_in(storage: Storage, directory: Path, relative: str) -> None:
    name = relative.removeprefix(f"{FILES_FOLDER}/")
    if storage.exists(name):
        storage.delete(name)
    with (directory / relative).open("rb") as stream:
        saved = storage.save(name, File(stream, name=PurePosixPath(name).name))
    if saved != name:
        raise BackupError(f"The storage saved {name} as {saved}; the database is restored, its files only in "
                          f"part: run restore again with --force.")
