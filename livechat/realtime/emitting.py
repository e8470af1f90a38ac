"""Client managers whose emits queue each recipient's packet in place, without a task per recipient.

python-socketio's AsyncManager.emit starts a task for every recipient and waits for them all, so an
emit yields to the event loop at least once, however few its recipients. The message writer publishes
a batch's messages one after another after its commit; on a loaded loop each of those yields waited a
whole turn of the loop (a batch of 15 messages spent about 8 ms publishing, most of its time). Queueing
a packet for a socket does not block (engine.io's send queue is unbounded), so the sends are done in
place here, in the recipients' order, and an emit returns without yielding.

Emits with a callback (an ack per recipient) keep python-socketio's own path. With Redis each node
delivers to its own sockets the same way; and the emits made together (a committed transaction's events:
a batch of messages is one) go to the other nodes in one Redis message, not one each.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import socketio
from engineio import packet as eio_packet
from engineio.exceptions import SocketIsClosedError
from socketio import packet

log = logging.getLogger(__name__)


class InlineEmit(socketio.AsyncManager):
    """The in-memory manager (one node), delivering in place."""

    async def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):  # noqa: ANN001, ANN201
        if callback is not None:
            return await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs)
        if namespace not in self.rooms:
            return None
        if isinstance(data, tuple):
            args = list(data)  # several arguments, as python-socketio expands them
        else:
            args = [data] if data is not None else []
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        # Taken before the first send: a send that finds its socket gone changes the rooms.
        recipients = [eio_sid for sid, eio_sid in self.get_participants(namespace, to or room) if sid not in skip]
        if not recipients:
            return None
        encoded = self.server.packet_class(packet.EVENT, namespace=namespace, data=[event, *args]).encode()
        frames = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in (encoded if isinstance(encoded, list) else [encoded])]
        for eio_sid in recipients:
            for frame in frames:
                try:
                    await self.server.eio.send_packet(eio_sid, frame)
                except SocketIsClosedError:
                    break  # gone meanwhile; it resyncs by sequence number when it reconnects
                except Exception:  # noqa: BLE001 - one recipient's failure must not cost the others their packet
                    log.exception("sending %s to socket %s failed", event, eio_sid)
                    break
        return None


class RedisInlineEmit(socketio.AsyncRedisManager, InlineEmit):
    """The Redis manager (several nodes): each node delivers what it receives to its own sockets in place
    (AsyncPubSubManager's local delivery resolves to InlineEmit).

    Inside `together()` an emit is delivered to this node's sockets at once and held for the other nodes,
    which get everything held in one Redis message when the block ends, in order. Published one by one, each
    emit cost a Redis command here and a Redis message to decode on every node (this one too: a node hears
    its own publishes), about as much CPU as the rest of the message's relay. A node of a version before
    this one cannot read such a message and logs it: upgrade all nodes together.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per task (a context variable): another task's emits meanwhile go out on their own, as they would have.
        self._held: ContextVar[_Held | None] = ContextVar(f"held_emits_{id(self)}", default=None)
        # How this node's own `together` messages begin, as the JSON encoder writes them (keys in order, compact).
        self._own_prefix = f'{{"method":"emit","host_id":"{self.host_id}",'.encode()

    @asynccontextmanager
    async def together(self) -> AsyncIterator[None]:
        outer = self._held.get()
        if outer is not None and outer.open:  # inside a block already: its end publishes
            yield
            return
        held = _Held()
        token = self._held.set(held)
        try:
            yield
        finally:
            # Closed before it is published: a task started inside the block shares it, and must publish its
            # later emits itself rather than add them to a message already sent.
            held.open = False
            self._held.reset(token)
            if held.emits:
                await super()._publish({"method": "emit", "host_id": self.host_id, "together": held.emits})

    async def _publish(self, data: dict[str, Any]) -> None:
        held = self._held.get()
        if held is not None and held.open and data.get("method") == "emit" and data.get("callback") is None:
            held.emits.append(data)
            return
        await super()._publish(data)

    async def _listen(self) -> AsyncIterator[Any]:
        # A node hears its own publishes too, and python-socketio decodes each before it sees whose it is:
        # this node's own held emits, every batch's, are dropped undecoded.
        async for message in super()._listen():
            if isinstance(message, bytes) and message.startswith(self._own_prefix):
                continue
            yield message

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        together = message.get("together")
        if together is None:
            await super()._handle_emit(message)
            return
        for emit in together:
            try:
                await super()._handle_emit(emit)
            except Exception:  # noqa: BLE001 - one bad emit must not cost the others their delivery
                log.exception("delivering an emit from another node failed")


class _Held:
    """The emits of one `together()` block, held for the other nodes until it ends."""

    __slots__ = ("emits", "open")

    def __init__(self) -> None:
        self.emits: list[dict[str, Any]] = []
        self.open = True
