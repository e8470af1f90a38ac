"""Client managers whose emits queue each recipient's packet in place, without a task per recipient.

python-socketio's AsyncManager.emit starts a task for every recipient and waits for them all, so an
emit yields to the event loop at least once, however few its recipients. The message writer publishes
a batch's messages one after another after its commit; on a loaded loop each of those yields waited a
whole turn of the loop (a batch of 15 messages spent about 8 ms publishing, most of its time). Queueing
a packet for a socket does not block (engine.io's send queue is unbounded), so the sends are done in
place here, in the recipients' order, and an emit returns without yielding.

Emits with a callback (an ack per recipient) keep python-socketio's own path. With Redis the manager
publishes to the other nodes as before; this only changes how each node delivers to its own sockets.
"""

from __future__ import annotations

import logging

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
    """The Redis manager (several nodes): emits go through Redis as before, and each node delivers what
    it receives to its own sockets in place (AsyncPubSubManager's local delivery resolves to InlineEmit)."""
