"""Sign-in lock-out (issue 13): failed attempts are counted per account and address, and per address, in
the cache all web processes share; the portal's sign-in and the admin's are one form with one count."""

import concurrent.futures
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings

from hubportal.clientaddress import client_address, client_network

from ..conftest import PASSWORD
from .conftest import BIN_DIR, PROJECT_DIR, log_tail, stop_process
from .test_deploy import collected_static, dockerfile_command, free_port, production_env, with_option  # noqa: F401

pytestmark = pytest.mark.django_db

LOCKED = re.compile(r"Too many failed sign-in attempts\. Try again in (\d+) minutes?, at (\d\d:\d\d)\.")
REDIS_CACHE_URL = os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/5")


def attempt(client, password, *, path="/accounts/login/", email="staff@hub.test", **extra):
    response = client.post(path, {"login": email, "password": password}, **extra)
    return response.status_code, response.content.decode()


def wrong_passwords(client, count, **kwargs):
    return [attempt(client, f"wrong-{n}", **kwargs) for n in range(count)]


@pytest.mark.parametrize("first, then", [("/admin/login/", "/accounts/login/"), ("/accounts/login/", "/admin/login/")])
def test_twenty_wrong_passwords_on_one_sign_in_page_lock_the_account_on_both(hub_staff, first, then):
    attacker = Client()
    answers = wrong_passwords(attacker, 20, path=first)

    limit = settings.HUB_LOGIN_FAILURES_PER_ACCOUNT
    assert all("not correct" in page for _, page in answers[:limit])
    assert all(LOCKED.search(page) for _, page in answers[limit:])
    for path in (first, then):
        status, page = attempt(attacker, PASSWORD, path=path)  # the right password, from the same address
        assert status == 200, "signed in despite the lock-out"
        minutes, _clock = LOCKED.search(page).groups()
        assert int(minutes) == settings.HUB_LOGIN_FAILURE_WINDOW_SECONDS // 60


def test_the_message_names_the_time_to_try_again_in_the_portal_s_time_zone(hub_staff):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    page = wrong_passwords(Client(), settings.HUB_LOGIN_FAILURES_PER_ACCOUNT + 1)[-1][1]

    clock = LOCKED.search(page).group(2)
    expected = datetime.now(ZoneInfo(settings.TIME_ZONE)) + timedelta(seconds=settings.HUB_LOGIN_FAILURE_WINDOW_SECONDS)
    assert clock in {(expected + timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0, 1)}


def test_the_owner_on_another_address_still_signs_in(hub_staff):
    wrong_passwords(Client(), 20, REMOTE_ADDR="203.0.113.9")

    owner = Client()
    status, _ = attempt(owner, PASSWORD, REMOTE_ADDR="198.51.100.7")

    assert status == 302
    assert owner.get("/admin/").status_code == 200


