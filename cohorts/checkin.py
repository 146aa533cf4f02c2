"""The codes of self check-in: what the QR code on the staff's screen encodes, and the six characters
a trainee may type instead.

A code is an HMAC of the slot and a 30-second window, keyed by the portal's secret: it cannot be
guessed, and it changes with every window. A code is accepted in its own window and one either side
(clocks that disagree, a slow scan), so one photographed and sent to a friend stops working within
a minute and a half. Nothing is stored: the server recomputes the codes it would accept.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

WINDOW_SECONDS = 30
CODE_LENGTH = 6
# Neither 0/O nor 1/I/L: the code is read off a screen across a room.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACCEPTED = (-1, 0, 1)  # windows around now whose codes still work
EXPIRED = range(-40, -1)  # older windows (the last twenty minutes): "expired", rather than "not a code"
_SALT = "hubportal.cohorts.checkin"


def window_of(at: datetime | None = None) -> int:
    return int((at or timezone.now()).timestamp()) // WINDOW_SECONDS


def seconds_left(at: datetime | None = None) -> float:
    """Until the code shown now changes."""
    moment = (at or timezone.now()).timestamp()
    return WINDOW_SECONDS - moment % WINDOW_SECONDS


def code_for(slot_id: int, window: int) -> str:
    number = int.from_bytes(salted_hmac(_SALT, f"slot:{slot_id}:{window}").digest()[:8], "big")
    characters = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        characters.append(ALPHABET[index])
    return "".join(characters)


def token_for(slot_id: int, at: datetime | None = None) -> str:
    """What the QR code's address ends with: /check-in/<token>/."""
    return f"{slot_id}-{code_for(slot_id, window_of(at))}"


def normalise(code: str) -> str:
    return "".join(code.split()).upper().replace("-", "")


def _matches(slot_id: int, code: str, window: int, offsets) -> bool:
    return any(constant_time_compare(code_for(slot_id, window + offset), code) for offset in offsets)


def read_token(token: str, at: datetime | None = None) -> tuple[int | None, str]:
    """The slot a token names and whether it holds: (slot id, "ok" | "expired" | "invalid")."""
    slot_part, _sep, code = token.partition("-")
    if not slot_part.isdigit() or len(code) != CODE_LENGTH:
        return None, "invalid"
    slot_id, window = int(slot_part), window_of(at)
    if _matches(slot_id, normalise(code), window, ACCEPTED):
        return slot_id, "ok"
    if _matches(slot_id, normalise(code), window, EXPIRED):
        return slot_id, "expired"
    return None, "invalid"


def slot_of_code(code: str, slot_ids, at: datetime | None = None) -> tuple[int | None, str]:
    """Which of these slots a typed code is for: (slot id, "ok" | "expired" | "invalid")."""
    code, window = normalise(code), window_of(at)
    if len(code) != CODE_LENGTH:
        return None, "invalid"
    for slot_id in slot_ids:
        if _matches(slot_id, code, window, ACCEPTED):
            return slot_id, "ok"
    for slot_id in slot_ids:
        if _matches(slot_id, code, window, EXPIRED):
            return slot_id, "expired"
    return None, "invalid"
