"""Errors of the web processes and the workers, sent to Sentry or any service that speaks its protocol
(GlitchTip, a self-hosted Sentry), when SENTRY_DSN names one."""

import structlog


def _tag_request_id(event, _hint):
    # The id of the request's log lines (hubportal.logs): from an event to the lines around it.
    if request_id := structlog.contextvars.get_contextvars().get("request_id"):
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> None:
    """Start reporting: unhandled exceptions of views and tasks, and ERROR log lines, as events.

    No personal data leaves the hub with them (send_default_pii=False): no user's email or address,
    no cookies, no request bodies, and no local variables of the failing code (they hold trainees'
    names and addresses as often as not). Each event is tagged with its request's id.
    """
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=_tag_request_id,
        traces_sample_rate=traces_sample_rate,
    )
