"""A trainee's personal data, wherever it lives: each app that keeps some registers its part (what
goes into the trainee's data file, and how to erase it), and trainees.privacy runs them all, in
order, inside one transaction.

hubportal knows no app; an app registers its part when its `privacy` module is imported (from its
AppConfig.ready), so that every process knows every part. A part added to an app without one here
is data the export forgets and the anonymisation leaves behind.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Q
from django.db.models.fields.files import FieldFile

# What a record keeps in place of an erased personal value (stored: not translated).
ERASED = "[erased]"


@dataclass
class Erasure:
    """One trainee's anonymisation under way, handed to every part: first to `prepare` (read what is
    about to go: the texts to take out of the audit log, which entries hold them), then to `erase`."""

    trainee: Model
    now: datetime
    # What stands for their name and their email address from now on.
    anonymous_name: str = ERASED
    anonymous_email: str = ERASED
    # The records about the trainee, by model (their own, their login, enrolments, certificates...):
    # their audit entries and their history in the admin lose the trainee's data too.
    records: dict[type[Model], set[str]] = field(default_factory=dict)
    # Which other audit entries concern the trainee (their audit_subjects, those naming their email).
    audit_entries: Q = field(default_factory=lambda: Q(pk__in=[]))
    # Fields whose values an audit entry loses whole ("given_name": [old, new] becomes ERASED).
    personal_fields: set[str] = field(default_factory=set)
    # What was erased, by kind, for the anonymisation's own audit entry: counts, never values.
    counts: dict[str, int] = field(default_factory=dict)
    # What a part read in `prepare` for its `erase`, under the part's key.
    held: dict = field(default_factory=dict)
    _replacements: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern | None = None

    def concerns(self, model: type[Model], ids: Iterable) -> None:
        """These records of `model` are about the trainee."""
        self.records.setdefault(model, set()).update(str(pk) for pk in ids)

    def records_query(self, type_field: str, id_field: str) -> Q:
        """The rows that point at one of `records` by a content type and an id (an audit entry's
        target, an admin log entry's object)."""
        query = Q(pk__in=[])
        for model, ids in self.records.items():
            query |= Q(**{type_field: ContentType.objects.get_for_model(model), f"{id_field}__in": sorted(ids)})
        return query

    def replace_texts(self, texts: Iterable[str], by: str = ERASED) -> None:
        """From now on `replace` swaps each of these texts (a name, an email; ignoring case, whole
        words only, so that "Kim" leaves "Kimchi" alone) for `by`."""
        for text in texts:
            text = " ".join((text or "").split())
            if len(text) > 1:
                self._replacements.setdefault(text.casefold(), by)
        self._pattern = None

    @property
    def identifying_texts(self) -> list[str]:
        """The texts that name the trainee alone (full names, email addresses), casefolded: what to
        look for in records that are not theirs."""
        return sorted(text for text, by in self._replacements.items() if by in (self.anonymous_name,
                                                                                self.anonymous_email))

    def replace(self, text: str) -> str:
        if not text or not self._replacements:
            return text
        if self._pattern is None:
            # Longest first: a full name goes whole before its given name alone could match in it.
            terms = sorted(self._replacements, key=len, reverse=True)
            self._pattern = re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(map(re.escape, terms)), re.IGNORECASE)
        return self._pattern.sub(lambda match: self._replacements.get(match.group(0).casefold(), ERASED), text)

    def scrub(self, value):
        """A text, or JSON (an audit entry's details, a job's outcome), without the trainee's data:
        every text through `replace`, and the value of any key named in `personal_fields` ERASED."""
        if isinstance(value, str):
            return self.replace(value)
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: ERASED if key in self.personal_fields and item not in (None, "", [], {}) else self.scrub(item)
                    for key, item in value.items()}
        return value

    def count(self, what: str, how_many: int) -> None:
        if how_many:
            self.counts[what] = self.counts.get(what, 0) + how_many

    def delete_file(self, file: FieldFile) -> None:
        """Delete the file once the anonymisation commits: a rollback must not lose it."""
        if file:
            storage, name = file.storage, file.name
            transaction.on_commit(lambda: storage.delete(name))


@dataclass(frozen=True)
class PersonalDataPart:
    key: str  # its key in the trainee's data file: "enrolments"
    order: int  # parts are exported and erased in this order
    # export(trainee) -> what the data file holds under `key` (JSON with dates and decimals)
    export: Callable | None = None
    # prepare(erasure): before anything is erased, name the texts and audit entries that go with it
    prepare: Callable | None = None
    # erase(erasure): replace or delete what the part holds, counting it in erasure.counts
    erase: Callable | None = None


_PARTS: dict[str, PersonalDataPart] = {}


def register(part: PersonalDataPart) -> PersonalDataPart:
    _PARTS[part.key] = part
    return part


def parts() -> list[PersonalDataPart]:
    return sorted(_PARTS.values(), key=lambda part: (part.order, part.key))


def personal_data_export(trainee: Model) -> dict:
    """Every part's data about the trainee, by key, in order."""
    return {part.key: part.export(trainee) for part in parts() if part.export is not None}


def personal_data_erase(erasure: Erasure) -> None:
    """Every part prepares, then every part erases. Call it inside the caller's transaction."""
    for part in parts():
        if part.prepare is not None:
            part.prepare(erasure)
    for part in parts():
        if part.erase is not None:
            part.erase(erasure)
