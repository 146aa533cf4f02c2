"""Commands print their own output and nothing else: libraries log at WARNING unless
DJANGO_LIBRARY_LOG_LEVEL says otherwise, while the hub's loggers and the Celery worker's lines keep
DJANGO_LOG_LEVEL (INFO)."""

import re
import subprocess
import sys

import pytest

from hubportal.tasks import health_check

from .conftest import PROJECT_DIR, running_worker
from .test_deploy import production_env  # noqa: F401  (a fixture)

# The commands run on the test database, which pytest-django creates only for a test marked so.
pytestmark = pytest.mark.django_db

PIKEPDF_GREETING = "pikepdf C++ to Python logger bridge initialized"
INFO_LINE = re.compile(r"\bINFO\b")
COMMANDS = [["check"], ["seed_demo", "--help"], ["showmigrations"]]


@pytest.fixture(scope="module")
def local_env(production_env):  # noqa: F811
    """What `make run` has: no DJANGO_ variable but the settings module (here on the test database)."""
    env = {key: value for key, value in production_env.items() if not key.startswith("DJANGO_")}
    return {**env, "DJANGO_SETTINGS_MODULE": "hubportal.settings.local"}


@pytest.fixture(params=["local", "production"])
def command_env(request):
    return request.getfixturevalue(f"{request.param}_env")


def manage(env: dict, *arguments: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_a_command_prints_only_its_own_output(command_env, command):
    output = manage(command_env, *command)

    assert "pikepdf" not in output
    assert not INFO_LINE.search(output), output
    assert output.strip()  # its own output is still there


def test_the_library_log_level_lets_libraries_speak(production_env):  # noqa: F811
    output = manage({**production_env, "DJANGO_LIBRARY_LOG_LEVEL": "INFO"}, "check")

    assert re.search(rf"INFO pikepdf\S*: {re.escape(PIKEPDF_GREETING)}", output), output


def test_the_hubs_own_loggers_still_log_at_info(production_env):  # noqa: F811
    script = ("import logging; logging.getLogger('certificates.services').info('certificate issued'); "
              "logging.getLogger('kombu.connection').info('a library talking')")

    output = manage(production_env, "shell", "-c", script)

    assert re.search(r"INFO certificates\.services: certificate issued", output), output
    assert "a library talking" not in output


def test_the_hub_log_level_quiets_the_hubs_loggers(production_env):  # noqa: F811
    script = "import logging; logging.getLogger('certificates.services').info('certificate issued')"

    output = manage({**production_env, "DJANGO_LOG_LEVEL": "WARNING"}, "shell", "-c", script)

    assert "certificate issued" not in output


@pytest.mark.worker
def test_a_worker_logs_that_it_is_ready_and_each_task_but_no_library_chatter(production_env, tmp_path):  # noqa: F811
    settings_env = {key: value for key, value in production_env.items() if key != "DJANGO_MEDIA_ROOT"}

    with running_worker(production_env["DATABASE_URL"], tmp_path, extra_env=settings_env) as (worker, _process):
        answer = health_check.apply_async(queue=worker.queue).get(timeout=10)
    log = worker.log_path.read_text()

    assert answer["pid"] == worker.pid
    assert f"{worker.nodename} ready." in log
    assert re.search(r"Task hubportal\.health_check\[[\w-]+\] received", log), log
    assert re.search(r"Task hubportal\.health_check\[[\w-]+\] succeeded", log), log
    assert "pikepdf" not in log


def test_the_embedded_broker_connects_without_a_warning(local_env):
    """`make run`'s broker (folders, no server): a command that queues a task prints nothing of kombu's."""
    env = {key: value for key, value in local_env.items() if not key.startswith("CELERY_")}
    output = manage(env, "shell", "--no-imports", "-c", "from hubportal.celery import app\n"
                                                      "with app.producer_or_acquire() as producer:\n"
                                                      "    print(producer.connection.transport_cls)")

    assert output.strip() == "filesystem", output
