"""Messages between a class's leader and its follower screens, sealed with the
key they were paired with.

A message is ``PSL1``, an HMAC-SHA256 of the rest under the pairing key, and
a JSON object. One without the key cannot make one that opens; one with it
that is stale or replayed is refused by the follower (:mod:`poolside.core.follow`).
Anything that does not open says why, as a :class:`Refusal`, and is counted.

Pure: bytes in, bytes out.

    >>> key = bytes(32)
    >>> sealed = seal(key, {"kind": "ping", "nonce": "ab", "t0": 1.5})
    >>> unseal(key, sealed)["t0"]
    1.5
    >>> unseal(bytes([1] * 32), sealed)
    Traceback (most recent call last):
    ...
    poolside.core.link.Refused: forged
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from enum import StrEnum
from typing import Any

MAGIC = b"PSL1"
MAC_BYTES = 32
MAX_BYTES = 2048  # a state message is about 400 bytes; nothing bigger is read
KEY_BYTES = 32


class Refusal(StrEnum):
    """Why a message was not acted on."""

    MALFORMED = "malformed"  # not one of ours, cut short, or not the fields its kind has
    FORGED = "forged"  # sealed without the pairing key, or altered
    REPLAYED = "replayed"  # a state already acted on, or older than one (duplicates too)
    STALE = "stale"  # sent more than STALE_S away from the leader's time now
    UNASKED = "unasked"  # an answer to no ping of ours (a replayed answer)
    OTHER_CLASS = "other class"  # from a leader run this follower has not heard answer it
    NOT_FOR_US = "not for us"  # a kind the receiver does not act on (a ping to a follower)


class Refused(Exception):
    def __init__(self, why: Refusal) -> None:
        super().__init__(str(why))
        self.why = why


def seal(key: bytes, message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":"), sort_keys=True).encode()
    return MAGIC + hmac.digest(key, MAGIC + body, hashlib.sha256) + body


def unseal(key: bytes, data: bytes) -> dict[str, Any]:
    """The message ``data`` holds, if it was sealed with ``key`` and reads whole;
    else :class:`Refused` (the MAC is checked before the JSON is parsed)."""
    if len(data) > MAX_BYTES or len(data) < len(MAGIC) + MAC_BYTES or not data.startswith(MAGIC):
        raise Refused(Refusal.MALFORMED)
    mac, body = data[len(MAGIC) : len(MAGIC) + MAC_BYTES], data[len(MAGIC) + MAC_BYTES :]
    if not hmac.compare_digest(mac, hmac.digest(key, MAGIC + body, hashlib.sha256)):
        raise Refused(Refusal.FORGED)
    try:
        message = json.loads(body)
    except ValueError:
        raise Refused(Refusal.MALFORMED) from None
    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        raise Refused(Refusal.MALFORMED)
    return message


def field(message: dict[str, Any], name: str, kind: type) -> Any:
    """``message[name]`` if it is of ``kind`` (a float may be given as an int, and
    must be finite); else :class:`Refused` as malformed."""
    value = message.get(name)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise Refused(Refusal.MALFORMED)
    if isinstance(value, float) and not math.isfinite(value):
        raise Refused(Refusal.MALFORMED)
    return value
