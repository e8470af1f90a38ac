"""What a visitor agrees to and tells us: consent decisions, tracked events, identification, satisfaction.

Behaviour stays under the pseudonymous visitor id; personal data goes to customer_identities only
after the visitor granted identification.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select

from livechat.db.models import Consent, Conversation, ConversationState, Customer, CustomerIdentity, Visitor
from livechat.errors import Forbidden, LivechatError, Unauthorized
from livechat.event_ingest import EventIngestor
from livechat.interaction_log import record
from livechat.settings import Settings
from livechat.transaction import Tx

MAX_PROPS = 20
MAX_PROP_CHARS = 200
EVENT_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

Scalar = str | int | float | bool | None


class ConsentRequired(LivechatError):
    code = "consent_required"
    status = 403


class IdentityUnverified(LivechatError):
    code = "identity_unverified"
    status = 403


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    purpose: Literal["tracking", "identification"]
    granted: bool
    notice_version: str = Field("1", min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$")


class TrackIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event: str = Field(pattern=EVENT_PATTERN)
    props: dict[str, Scalar] = Field(default_factory=dict)

    @field_validator("props")
    @classmethod
    def _small_and_flat(cls, props: dict[str, Scalar]) -> dict[str, Scalar]:
        if len(props) > MAX_PROPS:
            raise ValueError(f"at most {MAX_PROPS} properties")
        for key, value in props.items():
            if len(key) > 40 or (isinstance(value, str) and len(value) > MAX_PROP_CHARS):
                raise ValueError(f"property {key[:40]!r} is too long")
        return props


class IdentifyIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
    name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40, pattern=r"^[0-9+() .-]{3,40}$")
    external_id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[^\r\n]+$")
    # The shop's signature over the identifiers (see identity_message); required when the shop set an identity secret.
    identity_hash: str | None = Field(None, max_length=128)

    @model_validator(mode="after")
    def _something(self) -> "IdentifyIn":
        if not any((self.email, self.name, self.phone, self.external_id)):
            raise ValueError("give at least one of email, name, phone, external_id")
        return self


def identity_message(external_id: str | None, email: str | None) -> str:
    """What the shop signs: the identifiers a claim is looked up by, so neither can be swapped under a valid hash."""
    return "\n".join(value for value in (external_id, email) if value)


def identity_hash(secret: str, external_id: str | None, email: str | None) -> str:
    """The identity_hash a shop's server computes for its logged-in customer (documented in docs/protocol.md)."""
    return hmac.new(secret.encode(), identity_message(external_id, email).encode(), hashlib.sha256).hexdigest()


def verify_identity(request: IdentifyIn, secret: str | None) -> None:
    """With a shop identity secret, only a claim the shop signed may link a visitor to a customer."""
    if secret is None:
        return
    if not (request.external_id or request.email):
        raise IdentityUnverified("A verified identification needs an external_id or an email, signed by the shop.")
    expected = identity_hash(secret, request.external_id, request.email)
    if request.identity_hash is None or not hmac.compare_digest(request.identity_hash.lower().encode(), expected.encode()):
        raise IdentityUnverified("This identification is not signed by the shop (identity_hash is missing or wrong).")


class CsatIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    conversation_id: uuid.UUID
    rating: int = Field(ge=1, le=5, strict=True)
    comment: str | None = Field(None, max_length=1000)


async def _visitor(tx: Tx, visitor_id: uuid.UUID, *, lock: bool = False) -> Visitor:
    visitor = await tx.session.get(Visitor, visitor_id, with_for_update=lock)
    if visitor is None:
        raise Unauthorized("Unknown visitor.")
    return visitor


def consent_state(visitor: Visitor) -> dict[str, bool | None]:
    return {"tracking": visitor.consent_tracking, "identification": visitor.consent_identification}


