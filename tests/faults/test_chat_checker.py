"""The fault suite's checker notices each kind of damage it is there to catch."""

from __future__ import annotations

import pytest

from tests.support.chat_checker import Side, check_conversations


def _stored(*rows: tuple[int, str, str]) -> dict:
    return {"c1": [{"seq": seq, "client_id": cid, "text": text} for seq, cid, text in rows]}


GOOD = _stored((1, "v1", "hi"), (2, "a1", "hello"), (3, "v2", "bye"))


def _sides(seen: dict[int, str] | None = None, acked: dict[str, int] | None = None) -> dict:
    return {"c1": [Side("visitor", acked=acked or {"v1": 1, "v2": 3}, seen=seen or {1: "hi", 2: "hello", 3: "bye"})]}


def test_a_whole_conversation_passes():
    check_conversations(GOOD, _sides())


@pytest.mark.parametrize(("stored", "sides", "complaint"), [
    (_stored((1, "v1", "hi"), (3, "v2", "bye")), _sides(seen={1: "hi", 3: "bye"}), "gaps"),
    (_stored((1, "v1", "hi"), (2, "v1", "hi"), (3, "v2", "bye")), _sides(seen={1: "hi", 2: "hi", 3: "bye"}), "stored 2 times"),
    (GOOD, _sides(acked={"v1": 1, "v2": 3, "v3": 4}), "not stored as acknowledged"),
    (GOOD, _sides(seen={1: "hi", 3: "bye"}), "never received seqs [2]"),
    (GOOD, _sides(seen={1: "hi", 2: "HELLO", 3: "bye"}), "unlike what is stored"),
])
def test_each_kind_of_damage_is_reported(stored, sides, complaint):
    with pytest.raises(AssertionError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        check_conversations(stored, sides)
