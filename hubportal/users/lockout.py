"""Sign-in lock-out: failed attempts counted per account and address, and per address.

One mechanism for every way in: the portal's sign-in page and the admin's (which is the same allauth
form, see hubportal.users.views.admin_login) both count in allauth's "login_failed" limit, whose
rates settings.ACCOUNT_RATE_LIMITS sets from HUB_LOGIN_FAILURES_*. allauth keeps the attempts in
Django's cache, so the web processes share them when the cache is shared (Redis in production,
which hubportal.settings.production requires).

allauth counts an account's failures across every address: an attacker who knows an email address
could keep its owner out from anywhere. Here the account's count is per address the attempts come
from, so the owner signing in from their own device is not locked out; the per-address limit stops
one address trying many accounts.
"""

import math
import time
from datetime import datetime
from datetime import timezone as dt_timezone

from django.core.cache import cache
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from hubportal.clientaddress import client_network

ACTION = "login_failed"
APP = "allauth.account"


def attempts_key(request, login: str) -> str:
    """The per-account count's key: the login (as typed, ignoring case) and the client's address."""
    return f"{login.strip().lower()}|{client_network(request)}"


def retry_at(request, key: str) -> float | None:
    """When (a timestamp) the next attempt with this key will be counted again, or None if it will now.

    allauth's limits are sliding windows of the attempts' timestamps; the attempt that frees one is
    the oldest of the last `amount` in each window that is full.
    """
    # The engine allauth's limits run on: its cache keys and the rates as allauth parsed them.
    from allauth.core.internal import ratelimit

    free = None
    for rate in ratelimit.get_rates(app=APP, action=ACTION):
        cache_key = ratelimit.get_cache_key(request, app=APP, action=ACTION, rate=rate, key=key)
        history = sorted(cache.get(cache_key, []), reverse=True)
        if len(history) >= rate.amount:
            at = history[rate.amount - 1] + rate.duration
            free = at if free is None else max(free, at)
    return free


def lockout_message(at: float | None) -> str:
    """What the sign-in form says to a locked-out address: when to try again."""
    if at is None:
        return gettext("Too many failed sign-in attempts. Try again in a minute.")
    minutes = max(1, math.ceil((at - time.time()) / 60))
    clock = formats.time_format(timezone.localtime(datetime.fromtimestamp(at, tz=dt_timezone.utc)), "H:i")
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute, at %(time)s.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes, at %(time)s.",
        minutes,
    ) % {"minutes": minutes, "time": clock}
