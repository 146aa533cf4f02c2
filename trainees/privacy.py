"""A trainee's personal data: the file of everything the portal holds about them, and its erasure.

The other apps register their parts with hubportal.privacy (cohorts: enrolments and attendance;
certificates: certificates); this module registers the trainee's record, their login and the emails
sent to them, and its services run every part, checking the access policy and auditing the run.
"""

import json
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from hubportal import access, privacy
from hubportal.access import Action
from hubportal.audit import subjects
from hubportal.audit.models import AuditEntry
from hubportal.audit.services import audit_record, audit_scrub
from hubportal.jobs.models import Job
from hubportal.outbox.models import OutboundEmail

from .models import Trainee

FILE_FORMAT = "hubportal.trainee-personal-data"
FILE_VERSION = 1

# What an anonymised trainee's record says instead of their name and email. The address is unique per
# trainee, as the constraint on emails wants, and under .invalid (RFC 2606): nothing is ever sent there.
ANONYMISED_GIVEN_NAME = "Anonymised"


def anonymised_family_name(trainee: Trainee) -> str:
    return f"#{trainee.pk}"


def anonymised_email(trainee: Trainee) -> str:
    return f"anonymised-{trainee.pk}@anonymised.invalid"


def anonymised_full_name(trainee: Trainee) -> str:
    return Trainee(given_name=ANONYMISED_GIVEN_NAME, family_name=anonymised_family_name(trainee)).full_name


# --- The services ----------------------------------------------------------------------------


def trainee_export_data(*, actor, trainee: Trainee) -> dict:
    """Everything the portal holds about the trainee, as JSON-ready data (dates and decimals as
    DjangoJSONEncoder writes them): their record, login, enrolments with attendance, certificates,
    the emails sent to them and the history of what was done to their records. Audited.

    Raises PermissionDenied unless the actor may take the trainee's data (hub staff; the trainee
    themselves): a coordinator may not, though they may see the trainee.
    """
    access.require(actor, Action.EXPORT_PERSONAL_DATA, trainee)
    with transaction.atomic():
        data = {"format": FILE_FORMAT, "version": FILE_VERSION, "exported_at": timezone.now(),
                **privacy.personal_data_export(trainee)}
        audit_record(actor=actor, action="trainee.export_personal_data", target=trainee)
    return data


@dataclass(frozen=True)
class Anonymisation:
    """What trainee_anonymise did: `erased` counts what went, by kind (no values)."""

    trainee: Trainee
    already: bool = False
    erased: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def trainee_anonymise(*, actor, trainee: Trainee) -> Anonymisation:
    """Erase the trainee's personal data everywhere it is held (each registered part: names, emails,
    phone, job title, organisation, free text, their login, their certificates' names and PDFs, the
    emails sent to them) and out of the audit log's earlier entries, keeping country, category,
    enrolments and attendance for the statistics, and who did what when. One audit entry, of counts.

    Running it again on an anonymised trainee changes nothing (`already`). Raises PermissionDenied
    unless the actor is hub staff (or the system).
    """
    access.require(actor, Action.ANONYMISE, trainee)
    trainee = Trainee.objects.select_for_update(of=("self",)).select_related("user").get(pk=trainee.pk)
    if trainee.is_anonymised:
        return Anonymisation(trainee, already=True)
    erasure = privacy.Erasure(trainee=trainee, now=timezone.now(), anonymous_name=anonymised_full_name(trainee),
                              anonymous_email=anonymised_email(trainee))
    privacy.personal_data_erase(erasure)
    entries = AuditEntry.objects.filter(erasure.audit_entries | erasure.records_query("target_type", "target_id"))
    erasure.count("audit_entries", audit_scrub(entries=entries, scrub=erasure.scrub))
    audit_record(actor=actor, action="trainee.anonymise", target=trainee, erased=erasure.counts)
    return Anonymisation(trainee, erased=erasure.counts)


def anonymise_summary(results: list[Anonymisation]) -> str:
    done = sum(not result.already for result in results)
    already = len(results) - done
    parts = [ngettext("%(count)d trainee anonymised.", "%(count)d trainees anonymised.", done) % {"count": done}]
    if already:
        parts.append(ngettext("%(count)d was anonymised already; nothing changed for them.",
                              "%(count)d were anonymised already; nothing changed for them.", already)
                     % {"count": already})
    return " ".join(parts)


# --- The trainee's record --------------------------------------------------------------------

# Every field of a trainee is one or the other (tests/trainees/test_privacy.py holds a new field to
# that): what anonymisation replaces, and what stays for the statistics and the record's history.
PERSONAL_FIELDS = (
    "given_name", "family_name", "native_name", "email", "phone", "job_title", "organisation", "user",
    "preferred_name", "dietary_needs", "accessibility_needs", "emergency_contact", "time_zone", "language",
    "calendar_token",
)
KEPT_FIELDS = ("id", "country", "category", "created_at", "updated_at", "anonymised_at")
# Not in the trainee's file: the key of their private calendar feed is a secret, not data about them.
_NOT_EXPORTED = {"user", "calendar_token"}


