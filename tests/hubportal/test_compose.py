"""docker-compose.yml holds together as `docker compose config` and `up` would find it, and its commands and
health checks are ones this project runs: no Docker engine runs here, so the file is read and checked,
and each health check is run against the real process it probes (gunicorn, a worker, beat).
"""

import fnmatch
import http.server
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import pytest
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve
from django.utils.module_loading import import_string

from hubportal import views

from . import composefile
from .conftest import BIN_DIR, PROJECT_DIR, READY_TIMEOUT, log_tail, stop_process
from .test_deploy import collected_static, dockerfile_command, gunicorn_url, production_env  # noqa: F401

# What `docker compose up` needs set; the file refuses to start without them (test below).
SECRETS = {"DJANGO_SECRET_KEY": "compose-test-not-secret-" + "0123456789abcdef" * 3,
           "POSTGRES_PASSWORD": "compose-test-password"}
PROFILES = frozenset({"s3"})
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# A variable by one of these names holds a secret: never a default in the file.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|(^|_)KEY($|_)")
# Compose's durations: 1m30s, 500ms, 10s...
DURATION = re.compile(r"(\d+(\.\d+)?(ns|us|ms|s|m|h))+")
# .ci/run's packages that only the tests use; every other one is needed at run time, so in the image too.
TEST_ONLY_PACKAGES = {"poppler-utils", "zbar-tools", "gettext", "chromium"}
# The major release of bookworm's postgresql-client (the Dockerfile's pg_dump): it refuses to dump a
# newer server. Debian's next releases: trixie 17.
DEBIAN_POSTGRESQL_CLIENT = {"bookworm": 15, "trixie": 17}


def all_services() -> dict[str, dict]:
    return composefile.services(SECRETS, PROFILES)


def one_shot(service: dict) -> bool:
    """A service that runs to its end (migrate, createbuckets): compose's `service_completed_successfully`."""
    return service.get("restart") == "no"


def built_here(service: dict) -> bool:
    return "build" in service


def named_volumes(service: dict) -> list[tuple[str, str]]:
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            source, target = volume.get("source", ""), volume["target"]
            if volume.get("type", "volume") != "volume":
                continue
        else:
            source, _, rest = volume.partition(":")
            target = rest.split(":")[0]
        if source and not source.startswith((".", "/", "~", "$")):
            mounts.append((source, target))
    return mounts


