"""Which kinds of background job exist: each app registers the jobs it runs, with a label for staff.

hubportal.jobs knows no app; an app registers its kinds when its module is imported (from its
AppConfig.ready), so the worker and the web process know the same kinds.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    key: str
    label: str  # may be lazy
    run: Callable  # run(job) -> None; records progress and finishes the job


_KINDS: dict[str, JobKind] = {}


def register(key: str, label) -> Callable:
    """Decorator: `@register("certificates", _("Certificates of a session"))` on the runner."""

    def decorate(run: Callable) -> Callable:
        _KINDS[key] = JobKind(key, label, run)
        return run

    return decorate


def kind(key: str) -> JobKind:
    """The registered kind; KeyError for a kind no app registers (a job left by an uninstalled app)."""
    return _KINDS[key]


def kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda k: str(k.label))
