"""A stand-in for a HubSpot-style CRM (CRM v3 REST shapes), in memory, with knobs for bad days.

Implements what crm_sync uses: batch upsert of contacts, deals and notes by a unique id property
(with associations), batch archive and single DELETE by id property, paginated list endpoints with
`after` cursors, bearer-token auth. Knobs: a delay per request (a slow CRM), the next N replies as 429
with Retry-After, as 5xx, or as malformed JSON. It counts creates and updates per record, so tests
can check that every record arrived exactly once.

Run on its own for the benchmark: python -m tests.support.crm_standin --port 8099 --token T
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MAX_BATCH = 100
OBJECTS = ("contacts", "deals", "notes")


@dataclass
class Fault:
    status: int
    retry_after_s: float | None = None
    malformed: bool = False


@dataclass
class StandInCRM:
    token: str = "standin-token"
    delay_s: float = 0.0
    # object type -> id property value -> record {"id", "properties", "associations"}
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {name: {} for name in OBJECTS})
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    archived: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    faults: deque = field(default_factory=deque)
    _ids: Any = field(default_factory=lambda: itertools.count(1001))

    # --- knobs -------------------------------------------------------------------------------------
    def fail_next(self, count: int, status: int = 503, *, retry_after_s: float | None = None) -> None:
        self.faults.extend(Fault(status, retry_after_s) for _ in range(count))

    def malformed_next(self, count: int) -> None:
        self.faults.extend(Fault(200, malformed=True) for _ in range(count))

    # --- views for tests ---------------------------------------------------------------------------
    def properties(self, object_type: str) -> dict[str, dict[str, Any]]:
        return {key: record["properties"] for key, record in self.objects[object_type].items()}

    def stats(self) -> dict[str, Any]:
        return {
            "objects": {name: len(records) for name, records in self.objects.items()},
            "created": sum(self.created.values()), "updated": sum(self.updated.values()),
            "archived": sum(self.archived.values()), "requests": dict(self.requests),
            "created_twice": sorted(k for k, n in self.created.items() if n > 1),
        }

    # --- the API -----------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=16 * 1024 * 1024)
        app.router.add_post("/crm/v3/objects/{object}/batch/upsert", self._batch_upsert)
        app.router.add_post("/crm/v3/objects/{object}/batch/archive", self._batch_archive)
        app.router.add_delete("/crm/v3/objects/{object}/{id}", self._delete)
        app.router.add_get("/crm/v3/objects/{object}", self._list)
        app.router.add_get("/_standin/stats", self._stats)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler) -> web.StreamResponse:
        if request.path.startswith("/_standin/"):
            return await handler(request)
        self.requests[f"{request.method} {request.match_info.route.resource.canonical if request.match_info.route.resource else request.path}"] += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"status": "error", "category": "INVALID_AUTHENTICATION", "message": "Authentication credentials not found."}, status=401)
        if self.faults:
            fault = self.faults.popleft()
            if fault.malformed:
                return web.Response(text='{"status": "COMPLETE", "results": [', content_type="application/json")
            headers = {"Retry-After": f"{fault.retry_after_s:g}"} if fault.retry_after_s is not None else {}
            category = "RATE_LIMITS" if fault.status == 429 else "INTERNAL_ERROR"
            return web.json_response({"status": "error", "category": category, "message": "stand-in fault"}, status=fault.status, headers=headers)
        return await handler(request)

    def _object(self, request: web.Request) -> str:
        name = request.match_info["object"]
        if name not in OBJECTS:
            raise web.HTTPNotFound(text='{"status":"error","message":"unknown object type"}', content_type="application/json")
        return name

    @staticmethod
    def _error(message: str, status: int = 400) -> web.Response:
        return web.json_response({"status": "error", "category": "VALIDATION_ERROR", "message": message}, status=status)

    async def _batch_upsert(self, request: web.Request) -> web.Response:
        name = self._object(request)
        body = await request.json()
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not inputs:
            return self._error("inputs must be a non-empty list")
        if len(inputs) > MAX_BATCH:
            return self._error(f"at most {MAX_BATCH} inputs per batch")
        store = self.objects[name]
        results = []
        for item in inputs:
            if not isinstance(item, dict) or not item.get("id") or not item.get("idProperty") or not isinstance(item.get("properties"), dict):
                return self._error("every input needs id, idProperty and properties")
        for item in inputs:
            key = str(item["id"])
            record = store.get(key)
            new = record is None
            if new:
                record = store[key] = {"id": str(next(self._ids)), "properties": {}, "associations": []}
                self.created[(name, key)] += 1
            else:
                self.updated[(name, key)] += 1
            record["properties"].update({**item["properties"], item["idProperty"]: key})
            if item.get("associations"):
                record["associations"] = item["associations"]
            results.append({"id": record["id"], "properties": record["properties"], "new": new, "archived": False})
        return web.json_response({"status": "COMPLETE", "results": results})

    def _find(self, name: str, remote_id: str) -> str | None:
        return next((key for key, record in self.objects[name].items() if record["id"] == remote_id), None)

    async def _batch_archive(self, request: web.Request) -> web.Response:
        name = self._object(request)
        body = await request.json()
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or len(inputs) > MAX_BATCH:
            return self._error("inputs must be a list of at most 100")
        for item in inputs:
            key = self._find(name, str(item.get("id")))
            if key is not None:
                del self.objects[name][key]
                self.archived[(name, key)] += 1
        return web.Response(status=204)

    async def _delete(self, request: web.Request) -> web.Response:
        name = self._object(request)
        value = request.match_info["id"]
        key = value if request.query.get("idProperty") else self._find(name, value)
        if key is not None and key in self.objects[name]:
            del self.objects[name][key]
            self.archived[(name, key)] += 1
        return web.Response(status=204)

    async def _list(self, request: web.Request) -> web.Response:
        name = self._object(request)
        try:
            limit = min(int(request.query.get("limit", "10")), 100)
            after = int(request.query.get("after", "0"))
        except ValueError:
            return self._error("limit and after are numbers")
        records = sorted(self.objects[name].values(), key=lambda r: int(r["id"]))
        page = [r for r in records if int(r["id"]) > after][:limit]
        body: dict[str, Any] = {"results": [{"id": r["id"], "properties": r["properties"], "archived": False} for r in page]}
        if len(page) == limit and int(page[-1]["id"]) < int(records[-1]["id"]):
            body["paging"] = {"next": {"after": page[-1]["id"]}}
        return web.json_response(body)

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())


async def start_standin(crm: StandInCRM, port: int) -> web.AppRunner:
    runner = web.AppRunner(crm.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", default="standin-token")
    parser.add_argument("--delay-s", type=float, default=0.0)
    args = parser.parse_args()
    # It holds every record it was sent (100,000 for the benchmark); the cyclic GC would walk them all
    # again and again. Nothing it builds is cyclic, so reference counting frees what is dropped.
    gc.disable()
    web.run_app(StandInCRM(token=args.token, delay_s=args.delay_s).app(), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