def command_of(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def shell_health_check(service: dict) -> str:
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL", test
    return test[1]


def dockerfile() -> str:
    return (PROJECT_DIR / "Dockerfile").read_text()


def dockerfile_runs() -> list[str]:
    """The Dockerfile's RUN instructions, their continued lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile())
    return [line[4:] for line in text.splitlines() if line.startswith("RUN ")]


# --- The file as compose reads it ----------------------------------------------------------------


def test_the_stack_refuses_to_start_without_its_secrets():
    with pytest.raises(composefile.InterpolationError) as error:
        composefile.config({})

    assert "DJANGO_SECRET_KEY" in str(error.value)
    assert "POSTGRES_PASSWORD" in str(error.value)
    composefile.config(SECRETS)  # and starts with them


def test_no_secret_has_a_default_or_is_written_in_the_file():
    document = composefile.raw()
    for service_name, service in document["services"].items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment if "=" in item)
        for key, value in environment.items():
            value = str(value)
            for reference in composefile.references(value):
                if SECRET_NAME.search(reference["name"]) and reference["operator"] in (":-", "-"):
                    assert reference["argument"] == "", (
                        f"{service_name}: ${{{reference['name']}}} has a default; a secret is set by whoever runs it")
            if SECRET_NAME.search(key):
                assert composefile.references(value), f"{service_name}: {key} is written in the file"
            # A URL's password comes from a variable (DATABASE_URL's from POSTGRES_PASSWORD).
            if match := re.search(r"://[^/@:]+:([^@]+)@", value):
                assert re.fullmatch(r"\$\{[^}]+\}", match[1]), f"{service_name}: {key} holds a password"


def test_the_optional_store_refuses_to_start_without_a_password(tmp_path):
    # Required only when its profile is on: compose interpolates the whole file whatever the profiles,
    # so the password is checked by MinIO's entrypoint, not by ${...:?}.
    script = all_services()["minio"]["entrypoint"]
    assert script[:2] == ["sh", "-c"]
    minio = tmp_path / "minio"  # a stand-in that says how it was started
    minio.write_text('#!/bin/sh\necho "minio $*"\n')
    minio.chmod(0o755)
    path = f"{tmp_path}{os.pathsep}{os.environ['PATH']}"

    without = subprocess.run(script, env={"PATH": path, "MINIO_ROOT_PASSWORD": ""},
                             capture_output=True, text=True, timeout=10)
    with_one = subprocess.run(script, env={"PATH": path, "MINIO_ROOT_PASSWORD": "s3cret-enough"},
                              capture_output=True, text=True, timeout=10)

    assert without.returncode == 1 and "set MINIO_ROOT_PASSWORD" in without.stderr
    assert not without.stdout  # minio never started
    assert with_one.returncode == 0 and with_one.stdout.startswith("minio server /data"), with_one.stderr


def test_every_service_has_an_image_or_a_build_and_pins_its_image():
    for name, service in all_services().items():
        assert "image" in service or "build" in service, name
        if not built_here(service):
            image = service["image"]
            tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
            assert tag and tag != "latest", f"{name}: {image} names no release"


def test_every_long_running_service_has_a_health_check():
    for name, service in all_services().items():
        if one_shot(service):
            assert "healthcheck" not in service, f"{name} runs to its end: its exit status is its health"
            continue
        healthcheck = service.get("healthcheck")
        assert healthcheck, f"{name} has no health check"
        assert not healthcheck.get("disable"), name
        test = healthcheck["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, f"{name}: {test}"
        for field in ("interval", "timeout", "start_period"):
            if field in healthcheck:
                assert DURATION.fullmatch(healthcheck[field]), f"{name}: {field} {healthcheck[field]!r}"
        assert isinstance(healthcheck.get("retries", 3), int) and healthcheck.get("retries", 3) > 0, name


def test_dependencies_name_services_that_can_meet_their_condition():
    services = all_services()
    default_stack = composefile.services(SECRETS)
    for name, service in services.items():
        for dependency, options in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on {dependency}, which is not a service"
            condition = options.get("condition", "service_started")
            assert condition in CONDITIONS, f"{name}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits for {dependency} to be healthy"
            if condition == "service_completed_successfully":
                assert one_shot(services[dependency]), f"{name} waits for {dependency} to exit"
            # Compose refuses a required dependency that the active profiles leave out.
            if name in default_stack and options.get("required", True):
                assert dependency in default_stack, f"{name} needs {dependency}, which only a profile starts"

    def visit(name, path):
        assert name not in path, f"a dependency cycle: {' -> '.join([*path, name])}"
        for dependency in services[name].get("depends_on", {}):
            visit(dependency, [*path, name])

    for name in services:
        visit(name, [])
    # Every one-shot is waited for by something: nothing else tells when it failed.
    waited_for = {dependency for service in services.values()
                  for dependency, options in service.get("depends_on", {}).items()
                  if options.get("condition") == "service_completed_successfully"}
    assert {name for name, service in services.items() if one_shot(service)} <= waited_for


def test_named_volumes_are_declared_and_used():
    document = composefile.config(SECRETS)
    declared = set(document.get("volumes") or {})
    used = {source for service in document["services"].values() for source, _ in named_volumes(service)}

    assert used <= declared, f"undeclared volumes: {used - declared}"
    assert declared <= used, f"declared but unused: {declared - used}"
    services = all_services()
    assert ("media", "/app/var/media") in named_volumes(services["web"])
    assert ("media", "/app/var/media") in named_volumes(services["worker"])  # the files workers write
    assert {source for source, _ in named_volumes(services["db"])} == {"postgres-data"}
    assert {source for source, _ in named_volumes(services["redis"])} == {"redis-data"}


def test_workers_can_be_scaled_and_beat_runs_once():
    services = all_services()
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=N
    beats = [name for name, service in services.items() if built_here(service) and "beat" in command_of(service)]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name, service in services.items():  # no worker with a scheduler of its own inside (-B)
        if built_here(service) and "worker" in command_of(service):
            assert not {"-B", "--beat"} & set(command_of(service)), name


def test_the_broker_keeps_its_queue_across_a_restart():
    redis = all_services()["redis"]
    command = command_of(redis)
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(target == "/data" for _, target in named_volumes(redis))


# --- Its commands are this project's -------------------------------------------------------------


def celery_command(argv: list[str]) -> tuple[str, dict]:
    """Parse `celery -A app SUBCOMMAND ...` with Celery's own command line: unknown options fail."""
    from celery.bin.base import CLIContext
    from celery.bin.celery import celery

    from hubportal.celery import app

    assert argv[0] == "celery", argv
    index = next(i for i, token in enumerate(argv) if i and token in celery.commands)
    context = celery.make_context("celery", argv[1:index])
    assert import_string(f"{context.params['app']}.celery.app") is app  # what `-A hubportal` finds
    context.obj = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
    name = argv[index]
    try:
        parsed = celery.get_command(context, name).make_context(name, argv[index + 1:], parent=context)
    except click.UsageError as error:
        pytest.fail(f"{shlex.join(argv)}: {error}")
    return name, parsed.params


def test_the_commands_of_the_project_services_exist():
    for name, service in all_services().items():
        if not built_here(service):
            continue
        argv = command_of(service)
        if argv[0] == "gunicorn":
            import_string(argv[1].replace(":", "."))  # hubportal.wsgi:application imports
        elif argv[0] == "celery":
            celery_command(argv)
        elif argv[:2] == ["python", "manage.py"]:
            assert argv[2] in get_commands(), f"{name}: no manage.py {argv[2]}"
        else:
            pytest.fail(f"{name} runs {argv[0]}, which no test here knows")


def test_web_runs_what_the_image_runs_and_migrations_run_once_before_it():
    services = all_services()
    assert command_of(services["web"]) == dockerfile_command()
    assert command_of(services["migrate"]) == ["python", "manage.py", "migrate", "--noinput"]
    assert not any("migrate" in command_of(s) for n, s in services.items() if built_here(s) and n != "migrate")
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_the_workers_and_beats_health_checks_ping_their_own_node():
    services = all_services()
    for name, default_node in (("worker", "celery"), ("beat", "celerybeat")):
        argv = shlex.split(shell_health_check(services[name]))
        command, params = celery_command(argv)
        assert (command, params["command"]) == ("inspect", "ping"), name
        # The node name each takes by default, celery@ / celerybeat@ and the container's host name.
        assert params["destination"] == [f"{default_node}@$HOSTNAME"], name
        assert params["timeout"] and params["timeout"] < seconds(services[name]["healthcheck"]["timeout"]), name
    _, worker = celery_command(command_of(services["worker"]))
    _, beat = celery_command(command_of(services["beat"]))
    assert worker["hostname"] == f"celery@{socket.gethostname()}"
    assert beat["hostname"] is None and beat["remote_control"] is True  # answers as celerybeat@host


def seconds(duration: str) -> float:
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    return sum(float(value) * units[unit] for value, _, unit in re.findall(r"(\d+(\.\d+)?)(ns|us|ms|s|m|h)", duration))


def web_health_check_code() -> str:
    test = all_services()["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    return test[3]


def test_the_web_health_check_asks_for_readiness_where_gunicorn_listens():
    match = re.search(r"'http://127\.0\.0\.1:(\d+)(/[^']*)'", web_health_check_code())
    bind = dockerfile_command()[dockerfile_command().index("--bind") + 1]

    assert match, "the web health check asks no local address"
    assert bind.endswith(f":{match[1]}")
    assert resolve(match[2]).func is views.readyz


# --- The Dockerfile that builds the services -----------------------------------------------------


def test_the_image_installs_the_locked_releases_with_their_hashes():
    installs = [shlex.split(run) for run in dockerfile_runs() if "pip install" in run]
    lock_install = next(argv for argv in installs if "-r" in argv)
    project_install = next(argv for argv in installs if "." in argv)

    assert lock_install[lock_install.index("-r") + 1] == "requirements/base.lock"
    assert {"--require-hashes", "--no-deps"} <= set(lock_install)
    assert "--no-deps" in project_install  # nothing beyond the lock
    assert "pip check" in next(run for run in dockerfile_runs() if "pip install --no-deps ." in run)
    for argv in installs:
        assert "--upgrade" not in argv and "-U" not in argv, argv
    copy_lock = dockerfile().index("COPY requirements/base.lock")
    assert copy_lock < dockerfile().index("RUN pip install --require-hashes")
    ignored = [line.strip() for line in (PROJECT_DIR / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    parts = Path("requirements/base.lock").parts
    for prefix in ("/".join(parts[:n]) for n in range(1, len(parts) + 1)):
        assert not any(fnmatch.fnmatch(prefix, pattern) for pattern in ignored), f".dockerignore leaves out {prefix}"


def apt_packages_of_the_image() -> set[str]:
    run = next(run for run in dockerfile_runs() if "apt-get install" in run)
    install = run[run.index("apt-get install"):].split("&&")[0]
    return {token for token in install.split()[2:] if not token.startswith("-")}


def test_the_image_has_the_system_packages_the_code_needs_at_run_time():
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    ci_packages = set(re.search(r"APT_PACKAGES=\(([^)]*)\)", ci)[1].split())
    image = apt_packages_of_the_image()

    runtime = ci_packages - TEST_ONLY_PACKAGES
    assert runtime <= image, f"missing from the image: {runtime - image}"
    assert "postgresql-client" in image  # pg_dump, for the backups
    release = re.search(r"^FROM python:[\w.]+-slim-(\w+)", dockerfile(), re.MULTILINE)[1]
    server = int(re.match(r"postgres:(\d+)", all_services()["db"]["image"])[1])
    assert server <= DEBIAN_POSTGRESQL_CLIENT[release], (
        f"pg_dump {DEBIAN_POSTGRESQL_CLIENT[release]} of {release} cannot dump PostgreSQL {server}")


def test_the_volumes_mount_on_folders_the_image_gives_its_user():
    # A new named volume takes the owner of the folder it is mounted on: one the image lacks is root's,
    # and the unprivileged processes could not write to it.
    made = set()
    for run in dockerfile_runs():
        if match := re.search(r"mkdir -p ([^&]+)", run):
            made |= set(match[1].split())
    assert "chown -R hubportal:hubportal /app/var" in " ".join(dockerfile_runs())
    for name, service in all_services().items():
        if built_here(service):
            for _, target in named_volumes(service):
                assert target in made and target.startswith("/app/var/"), f"{name}: {target}"


def dockerfile_env() -> dict[str, str]:
    """The image's ENV, as the Dockerfile sets it."""
    text = re.sub(r"\\\n", " ", dockerfile())
    env = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(token.split("=", 1) for token in shlex.split(line[4:]))
    return env


def test_the_build_step_that_runs_the_settings_passes_as_written(tmp_path):
    # collectstatic loads the production settings at build time: a setting that refuses the build's
    # placeholder values would fail `docker compose build`.
    run = next(run for run in dockerfile_runs() if "collectstatic" in run)
    env = {
        "PATH": f"{BIN_DIR}{os.pathsep}{os.environ['PATH']}",
        **dockerfile_env(),
        "PYTHONPATH": str(PROJECT_DIR),  # the image's /app
        "DJANGO_STATIC_ROOT": str(tmp_path / "staticfiles"),
    }

    result = subprocess.run(["sh", "-c", run], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                            timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()


# --- The health checks, run against the processes they probe ---------------------------------------


def run_health_check(argv: list[str], env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout)


def web_health_check(base_url: str) -> list[str]:
    code = web_health_check_code().replace("http://127.0.0.1:8000", base_url)
    return [sys.executable, "-c", code]


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"status": "ok" if self.status == 200 else "fail"}).encode())

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status, healthy", [(200, True), (503, False)])
def test_the_web_health_check_fails_when_readiness_does(status, healthy):
    handler = type("Answer", (_Answer,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "DJANGO_ALLOWED_HOSTS": ".example.org,localhost"}
        result = run_health_check(web_health_check(f"http://127.0.0.1:{server.server_port}"), env, timeout=30)
    finally:
        server.shutdown()
        server.server_close()

    assert (result.returncode == 0) is healthy, result.stderr


@pytest.mark.django_db
def test_the_web_health_check_passes_against_gunicorn_as_the_image_runs_it(gunicorn_url, production_env):  # noqa: F811
    result = run_health_check(web_health_check(gunicorn_url), production_env)

    assert result.returncode == 0, result.stderr


def start(argv: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        return subprocess.Popen([str(BIN_DIR / argv[0]), *argv[1:]], cwd=PROJECT_DIR, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def healthy_once_it_answers(node: str, health_check: list[str], env: dict, process: subprocess.Popen,
                            log_path: Path) -> subprocess.CompletedProcess:
    """The health check's answer once the node answers a ping from here (each try of the check itself
    would wait its whole --timeout while the process starts)."""
    from hubportal.celery import app

    deadline = time.monotonic() + READY_TIMEOUT
    while not app.control.ping(destination=[node], timeout=0.5):
        if process.poll() is not None:
            pytest.fail(f"{shlex.join(process.args)} exited with {process.returncode}:\n{log_tail(log_path)}")
        if time.monotonic() > deadline:
            pytest.fail(f"{node} did not answer within {READY_TIMEOUT} s:\n{log_tail(log_path)}")
    return run_health_check(health_check, env)


def celery_env(test_database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hubportal.settings.test",
        "DATABASE_URL": test_database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        # What docker gives every container: the health check's $HOSTNAME is the node's host name.
        "HOSTNAME": socket.gethostname(),
        # The image's `celery` on the PATH: this environment's.
        "PATH": f"{BIN_DIR}{os.pathsep}{os.environ['PATH']}",
    }


@pytest.mark.worker
def test_the_worker_health_check_answers_while_the_worker_runs(test_database_url, tmp_path):
    env = {**celery_env(test_database_url), "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    # The compose command; a queue of its own, so that it takes no task another test queued.
    queue = f"hubportal-compose-test-{os.getpid()}"
    worker = [*command_of(all_services()["worker"]), "--pool=solo", "--concurrency=1", "-Q", queue]
    health_check = ["sh", "-c", shell_health_check(all_services()["worker"])]
    log_path = tmp_path / "worker.log"

    process = start(worker, env, log_path)
    try:
        result = healthy_once_it_answers(f"celery@{socket.gethostname()}", health_check, env, process, log_path)
        assert result.returncode == 0 and "pong" in result.stdout, result.stdout + result.stderr
    finally:
        stop_process(process)
    assert run_health_check(health_check, env).returncode != 0  # and fails once it is gone


@pytest.mark.worker
def test_the_beat_health_check_answers_while_beat_runs(test_database_url, tmp_path):
    env = celery_env(test_database_url)
    schedule = tmp_path / "celerybeat" / "schedule"
    schedule.parent.mkdir()
    beat = [token.replace("/app/var/celerybeat/schedule", str(schedule))
            for token in command_of(all_services()["beat"])]
    health_check = ["sh", "-c", shell_health_check(all_services()["beat"])]
    log_path = tmp_path / "beat.log"

    process = start(beat, env, log_path)
    try:
        node = f"celerybeat@{socket.gethostname()}"
        result = healthy_once_it_answers(node, health_check, env, process, log_path)
        assert result.returncode == 0 and node in result.stdout, result.stdout + result.stderr
        assert list(schedule.parent.iterdir())  # the schedule, on what compose mounts a volume on
    finally:
        stop_process(process)
    assert run_health_check(health_check, env).returncode != 0