def _export_trainee(trainee: Trainee) -> dict:
    trainee = Trainee.objects.select_related("country", "organisation").get(pk=trainee.pk)
    data = {name: getattr(trainee, name) for name in (*KEPT_FIELDS, *PERSONAL_FIELDS) if name not in _NOT_EXPORTED}
    data["country"] = {"code": trainee.country.code.code, "name": trainee.country.name}
    data["organisation"] = trainee.organisation.name if trainee.organisation else None
    return data


def _earlier_values(trainee: Trainee) -> dict[str, set[str]]:
    """The personal values the trainee's record has had, as its audit entries kept them: a name
    since corrected still stands in the entries written before the correction."""
    found = {name: set() for name in PERSONAL_FIELDS}
    entries = AuditEntry.objects.filter(target_type=ContentType.objects.get_for_model(Trainee),
                                        target_id=str(trainee.pk)).values_list("data", flat=True)
    for data in entries:
        for key in ("values", "changes"):
            for name, value in (data.get(key) or {}).items() if isinstance(data, dict) else ():
                if name in found:
                    found[name].update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
    return found


def _prepare_trainee(erasure: privacy.Erasure) -> None:
    trainee = erasure.trainee
    earlier = _earlier_values(trainee)
    emails = {trainee.email, *earlier["email"], *earlier["user"]}  # a login is named by its email
    erasure.replace_texts([trainee.full_name], by=erasure.anonymous_name)
    erasure.replace_texts(emails, by=erasure.anonymous_email)
    # Their names and what they wrote of themselves, as they are and as they were.
    texts = [name for name in PERSONAL_FIELDS if name not in ("email", "organisation", "user", "time_zone",
                                                                 "language", "calendar_token")]
    erasure.replace_texts(getattr(trainee, name) for name in texts)
    erasure.replace_texts(value for name in texts for value in earlier[name])
    erasure.personal_fields.update(PERSONAL_FIELDS)
    # Their entries, and any other that names one of their addresses (unique to them, unlike a name).
    erasure.concerns(Trainee, [trainee.pk])
    erasure.audit_entries |= Q(trainee_id=trainee.pk) | _naming_any(emails)


def _naming_any(emails) -> Q:
    """Audit entries whose record name or details hold one of these addresses."""
    query = Q(pk__in=[])
    for email in emails:
        query |= Q(target_repr__icontains=email) | Q(data__icontains=email)
    return query


def _erase_trainee(erasure: privacy.Erasure) -> None:
    trainee = erasure.trainee
    for name in PERSONAL_FIELDS:
        field = Trainee._meta.get_field(name)
        setattr(trainee, name, None if field.null else "")
    trainee.given_name = ANONYMISED_GIVEN_NAME
    trainee.family_name = anonymised_family_name(trainee)
    trainee.email = anonymised_email(trainee)
    trainee.anonymised_at = erasure.now
    trainee.save(update_fields=[*PERSONAL_FIELDS, "anonymised_at", "updated_at"])
    erasure.count("trainee", 1)


privacy.register(privacy.PersonalDataPart("trainee", order=0, export=_export_trainee, prepare=_prepare_trainee,
                                          erase=_erase_trainee))


# --- Their login -----------------------------------------------------------------------------


def _export_account(trainee: Trainee) -> dict | None:
    user = get_user_model().objects.filter(trainee=trainee).first()
    if user is None:
        return None
    return {
        "email": user.email,
        "name": user.name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
        "email_addresses": [{"email": address.email, "verified": address.verified, "primary": address.primary}
                            for address in EmailAddress.objects.filter(user=user).order_by("email")],
    }


def _is_staff_login(user) -> bool:
    """Someone of the hub's own staff who was also a trainee: their working login, and its history,
    stay theirs; the trainee's record only lets go of it."""
    return user.is_staff or user.is_superuser


def _prepare_account(erasure: privacy.Erasure) -> None:
    user = erasure.held["account"] = erasure.trainee.user
    if user is None or _is_staff_login(user):
        return
    emails = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    erasure.replace_texts(emails, by=erasure.anonymous_email)
    erasure.replace_texts([user.name], by=erasure.anonymous_name)
    erasure.personal_fields.add("name")
    erasure.concerns(type(user), [user.pk])
    erasure.audit_entries |= _naming_any(emails)


def _erase_account(erasure: privacy.Erasure) -> None:
    # The login as prepare found it: the trainee's record has let go of it by now.
    user = erasure.held.get("account")
    if user is None:
        return
    if _is_staff_login(user):
        erasure.count("staff_login_unlinked", 1)
        return
    user.delete()  # its email addresses go with it
    erasure.count("login", 1)


privacy.register(privacy.PersonalDataPart("account", order=10, export=_export_account, prepare=_prepare_account,
                                          erase=_erase_account))


# --- Emails sent to them ---------------------------------------------------------------------


