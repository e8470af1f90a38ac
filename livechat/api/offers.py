"""Offers over REST: the catalog and results for supervisors, a trigger for the shop's own systems
(shop API key), and the bot's question "which offer fits this visitor?" (bot API token)."""

from __future__ import annotations

import hmac
import re
import uuid

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from livechat import offer_catalog as catalog
from livechat.api.agent_session import principal_of
from livechat.api.appkeys import SERVICES
from livechat.api.bot_data import _check_bot_token
from livechat.api.errors import read_json
from livechat.db.models import Conversation, Customer
from livechat.db.offer_models import Offer
from livechat.errors import InvalidInput, NotFound, Unauthorized
from livechat.offer_issue import Subject, fire, subject_of_visitor, visitor_of
from livechat.offer_report import as_csv, report
from livechat.offer_rules import Firing
from livechat.permissions import check_role
from livechat.text_input import parse


class ShopTriggerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: uuid.UUID | None = None
    external_ref: str | None = Field(None, min_length=1, max_length=128)
    visitor_id: uuid.UUID | None = None
    offer: str | None = Field(None, pattern=catalog.KEY_PATTERN)
    deliver: bool = Field(True, description="Also put the card in the customer's chat; the card is returned either way.")

    @model_validator(mode="after")
    def _someone(self) -> "ShopTriggerIn":
        if not (self.customer_id or self.external_ref or self.visitor_id):
            raise ValueError("name the customer: customer_id, external_ref or visitor_id")
        return self


class BotOfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversation_id: uuid.UUID


def _key(request: web.Request) -> str:
    key = request.match_info["key"]
    if not re.match(catalog.KEY_PATTERN, key):
        raise InvalidInput("An offer key is lowercase letters, digits, _ and -.", fields=["key"])
    return key


async def _supervisor(request: web.Request) -> None:
    check_role(await principal_of(request), supervisor=True)


async def list_offers(request: web.Request) -> web.Response:
    await _supervisor(request)
    async with request.app[SERVICES].sessions() as session:
        offers = list(await session.scalars(select(Offer).order_by(Offer.priority.desc(), Offer.key)))
        reports = [await report(session, offer) for offer in offers]
    if request.query.get("format") == "csv":
        return _csv(as_csv(reports), "offers.csv")
    return web.json_response({"offers": reports})


async def create_offer(request: web.Request) -> web.Response:
    await _supervisor(request)
    body = parse(catalog.OfferIn, await read_json(request))
    async with request.app[SERVICES].transaction() as tx:
        offer = await catalog.do_create(tx, body)
        wire = catalog.offer_to_wire(offer)
    return web.json_response(wire, status=201)


async def put_offer(request: web.Request) -> web.Response:
    await _supervisor(request)
    key = _key(request)
    body = parse(catalog.OfferIn, await read_json(request))
    async with request.app[SERVICES].transaction() as tx:
        wire = catalog.offer_to_wire(await catalog.do_update(tx, key, body))
    return web.json_response(wire)


async def add_codes(request: web.Request) -> web.Response:
    await _supervisor(request)
    key = _key(request)
    body = parse(catalog.CodesIn, await read_json(request))
    async with request.app[SERVICES].transaction() as tx:
        counts = await catalog.do_add_codes(tx, key, body)
    return web.json_response(counts)


def _csv(text: str, filename: str) -> web.Response:
    return web.Response(text=text, content_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def get_report(request: web.Request) -> web.Response:
    await _supervisor(request)
    key = _key(request)
    async with request.app[SERVICES].transaction() as tx:
        offer = await catalog.get_offer(tx, key)
        result = await report(tx.session, offer)
        result["codes"] = await catalog.code_counts(tx, offer) if offer.code_mode == "pool" else None
    if request.query.get("format") == "csv":
        return _csv(as_csv([result]), f"offer-{key}.csv")
    return web.json_response(result)


def _check_shop_key(request: web.Request) -> None:
    expected = request.app[SERVICES].settings.shop_api_key
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if expected is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise Unauthorized("A valid shop API key is required.")


def _outcome_to_wire(outcome) -> dict:
    return {"status": outcome.status, "offer": outcome.offer.key if outcome.offer else None, "arm": outcome.arm, "card": outcome.card}


async def shop_trigger(request: web.Request) -> web.Response:
    """The shop's systems fire the `api` trigger (or one named offer) for a customer."""
    _check_shop_key(request)
    body = parse(ShopTriggerIn, await read_json(request))
    async with request.app[SERVICES].transaction() as tx:
        subject: Subject | None = None
        if body.visitor_id:
            subject = await subject_of_visitor(tx, body.visitor_id)
        elif body.customer_id:
            subject = Subject(body.customer_id, "customer") if await tx.session.get(Customer, body.customer_id) else None
        else:
            found = await tx.session.scalar(select(Customer.id).where(Customer.external_ref == body.external_ref))
            subject = Subject(found, "customer") if found else None
        if subject is None:
            raise NotFound("No such customer or visitor.", code="customer_not_found")
        visitor_id = body.visitor_id or await visitor_of(tx, subject)
        outcome = await fire(tx, Firing("api"), subject, visitor_id=visitor_id, channel="chat" if body.deliver else "api",
                             offer_key=body.offer, min_gap_s=request.app[SERVICES].settings.offers_min_gap_s)
        wire = _outcome_to_wire(outcome)
    return web.json_response(wire)


async def bot_offer(request: web.Request) -> web.Response:
    """The Rasa action asks which offer fits this conversation's visitor (trigger discount_request)."""
    _check_bot_token(request)
    body = parse(BotOfferIn, await read_json(request))
    async with request.app[SERVICES].transaction() as tx:
        conv = await tx.session.get(Conversation, body.conversation_id)
        if conv is None:
            raise NotFound("No such conversation.", code="conversation_not_found")
        subject = await subject_of_visitor(tx, conv.visitor_id)
        outcome = await fire(tx, Firing("discount_request"), subject, visitor_id=conv.visitor_id, channel="bot",
                             conversation_id=conv.id)
        wire = _outcome_to_wire(outcome)
    return web.json_response(wire)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/agent/offers", list_offers)
    app.router.add_post("/api/agent/offers", create_offer)
    app.router.add_put("/api/agent/offers/{key}", put_offer)
    app.router.add_post("/api/agent/offers/{key}/codes", add_codes)
    app.router.add_get("/api/agent/offers/{key}/report", get_report)
    app.router.add_post("/api/shop/offers/trigger", shop_trigger)
    app.router.add_post("/api/bot/offers", bot_offer)