async def give_consent(tx: Tx, visitor_id: uuid.UUID, request: ConsentIn, *, source: str = "widget") -> dict[str, bool | None]:
    visitor = await _visitor(tx, visitor_id, lock=True)
    tx.session.add(Consent(
        visitor_id=visitor.id, customer_id=visitor.customer_id, purpose=request.purpose, granted=request.granted,
        notice_version=request.notice_version, source=source,
    ))
    setattr(visitor, f"consent_{request.purpose}", request.granted)
    record(tx, "consent.changed", visitor_id=visitor.id, customer_id=visitor.customer_id,
           data={"purpose": request.purpose, "granted": request.granted, "notice_version": request.notice_version, "source": source})
    return consent_state(visitor)


def may_track(visitor: Visitor, settings: Settings) -> bool:
    """Tracking needs a grant where the site requires consent, and never happens after a withdrawal."""
    if visitor.consent_tracking is False:
        return False
    return visitor.consent_tracking is True or not settings.require_consent


async def track(ingestor: EventIngestor, visitor_id: uuid.UUID, request: TrackIn) -> bool:
    """Store a page or cart event in the interaction log; False (and nothing stored) without consent.

    Many visitors' events are stored together (livechat.event_ingest), the consent checked in that
    same transaction."""
    return await ingestor.record(f"track.{request.event}", visitor_id=visitor_id, data=dict(request.props), gate="tracking")


async def identify(tx: Tx, visitor_id: uuid.UUID, request: IdentifyIn, *, identity_secret: str | None = None) -> uuid.UUID:
    """Link the visitor to a known customer (found by external id or email, else created).

    With the shop's identity_secret, the claim must carry the shop's identity_hash: a visitor cannot
    become another customer by typing their email or id into the page's console."""
    visitor = await _visitor(tx, visitor_id, lock=True)
    if visitor.consent_identification is not True:
        raise ConsentRequired("The visitor has not agreed to be identified.")
    verify_identity(request, identity_secret)
    email = request.email.strip().lower() if request.email else None
    customer: Customer | None = None
    if request.external_id:
        customer = await tx.session.scalar(select(Customer).where(Customer.external_ref == request.external_id))
    if customer is None and email:
        customer = await tx.session.scalar(
            select(Customer).join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id).where(CustomerIdentity.email == email)
        )
    if customer is None and visitor.customer_id is not None:
        customer = await tx.session.get(Customer, visitor.customer_id)
    if customer is None:
        customer = Customer(external_ref=request.external_id)
        tx.session.add(customer)
        await tx.session.flush()
    elif request.external_id and customer.external_ref is None:
        customer.external_ref = request.external_id
    identity = await tx.session.get(CustomerIdentity, customer.id) or CustomerIdentity(customer_id=customer.id)
    identity.email = email or identity.email
    identity.name = request.name or identity.name
    identity.phone = request.phone or identity.phone
    tx.session.add(identity)
    merged_from = visitor.customer_id if visitor.customer_id not in (None, customer.id) else None
    visitor.customer_id = customer.id
    visitor.identity_verified = identity_secret is not None  # verify_identity refused it otherwise
    record(tx, "visitor.identified", visitor_id=visitor.id, customer_id=customer.id,
           data={"fields": sorted(k for k, v in request.model_dump().items() if v), "merged_from": str(merged_from) if merged_from else None})
    return customer.id


async def rate_conversation(tx: Tx, visitor_id: uuid.UUID, request: CsatIn) -> Conversation:
    conv = await tx.session.get(Conversation, request.conversation_id, with_for_update=True)
    if conv is None or conv.visitor_id != visitor_id:
        raise Forbidden("That conversation is not yours.")
    if conv.state is not ConversationState.CLOSED:
        raise Forbidden("A conversation is rated after it closed.", code="not_closed")
    conv.csat_rating = request.rating
    conv.csat_comment = request.comment.strip() if request.comment and request.comment.strip() else None
    record(tx, "conversation.rated", visitor_id=visitor_id, conversation_id=conv.id,
           data={"rating": request.rating, "has_comment": conv.csat_comment is not None})
    return conv
