"""A burst of trainees checking in at once, over plain HTTP (http.client, one connection per trainee):
used by tests/cohorts/test_check_in.py and tests/bench/bench_attendance.py."""

import http.client
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_DONE = re.compile("checked in|recorded already")


def _check_in(base_url: str, path: str, session_cookie: str, taps: int) -> tuple[list[float], list[str]]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    cookies = {"sessionid": session_cookie}
    latencies, errors = [], []

    def request(method, body=None, headers=None):
        header = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Host": parts.netloc, **(headers or {})}
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=header)
        response = connection.getresponse()
        text = response.read().decode()
        latencies.append(time.perf_counter() - started)
        for value in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = value.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text

    try:
        status, page = request("GET")
        token = _CSRF_FIELD.search(page)
        if status != 200 or token is None:
            return latencies, [f"GET {status}: {page[:200]}"]
        for _ in range(taps):  # a second tap: a double tap stores nothing more
            status, answer = request("POST", body=f"csrfmiddlewaretoken={token.group(1)}", headers={
                "Content-Type": "application/x-www-form-urlencoded", "Referer": base_url + path,
                "Origin": base_url})
            if status != 200 or not _DONE.search(answer):
                notice = re.search(r'class="notice[^"]*"[^>]*>([^<]*)<', answer)
                errors.append(f"POST {status}: {notice.group(1) if notice else answer[:200]}")
    except OSError as error:
        errors.append(repr(error))
    finally:
        connection.close()
    return latencies, errors


def burst(base_url: str, path: str, session_cookies: list[str], *, workers: int = 50, taps: int = 1) -> dict:
    """Every trainee (a session cookie each) opens `path` and confirms, from `workers` threads at once.
    Returns errors, the requests' median and p99 latency in ms, and the seconds the burst took."""
    lock, latencies, errors = threading.Lock(), [], []

    def one(cookie):
        got, failed = _check_in(base_url, path, cookie, taps)
        with lock:
            latencies.extend(got)
            errors.extend(failed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, session_cookies))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"errors": errors, "requests": len(ordered), "seconds": elapsed,
            "median_ms": statistics.median(ordered) * 1000 if ordered else None,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else None}
