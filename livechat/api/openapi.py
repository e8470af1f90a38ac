"""GET /api/openapi.json: the REST API described as OpenAPI 3.1, request bodies from the same pydantic
models the handlers validate with, so the document cannot drift from what is accepted."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel

from livechat.agent_accounts import AgentIn
from livechat.api.agent_session import LoginIn, RefreshIn
from livechat.api.offers import ShopTriggerIn
from livechat.api.segments import SegmentIn
from livechat.canned import CannedIn
from livechat.offer_catalog import CodesIn, OfferIn
from livechat.visitors import SessionIn

ERROR = {"$ref": "#/components/schemas/Error"}
UUID = {"type": "string", "format": "uuid"}


# Nested models (e.g. the agent role enum) end up here, referenced from the bodies.
_SHARED: dict[str, Any] = {}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    _SHARED.update(schema.pop("$defs", {}))
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, *, body: type[BaseModel] | None = None, params: list[dict] | None = None, ok: int = 200,
        auth: bool = True) -> dict[str, Any]:
    responses: dict[str, Any] = {str(ok): {"description": "OK"} if ok == 204 else
                                 {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    for status in ("400", "401", "403", "404", "409", "429"):
        responses[status] = {"description": "Refused", "content": {"application/json": {"schema": ERROR}}}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        op["requestBody"] = _body(body)
    if params:
        op["parameters"] = params
    op["security"] = [{"bearer": []}] if auth else []
    return op


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


SUBJECT = [_path("subject_id", UUID)]
OFFER_KEY = [_path("key", {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$"})]
FORMAT = _query("format", {"type": "string", "enum": ["json", "csv"]})


def document() -> dict[str, Any]:
    paths = _paths()
    return {
        "openapi": "3.1.0",
        "info": {"title": "shopchat live chat", "version": "1", "description": "Agent, profile and privacy API. Socket.io events: docs/*.md."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {**_SHARED, "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}},
        },
        "paths": paths,
    }


def _paths() -> dict[str, Any]:
    return {
            "/api/visitor/session": {"post": _op("Start or refresh a visitor session", body=SessionIn, auth=False)},
            "/api/agent/login": {"post": _op("Log in", body=LoginIn, auth=False)},
            "/api/agent/refresh": {"post": _op("Refresh tokens", body=RefreshIn, auth=False)},
            "/api/agent/me": {"get": _op("The logged-in agent")},
            "/api/agent/conversations": {"get": _op("A live list", params=[
                _query("view", {"type": "string", "enum": ["bot", "waiting", "mine", "offline", "all"]})])},
            "/api/agent/conversations/{conversation_id}": {"get": _op("A conversation with history and customer panel",
                                                                      params=[_path("conversation_id", UUID)])},
            "/api/agent/canned": {"get": _op("Canned responses"), "post": _op("Add a canned response", body=CannedIn, ok=201)},
            "/api/agent/agents": {"get": _op("Agents with presence"), "post": _op("Create an agent", body=AgentIn, ok=201)},
            "/api/agent/dashboard": {"get": _op("Live figures")},
            "/api/agent/profiles": {"get": _op("Profiles in id order, optionally one segment's members", params=[
                _query("segment", {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}),
                _query("after", {"type": "string", "format": "uuid"}),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 200})])},
            "/api/agent/profiles/{subject_id}": {"get": _op("A profile's summary and segments", params=SUBJECT)},
            "/api/agent/profiles/{subject_id}/events": {"get": _op("A profile's interaction events, newest first", params=SUBJECT + [
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                _query("before_id", {"type": "integer", "minimum": 1})])},
            "/api/agent/segments": {"get": _op("Segments with member counts")},
            "/api/agent/segments/{name}": {
                "put": _op("Define a segment", body=SegmentIn, params=[_path("name", {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"})]),
                "delete": _op("Delete a segment", ok=204, params=[_path("name", {"type": "string"})]),
            },
            "/api/agent/customers/{subject_id}/export": {"get": _op("Everything about a customer", params=SUBJECT)},
            "/api/agent/customers/{subject_id}": {"delete": _op("Erase a customer's personal data", params=SUBJECT)},
            "/api/shop/{platform}/orders": {"post": _shop_webhook()},
            "/api/agent/offers": {"get": _op("Offers with their results per arm (JSON or CSV)", params=[FORMAT]),
                                  "post": _op("Define an offer", body=OfferIn, ok=201)},
            "/api/agent/offers/{key}": {"put": _op("Change an offer", body=OfferIn, params=OFFER_KEY)},
            "/api/agent/offers/{key}/codes": {"post": _op("Add unique codes to a pool offer", body=CodesIn, params=OFFER_KEY)},
            "/api/agent/offers/{key}/report": {"get": _op("An offer's funnel, conversion and uplift per arm (JSON or CSV)",
                                                          params=OFFER_KEY + [FORMAT])},
            "/api/shop/offers/trigger": {"post": _op("The shop's systems trigger an offer for a customer (shop API key)", body=ShopTriggerIn)},
    }


def _shop_webhook() -> dict[str, Any]:
    """The shop's order webhook: the shop's own JSON, authenticated by an HMAC of the raw body, not a token."""
    op = _op("Order created or updated in the shop (Shopify-like or WooCommerce-like JSON), HMAC-signed", ok=201, auth=False, params=[
        _path("platform", {"type": "string", "enum": ["shopify", "woocommerce"]}),
        {"name": "X-Shopify-Hmac-Sha256", "in": "header", "required": False, "schema": {"type": "string"}},
        {"name": "X-Shopify-Topic", "in": "header", "required": False, "schema": {"type": "string"}},
        {"name": "X-WC-Webhook-Signature", "in": "header", "required": False, "schema": {"type": "string"}},
    ])
    op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    op["responses"]["200"] = {"description": "An order already imported, updated", "content": {"application/json": {"schema": {"type": "object"}}}}
    op["responses"]["202"] = {"description": "Not an order event; ignored", "content": {"application/json": {"schema": {"type": "object"}}}}
    return op


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document())


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi)
