"""How socket.io packets are encoded and decoded here, without python-socketio's costly or fragile corners.

Every message is encoded at least twice (its ack and its relay), so the JSON encoder is a visible part of
the server's time per message: orjson encodes several times faster than the json module. What orjson
refuses to encode (integers past 64 bits, non-string keys) goes through the json module as before.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from socketio import packet

# The event a packet becomes when its JSON is nested deeper than the parser can go (see SafeJson).
TOO_DEEP_EVENT = "\x00too_deep"


class SafeJson:
    """The json module python-socketio and engine.io use, minus one crash: JSON nested deeper than Python's
    parser allows raised RecursionError inside python-socketio, which logged a trace and never answered.
    Such a packet becomes the TOO_DEEP_EVENT event, which the namespace answers clearly."""

    @staticmethod
    def dumps(value: Any, **_kwargs: Any) -> str:
        # orjson's output is compact, as python-socketio asks of the json module (separators=(",", ":")).
        try:
            return orjson.dumps(value).decode()
        except (orjson.JSONEncodeError, TypeError):
            return json.dumps(value, separators=(",", ":"))

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        # Decoding stays with the json module: orjson reads an integer past 64 bits as a float, silently.
        try:
            return json.loads(text, **kwargs)
        except RecursionError:
            return [TOO_DEEP_EVENT]


class Packet(packet.Packet):
    """python-socketio's packet, with a cheaper test for binary data: the stock one builds a list and folds
    it with functools.reduce at every level of every packet it encodes, with no early exit."""

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        return _has_bytes(data)


def _has_bytes(data: Any) -> bool:
    if isinstance(data, (bytes, bytearray)):
        return True
    if isinstance(data, list):
        for item in data:
            if _has_bytes(item):
                return True
    elif isinstance(data, dict):
        for item in data.values():
            if _has_bytes(item):
                return True
    return False
