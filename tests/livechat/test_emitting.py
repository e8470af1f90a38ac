"""The client manager delivers an emit to every socket in its rooms, in order, in place: a socket gone
meanwhile costs the others nothing, and the emit does not yield to the event loop. With Redis, the emits
made together reach the other nodes in order, in one Redis message."""

from __future__ import annotations

import asyncio
import json
import uuid

import redis.asyncio as aioredis
import socketio
from engineio.exceptions import SocketIsClosedError

from livechat.realtime.emitting import InlineEmit, RedisInlineEmit
from livechat.realtime.wire import SafeJson
from tests.support.backends import REDIS_TEST_URL


async def _server() -> tuple[socketio.AsyncServer, dict[str, str], list[tuple[str, object]]]:
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=InlineEmit())
    sids = {name: await sio.manager.connect(f"eio-{name}", "/agent") for name in ("ann", "bob", "cid")}
    for sid in sids.values():
        await sio.manager.enter_room(sid, "/agent", "conv:1")
    delivered: list[tuple[str, object]] = []

    async def send_packet(eio_sid: str, pkt) -> None:
        if eio_sid == "eio-bob":
            raise SocketIsClosedError()
        event = json.loads(pkt.data[len("2/agent,"):])
        delivered.append((eio_sid, event))

    sio.eio.send_packet = send_packet
    return sio, sids, delivered


async def test_an_emit_reaches_the_rooms_sockets_in_order_when_one_of_them_is_gone():
    sio, sids, delivered = await _server()
    await sio.emit("message", {"seq": 1}, room="conv:1", namespace="/agent", skip_sid=sids["cid"])
    await sio.emit("message", {"seq": 2}, room="conv:1", namespace="/agent")
    assert delivered == [
        ("eio-ann", ["message", {"seq": 1}]),
        ("eio-ann", ["message", {"seq": 2}]),
        ("eio-cid", ["message", {"seq": 2}]),
    ]


async def test_an_emit_does_not_wait_for_a_turn_of_the_event_loop():
    sio, _sids, delivered = await _server()
    turned = []
    asyncio.get_running_loop().call_soon(turned.append, True)
    for seq in range(20):
        await sio.emit("message", {"seq": seq}, room="conv:1", namespace="/agent")
    assert len(delivered) == 40 and not turned


# -- several nodes: emits made together go to the other nodes in one Redis message -------------------


class _CountingJson(SafeJson):
    """SafeJson, counting the `together` messages it decodes."""

    def __init__(self) -> None:
        self.together = 0

    def loads(self, text, **kwargs):  # noqa: ANN001, ANN201
        value = SafeJson.loads(text, **kwargs)
        self.together += isinstance(value, dict) and "together" in value
        return value


async def _node(channel: str) -> tuple[socketio.AsyncServer, list[tuple[str, object]]]:
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=RedisInlineEmit(REDIS_TEST_URL, channel=channel, json=SafeJson))
    sid = await sio.manager.connect("eio-agent", "/agent")
    await sio.manager.enter_room(sid, "/agent", "conv:1")
    delivered: list[tuple[str, object]] = []

    async def send_packet(eio_sid: str, pkt) -> None:
        delivered.append((eio_sid, json.loads(pkt.data[len("2/agent,"):])))

    sio.eio.send_packet = send_packet
    sio.manager.initialize()  # subscribes to the channel in a background task
    return sio, delivered


async def test_emits_made_together_reach_another_node_in_order_in_one_redis_message():
    channel = f"test-emitting-{uuid.uuid4().hex[:8]}"
    listener = aioredis.from_url(REDIS_TEST_URL).pubsub()
    await listener.subscribe(channel)
    node_a, seen_on_a = await _node(channel)
    node_b, seen_on_b = await _node(channel)
    try:
        async with asyncio.timeout(10):  # until node b listens: a probe from a reaches it
            while not seen_on_b:
                await node_a.emit("probe", {}, room="conv:1", namespace="/agent")
                await asyncio.sleep(0.05)
        seen_on_a.clear(), seen_on_b.clear()
        while await listener.get_message(timeout=0.2) is not None:
            pass  # the probes
        decoded_on = {"a": _CountingJson(), "b": _CountingJson()}
        node_a.manager.json, node_b.manager.json = decoded_on["a"], decoded_on["b"]

        async with node_a.manager.together():
            for seq in range(1, 6):
                await node_a.emit("message", {"seq": seq}, room="conv:1", namespace="/agent")
            # This node's own sockets have them at once; the other node only when the block ends.
            assert [event for _sid, event in seen_on_a] == [["message", {"seq": seq}] for seq in range(1, 6)]
        async with asyncio.timeout(10):
            while len(seen_on_b) < 5:
                await asyncio.sleep(0.01)
        assert [event for _sid, event in seen_on_b] == [["message", {"seq": seq}] for seq in range(1, 6)]

        published = []
        while (message := await listener.get_message(timeout=0.5)) is not None:
            if message["type"] == "message":
                published.append(json.loads(message["data"]))
        assert len(published) == 1 and [emit["data"] for emit in published[0]["together"]] == [[{"seq": seq}] for seq in range(1, 6)]
        # The other node decoded it; this one, which hears its own publishes too, dropped it undecoded.
        assert (decoded_on["a"].together, decoded_on["b"].together) == (0, 1)

        # Outside a block each emit is published on its own, as before.
        await node_a.emit("message", {"seq": 6}, room="conv:1", namespace="/agent")
        async with asyncio.timeout(10):
            while len(seen_on_b) < 6:
                await asyncio.sleep(0.01)
        assert seen_on_b[-1][1] == ["message", {"seq": 6}]
    finally:
        for node in (node_a, node_b):
            node.manager.thread.cancel()
            await node.manager.redis.aclose()
        await listener.aclose()


async def test_a_task_started_inside_a_block_publishes_what_it_emits_after_the_block_ended():
    channel = f"test-emitting-{uuid.uuid4().hex[:8]}"
    node, _seen = await _node(channel)
    listener = aioredis.from_url(REDIS_TEST_URL).pubsub()
    await listener.subscribe(channel)
    try:
        go_on = asyncio.Event()

        async def later() -> None:
            await go_on.wait()
            await node.emit("message", {"seq": 2}, room="conv:1", namespace="/agent")

        async with node.manager.together():
            await node.emit("message", {"seq": 1}, room="conv:1", namespace="/agent")
            task = asyncio.create_task(later())  # shares the block's context
        go_on.set()
        await task
        published = []
        async with asyncio.timeout(10):
            while len(published) < 2:
                message = await listener.get_message(timeout=1)
                if message is not None and message["type"] == "message":
                    published.append(json.loads(message["data"]))
        assert [emit["data"] for emit in published[0]["together"]] == [[{"seq": 1}]]
        assert published[1]["data"] == [{"seq": 2}] and "together" not in published[1]
    finally:
        node.manager.thread.cancel()
        await node.manager.redis.aclose()
        await listener.aclose()