def test_one_address_trying_many_accounts_is_stopped(role_groups, settings):
    # Fewer than the default, which allauth's limit of sign-in requests a minute (30) would reach first.
    per_address = 8
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": f"{per_address}/15m/ip,10/15m/key"}
    User = get_user_model()
    emails = [f"person-{n}@hub.test" for n in range(per_address // 2 + 2)]
    for email in emails:
        User.objects.create_user(email=email, password=PASSWORD)
    attacker = Client()

    answers = [attempt(attacker, f"wrong-{n}", email=email) for email in emails for n in range(2)]

    assert all("not correct" in page for _, page in answers[:per_address])
    assert all(LOCKED.search(page) for _, page in answers[per_address:])
    assert attempt(Client(), PASSWORD, email=emails[-1], REMOTE_ADDR="198.51.100.7")[0] == 302


def test_a_successful_sign_in_does_not_count_as_a_failure(hub_staff):
    client = Client()
    for _ in range(settings.HUB_LOGIN_FAILURES_PER_ACCOUNT + 2):
        assert attempt(client, PASSWORD)[0] == 302
        client.post("/accounts/logout/")


# --- The client's address -----------------------------------------------------------------------

SPOOFED = "X-Forwarded-For"


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(hub_staff):
    attacker = Client()
    answers = [attempt(attacker, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n in range(20)]

    assert LOCKED.search(answers[-1][1])  # each forged address was counted as the one it came from


@override_settings(HUB_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_reports_is_counted(hub_staff):
    # The proxy appends the address it saw; what stands left of it the client wrote.
    attacker = Client()
    answers = [attempt(attacker, "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")
               for n in range(20)]
    assert LOCKED.search(answers[-1][1])

    owner = Client()
    status, _ = attempt(owner, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert status == 302  # the same proxy, another client


@pytest.mark.parametrize("proxies, forwarded, remote, expected", [
    (0, "", "203.0.113.9", "203.0.113.9"),
    (0, "192.0.2.1", "203.0.113.9", "203.0.113.9"),
    (1, "192.0.2.1, 198.51.100.7", "10.0.0.1", "198.51.100.7"),
    (1, "", "203.0.113.9", "203.0.113.9"),
    (2, "192.0.2.1, 198.51.100.7, 10.0.0.2", "10.0.0.1", "198.51.100.7"),
    (2, "198.51.100.7", "10.0.0.1", "198.51.100.7"),  # through one proxy of two: all its entries are theirs
    (1, "192.0.2.1, not-an-address", "10.0.0.1", "10.0.0.1"),
])
def test_the_client_address_comes_from_the_trusted_proxies_only(settings, proxies, forwarded, remote, expected):
    settings.HUB_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_an_ipv6_client_is_counted_by_its_network():
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    assert client_network(request) == "2001:db8:1:2::"


def test_the_verification_page_limits_by_the_same_address(client, settings):
    settings.VERIFY_RATE_PER_MINUTE = 3
    statuses = [client.get("/verify/NO-SUCH-CODE/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
                for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


# --- Shared by every process --------------------------------------------------------------------


def test_production_refuses_a_cache_of_each_process_s_own(production_env):
    for cache_url in ("locmemcache://", None):
        env = {key: value for key, value in production_env.items() if key != "CACHE_URL"}
        if cache_url:
            env["CACHE_URL"] = cache_url
        result = subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT_DIR, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode != 0
        assert "CACHE_URL" in result.stderr.splitlines()[-1]


def test_production_hashes_passwords_with_argon2(production_env):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.contrib.auth.hashers import make_password; print(make_password('x'))"],
        cwd=PROJECT_DIR, env=production_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("argon2$argon2id$")


def test_too_many_sign_in_requests_a_minute_answer_in_the_portal_s_frame(hub_staff):
    client = Client()
    answers = [client.post("/accounts/login/", {"login": f"nobody-{n}@hub.test", "password": "x"})
               for n in range(31)]

    assert answers[-1].status_code == 429
    page = answers[-1].content.decode()
    assert '<header class="site-header">' in page and "Wait a minute" in page


class Browser:
    """One client of the served portal: its cookies, and the CSRF token the sign-in form needs."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base_url + path, body), timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, email, password):
        self.request("/accounts/login/")
        token = next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")
        return self.request("/admin/login/", {"csrfmiddlewaretoken": token, "login": email, "password": password})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def three_workers(production_env, collected_static, tmp_path):  # noqa: F811
    """The production command (the Dockerfile's: three gunicorn workers) on a shared Redis cache, with
    each request's worker pid in the access log."""
    import redis

    redis.Redis.from_url(REDIS_CACHE_URL).flushdb()
    port = free_port()
    command = with_option(dockerfile_command(), "--bind", f"127.0.0.1:{port}")
    assert command[command.index("--workers") + 1] == "3"
    command = [str(BIN_DIR / command[0]), *command[1:], "--access-logfile", "-",
               "--access-logformat", "pid=%(p)s %(r)s %(s)s"]
    env = {**production_env, "CACHE_URL": REDIS_CACHE_URL, "VERIFY_RATE_PER_MINUTE": "5"}
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_tail(log_path)}")
            try:
                urllib.request.urlopen(f"{base_url}/health/", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer within 30 s:\n{log_tail(log_path)}")
                time.sleep(0.2)
        yield base_url, log_path
    finally:
        stop_process(process)
        redis.Redis.from_url(REDIS_CACHE_URL).flushdb()


def _served_by(log_path, request_line) -> set[str]:
    return {line.split()[0] for line in log_path.read_text().splitlines()
            if line.startswith("pid=") and request_line in line}


@pytest.mark.django_db(transaction=True)
def test_three_workers_share_one_count_and_do_not_triple_the_allowance(three_workers, role_groups):
    base_url, log_path = three_workers
    get_user_model().objects.create_user(email="target@hub.test", password=PASSWORD, is_staff=True)
    limit = settings.HUB_LOGIN_FAILURES_PER_ACCOUNT
    # Each worker with a count of its own would refuse up to 3 * limit passwords; allauth's limit of 30
    # sign-in requests a minute from one address would answer the next ones with a 429.
    attempts = 2 * limit + 5
    browsers = [Browser(base_url) for _ in range(attempts)]

    # Three at a time: each worker serves one request at a time, so all three take their share.
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(lambda browser: browser.sign_in("target@hub.test", "wrong"), browsers))

    assert len(_served_by(log_path, "POST /admin/login/")) > 1, "the attempts did not reach several workers"
    refused = [page for _, page in answers if "not correct" in page]
    locked = [page for _, page in answers if LOCKED.search(page)]
    assert (len(refused), len(locked)) == (limit, attempts - limit)  # one count, not one per worker
    assert LOCKED.search(Browser(base_url).sign_in("target@hub.test", PASSWORD)[1])

    # The verification page's limit (5 a minute here) is the same for all workers too.
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        statuses = list(pool.map(lambda _: Browser(base_url).request("/verify/NO-SUCH-CODE/")[0], range(12)))
    assert len(_served_by(log_path, "GET /verify/NO-SUCH-CODE/")) > 1
    assert (statuses.count(404), statuses.count(429)) == (5, 7)
