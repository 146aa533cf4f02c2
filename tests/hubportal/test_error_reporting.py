"""With SENTRY_DSN set, an error in a view reaches the Sentry-compatible service it names, without the
visitor's cookies; without it, nothing is started and nothing is sent."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import path

from .conftest import PROJECT_DIR

pytestmark = pytest.mark.django_db


def failing_view(request):
    raise RuntimeError("a view fails")


# The URLconf of the process the tests below start (override_settings(ROOT_URLCONF=this module)).
urlpatterns = [path("fail/", failing_view)]


class SentryStandIn(BaseHTTPRequestHandler):
    """Takes what an SDK sends (POST /api/<project>/envelope/) and keeps it."""

    received: list[tuple[str, bytes]]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # what the SDK sends when Brotli is installed (WeasyPrint's fonttools brings it)
            import brotli

            body = brotli.decompress(body)
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SentryStandIn)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def test_env(test_database_url) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")}
    return {**env, "DJANGO_SETTINGS_MODULE": "hubportal.settings.test", "DATABASE_URL": test_database_url}


def run(env: dict, script: str) -> str:
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + script], cwd=PROJECT_DIR,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


REQUEST_A_FAILING_PAGE = """
import sentry_sdk
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="tests.hubportal.test_error_reporting"):
    response = Client(raise_request_exception=False).get("/fail/", headers={"Cookie": "sessionid=a-secret-cookie",
                                                                       "X-Request-ID": "failing-request-1"})
print(response.status_code)
sentry_sdk.flush(timeout=10)
"""


def test_an_error_in_a_view_is_sent_to_the_service_of_the_dsn(sentry_server, test_env):
    port = sentry_server.server_address[1]
    env = {**test_env, "SENTRY_DSN": f"http://public-key@127.0.0.1:{port}/42",
           "SENTRY_ENVIRONMENT": "staging", "SENTRY_RELEASE": "hubportal@1.2.3"}

    assert run(env, REQUEST_A_FAILING_PAGE).split()[-1] == "500"

    paths = {path for path, _ in sentry_server.received}
    assert paths == {"/api/42/envelope/"}
    events = [json.loads(item) for _, body in sentry_server.received for item in body.splitlines()
              if b'"exception"' in item]
    assert events, sentry_server.received
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["value"] == "a view fails"
    assert event["environment"] == "staging" and event["release"] == "hubportal@1.2.3"
    assert event["transaction"] == "/fail/"
    assert event["tags"]["request_id"] == "failing-request-1"  # as in the request's log lines
    assert not any("vars" in frame for frame in event["exception"]["values"][-1]["stacktrace"]["frames"])
    everything = b"".join(body for _, body in sentry_server.received)
    assert b"a-secret-cookie" not in everything  # send_default_pii=False: no cookies, no user


def test_without_a_dsn_nothing_is_started_or_sent(sentry_server, test_env):
    is_active = "import sentry_sdk; print(sentry_sdk.get_client().is_active())\n"

    output = run(test_env, is_active + REQUEST_A_FAILING_PAGE)

    assert output.split()[0] == "False"
    assert sentry_server.received == []


def test_the_dsn_starts_reporting_for_django_and_celery(sentry_server, test_env):
    port = sentry_server.server_address[1]
    env = {**test_env, "SENTRY_DSN": f"http://public-key@127.0.0.1:{port}/42"}

    output = run(env, "import sentry_sdk; client = sentry_sdk.get_client()\n"
                      "print(client.is_active(), client.options['send_default_pii'], "
                      "' '.join(sorted(set(client.integrations) & {'django', 'celery'})))")

    assert output.split() == ["True", "False", "celery", "django"]
