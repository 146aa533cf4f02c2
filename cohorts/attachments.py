"""The documents trainees attach to excuses: a PDF or a photo, checked by what the bytes are, never by
the name or the type the browser claims, and small enough for a phone's upload."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str


# Pillow's names of the image formats taken, with the type and extension the file is stored under.
_IMAGES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg")}


def attachment_check(upload) -> CheckedFile:
    """What an uploaded excuse document is: a PDF (its header) or a PNG / JPEG image (Pillow reads and
    verifies it). Raises ValidationError, with a message for the trainee, for a file too big, empty,
    or of any other kind (an executable renamed .pdf)."""
    limit = settings.EXCUSE_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(_("The file is too big: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
                              code="too_big")
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if not head:
        raise ValidationError(_("The file is empty."), code="empty")
    # A PDF's header sits within its first 1024 bytes (PDF 32000-1, 7.5.2 as readers apply it).
    if head.startswith(b"%PDF-"):
        return CheckedFile("application/pdf", "pdf")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    finally:
        upload.seek(0)
    if kind in _IMAGES:
        return CheckedFile(*_IMAGES[kind])
    raise ValidationError(
        _("This file is not a PDF, PNG or JPEG document. Attach a PDF or a photo (PNG or JPEG)."), code="kind")