def _addresses(trainee: Trainee) -> set[str]:
    addresses = {trainee.email.lower()}
    if trainee.user_id and not _is_staff_login(trainee.user):
        addresses.add(trainee.user.email.lower())
    return addresses


def _emails_to(trainee: Trainee) -> list[OutboundEmail]:
    addresses = _addresses(trainee)
    query = Q(pk__in=[])
    for address in addresses:
        query |= Q(to__icontains=address)
    return [email for email in OutboundEmail.objects.filter(query).order_by("created_at", "pk")
            if addresses & {str(recipient).lower() for recipient in email.to}]


def _export_emails(trainee: Trainee) -> list[dict]:
    """What was sent to them and when; not the text (a sign-in link may be in it), nor anyone else's address."""
    addresses = _addresses(trainee)
    return [{"subject": email.subject, "to": [a for a in email.to if str(a).lower() in addresses],
             "queued_at": email.created_at, "sent_at": email.sent_at, "status": email.status}
            for email in _emails_to(trainee)]


def _prepare_emails(erasure: privacy.Erasure) -> None:
    emails = _emails_to(erasure.trainee)
    erasure.held["emails"] = emails, _addresses(erasure.trainee)
    erasure.concerns(OutboundEmail, [email.pk for email in emails])


def _erase_emails(erasure: privacy.Erasure) -> None:
    """An email only to them goes; one to others as well loses their address and their name."""
    emails, addresses = erasure.held["emails"]
    deleted = []
    for email in emails:
        others = [address for address in email.to if str(address).lower() not in addresses]
        if not others:
            deleted.append(email.pk)
            continue
        email.to = others
        email.subject, email.body, email.html_body = (erasure.replace(email.subject), erasure.replace(email.body),
                                                      erasure.replace(email.html_body))
        email.save(update_fields=["to", "subject", "body", "html_body"])
    OutboundEmail.objects.filter(pk__in=deleted).delete()
    erasure.count("emails", len(emails))


privacy.register(privacy.PersonalDataPart("emails", order=40, export=_export_emails, prepare=_prepare_emails,
                                          erase=_erase_emails))


# --- Background jobs whose outcome names them (an import's problems) --------------------------


def _prepare_jobs(erasure: privacy.Erasure) -> None:
    query = Q(pk__in=[])
    for text in (erasure.trainee.full_name, *_addresses(erasure.trainee)):
        query |= Q(outcome__icontains=text) | Q(error__icontains=text)
    erasure.held["jobs"] = list(Job.objects.filter(query))


def _erase_jobs(erasure: privacy.Erasure) -> None:
    for job in erasure.held["jobs"]:
        job.outcome, job.error = erasure.scrub(job.outcome), erasure.scrub(job.error)
        job.save(update_fields=["outcome", "error"])
    erasure.count("job_reports", len(erasure.held["jobs"]))


privacy.register(privacy.PersonalDataPart("jobs", order=50, prepare=_prepare_jobs, erase=_erase_jobs))


# --- Their records' history in the admin (Django's admin log names them) ----------------------


def _erase_admin_history(erasure: privacy.Erasure) -> None:
    # Their records' entries, and those of others naming them (a session's page: "Added enrolment
    # “Min-jun KIM – BDM-2022-07”", in JSON that writes Hangul as \uXXXX escapes).
    query = erasure.records_query("content_type", "object_id")
    for text in erasure.identifying_texts:
        query |= Q(object_repr__icontains=text) | Q(change_message__icontains=json.dumps(text)[1:-1])
    entries = list(LogEntry.objects.filter(query))
    for entry in entries:
        entry.object_repr = erasure.replace(entry.object_repr)[:200]
        try:
            # A list of what changed, in JSON: names of related rows (a nominated trainee) in it too.
            entry.change_message = json.dumps(erasure.scrub(json.loads(entry.change_message)))
        except ValueError:
            entry.change_message = erasure.replace(entry.change_message)
    LogEntry.objects.bulk_update(entries, ["object_repr", "change_message"])
    erasure.count("admin_history", len(entries))


# After every part has named the records it holds about the trainee.
privacy.register(privacy.PersonalDataPart("admin_history", order=95, erase=_erase_admin_history))


# --- What was done to their records (the audit log; scrubbed by trainee_anonymise) ------------


def _export_history(trainee: Trainee) -> list[dict]:
    return [{"when": when, "action": action} for when, action in
            AuditEntry.objects.filter(trainee_id=trainee.pk).order_by("occurred_at", "pk")
            .values_list("occurred_at", "action")]


privacy.register(privacy.PersonalDataPart("history", order=90, export=_export_history))


# --- The audit log's filter by trainee names them --------------------------------------------


def _trainee_names(ids) -> dict[int, str]:
    return {trainee.pk: f"{trainee} <{trainee.email}>" for trainee in Trainee.objects.filter(pk__in=ids)}


def _trainees_with_email(text: str) -> list[int]:
    return list(Trainee.objects.filter(email__iexact=text.strip()).values_list("pk", flat=True))


subjects.register(subjects.Subject("trainee", names=_trainee_names, find=_trainees_with_email))
