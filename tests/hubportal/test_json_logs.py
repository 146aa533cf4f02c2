"""In production every log line is one JSON object (timestamp, level, logger, event) that names the
request it belongs to (X-Request-ID, echoed in the response) and the signed-in user, or the Celery
task; `make run` and DJANGO_LOG_FORMAT=plain keep the lines a person reads."""

import io
import json
import logging
import re
import subprocess
import sys
from contextlib import contextmanager

import pytest

from hubportal.logs import JSONFormatter
from hubportal.tasks import health_check

from .conftest import PROJECT_DIR, running_worker
from .test_deploy_settings import operator_env  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


@contextmanager
def json_lines(*logger_names: str):
    """The lines the named loggers write through production's JSON formatter, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    loggers = [logging.getLogger(name) for name in logger_names]
    levels = [logger.level for logger in loggers]
    lines = []
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_a_request_is_logged_with_its_id_and_its_users(client, trainee_user):
    client.force_login(trainee_user)

    with json_lines("hubportal.requests") as lines:
        response = client.get("/profile/data.json", headers={"X-Request-ID": "3f2a9c1e-proxy-77"})

    assert response["X-Request-ID"] == "3f2a9c1e-proxy-77"
    [line] = lines
    assert line["request_id"] == "3f2a9c1e-proxy-77"
    assert line["user_id"] == trainee_user.pk
    assert line["logger"] == "hubportal.requests" and line["level"] == "info"
    assert line["method"] == "GET" and line["route"] == "profile/data.json"
    assert line["status_code"] == response.status_code
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", line["timestamp"])
    assert "event" in line


def test_a_line_logged_while_serving_a_request_carries_its_ids(client, trainee_user):
    client.force_login(trainee_user)

    with json_lines("django.request") as lines:
        response = client.get("/sessions/NO-SUCH-SESSION/timetable/")

    assert response.status_code == 404
    [line] = lines
    assert line["level"] == "warning" and "Not Found" in line["event"]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == trainee_user.pk


@pytest.mark.parametrize("incoming", [None, "", "two words", "x" * 300, "id\nforged line", "ünïcode"],
                         ids=["none", "empty", "space", "too-long", "line-break", "non-ascii"])
def test_a_request_without_a_sane_id_gets_one_of_its_own(client, incoming):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}

    with json_lines("hubportal.requests") as lines:
        response = client.get("/accounts/login/", headers=headers)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    [line] = lines
    assert line["request_id"] == response["X-Request-ID"]
    assert "user_id" not in line  # nobody signed in


def test_a_logged_out_visitor_has_no_user_id_and_the_path_is_not_logged(client):
    with json_lines("hubportal.requests") as lines:
        client.get("/calendar/a-secret-feed-token.ics")

    [line] = lines
    assert "user_id" not in line
    assert "a-secret-feed-token" not in json.dumps(line)  # the route is logged, not the path
    assert line["route"] == "calendar/<str:token>.ics"


def manage(env: dict, *arguments: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stderr


LOG_A_LINE = "import logging; logging.getLogger('certificates.services').info('certificate %s issued', 'BDM-1')"


def test_production_logs_one_json_object_a_line(operator_env):  # noqa: F811
    output = manage(operator_env, "shell", "--no-imports", "-c", LOG_A_LINE)

    [line] = [json.loads(text) for text in output.splitlines()]
    assert line["event"] == "certificate BDM-1 issued"
    assert line["logger"] == "certificates.services" and line["level"] == "info"
    assert "timestamp" in line


def test_the_plain_format_stays_for_people(operator_env):  # noqa: F811
    output = manage({**operator_env, "DJANGO_LOG_FORMAT": "plain"}, "shell", "--no-imports", "-c", LOG_A_LINE)

    assert re.search(r"INFO certificates\.services: certificate BDM-1 issued", output), output


def test_an_unknown_log_format_is_refused(operator_env):  # noqa: F811
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT_DIR, capture_output=True,
                            text=True, timeout=120, env={**operator_env, "DJANGO_LOG_FORMAT": "xml"})

    assert result.returncode != 0
    assert "DJANGO_LOG_FORMAT" in result.stderr.splitlines()[-1]


@pytest.mark.worker
def test_a_workers_lines_are_json_and_a_tasks_carry_its_id(operator_env, tmp_path):  # noqa: F811
    env = {**operator_env, "DJANGO_SETTINGS_MODULE": "hubportal.settings.production"}

    with running_worker(operator_env["DATABASE_URL"], tmp_path, extra_env=env) as (worker, _process):
        result = health_check.apply_async(queue=worker.queue)
        result.get(timeout=10)
    # The start-up banner is printed, not logged; every logged line is an object.
    logged = [line for line in worker.log_path.read_text().splitlines() if line.startswith("{")]
    lines = [json.loads(line) for line in logged]

    assert any(f"{worker.nodename} ready." in line["event"] for line in lines), logged
    succeeded = [line for line in lines if "succeeded" in line["event"] and result.id in line["event"]]
    assert succeeded, logged
    assert succeeded[0]["task_id"] == result.id
    assert succeeded[0]["task_name"] == "hubportal.health_check"
