"""Log lines as one JSON object each, for a log collector (DJANGO_LOG_FORMAT=json, production's default).

The hub's code logs through the standard library (`logging.getLogger(__name__)`), as Django, Celery
and every library do; structlog only renders their records. Each line carries the id of the request
it belongs to and its user's, once known (hubportal.middleware.RequestIdMiddleware), or in a Celery
worker the running task's id and name.
"""

from contextvars import ContextVar

import structlog
from celery import current_task
from django.utils.functional import empty

# The request being served in this thread (or context): its user is read when each line is written, so
# that a line logged after a sign-in or a sign-out names the user of that moment.
current_request = ContextVar("current_request", default=None)


def add_request_user(_logger, _method_name, event_dict):
    user = getattr(current_request.get(), "user", None)
    # Only a user already looked up (the middleware does it for every request): a log line must not
    # query the session and the user tables, nor change a page's query count.
    if user is not None and getattr(user, "_wrapped", None) is not empty and user.is_authenticated:
        event_dict.setdefault("user_id", user.pk)
    return event_dict


def add_celery_task(_logger, _method_name, event_dict):
    # Asked of Celery for each record, as its own task formatter does: nothing to bind or forget when
    # a worker moves from one task to the next.
    task = current_task
    if task and task.request.id:
        event_dict.setdefault("task_id", task.request.id)
        event_dict.setdefault("task_name", task.name)
    return event_dict


def add_log_level(_logger, method_name, event_dict):
    # The record's own level name (WARNING), not the method's: a record from the standard library
    # names no method.
    record = event_dict.get("_record")
    event_dict["level"] = record.levelname.lower() if record else method_name
    return event_dict


class JSONFormatter(structlog.stdlib.ProcessorFormatter):
    """timestamp (UTC, ISO 8601), level, logger, event, and what the context holds; a traceback as
    `exception`."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args,
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                add_request_user,
                add_celery_task,
                # The fields of a request's line (hubportal.middleware), and the status of Django's own.
                structlog.stdlib.ExtraAdder(allow=("method", "route", "status_code", "duration_ms")),
                structlog.stdlib.add_logger_name,
                add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
            **kwargs,
        )


def bind(**values) -> None:
    """Bind `values` to every line logged from here on in this request or task (its context)."""
    structlog.contextvars.bind_contextvars(**values)


def forget_context() -> None:
    structlog.contextvars.clear_contextvars()


def configure_from_django(**_signal_arguments) -> None:
    """Celery's setup_logging receiver: every Celery process (worker, beat) logs as Django's LOGGING
    says, in the same format as the web processes, instead of Celery's own set-up (which replaces the
    root logger's handlers with its own format and sets the root level, libraries included, from
    --loglevel)."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)

