"""The client manager delivers an emit to every socket in its rooms, in order, in place: a socket gone
meanwhile costs the others nothing, and the emit does not yield to the event loop."""

from __future__ import annotations

import asyncio
import json

import socketio
from engineio.exceptions import SocketIsClosedError

from livechat.realtime.emitting import InlineEmit


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
