"""Whom and what an audit entry concerns besides its target: a trainee and a course session, kept by id
(AuditEntry.trainee_id, session_id). hubportal knows no app, so the apps that own them register how
to name them (and how to find a trainee by what staff type) for the audit log's filters.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    key: str  # "trainee", "session": the entry's field is "<key>_id"
    names: Callable[[Collection[int]], dict[int, str]]  # ids -> their names, in one query
    find: Callable[[str], list[int]] | None = None  # what staff typed (an email) -> ids


_SUBJECTS: dict[str, Subject] = {}


def register(subject: Subject) -> Subject:
    _SUBJECTS[subject.key] = subject
    return subject


def names(key: str, ids: Collection[int]) -> dict[int, str]:
    """The names of these ids; an id whose record is gone (or whose app registers none) is "#id"."""
    ids = [int(pk) for pk in ids]
    subject = _SUBJECTS.get(key)
    named = subject.names(ids) if subject is not None and ids else {}
    return {pk: named.get(pk, f"#{pk}") for pk in ids}


def find(key: str, text: str) -> list[int]:
    """The ids `text` names: an id itself, or what the registered `find` makes of it (an email)."""
    text = (text or "").strip().lstrip("#")
    if text.isdigit():
        return [int(text)]
    subject = _SUBJECTS.get(key)
    return subject.find(text) if subject is not None and subject.find is not None and text else []
