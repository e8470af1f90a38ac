"""Socket packets decode and encode as before the faster codec: what orjson refuses goes through the json
module, JSON nested too deep becomes the event the namespace answers, and binary data is still found."""

from __future__ import annotations

import math

from livechat.realtime.wire import TOO_DEEP_EVENT, Packet, SafeJson


def test_what_orjson_refuses_still_decodes_and_encodes():
    assert SafeJson.loads('["message", {"n": 123456789012345678901234567890}]') == ["message", {"n": 123456789012345678901234567890}]
    assert math.isnan(SafeJson.loads('["message", {"n": NaN}]')[1]["n"])  # the json module's NaN, as before
    assert SafeJson.dumps({1: "a", "b": 2**70}) == '{"1":"a","b":1180591620717411303424}'


def test_plain_packets_round_trip_compactly():
    data = ["message", {"text": "Zażółć gęślą jaźń 🙂", "seq": 3, "payload": None, "ok": True}]
    encoded = SafeJson.dumps(data, separators=(",", ":"))
    assert encoded.startswith('["message",{"text":"Zażółć') and ", " not in encoded
    assert SafeJson.loads(encoded) == data


def test_json_nested_deeper_than_any_parser_goes_becomes_the_too_deep_event():
    assert SafeJson.loads("[" * 100_000 + "]" * 100_000) == [TOO_DEEP_EVENT]


def test_binary_data_is_found_at_any_depth_and_only_there():
    assert Packet.data_is_binary(["file", {"parts": [{"body": b"\x00\x01"}]}])
    assert not Packet.data_is_binary(["message", {"text": "bytes", "parts": [{"n": 1}], "none": None}])
