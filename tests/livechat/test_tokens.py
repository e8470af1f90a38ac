import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from livechat.errors import Unauthorized
from livechat.tokens import issue_visitor_token, read_visitor_token

KEY = "k" * 40


def test_round_trip():
    vid = uuid.uuid4()
    token, expires = issue_visitor_token(vid, key=KEY, ttl_s=60)
    assert read_visitor_token(token, key=KEY) == vid
    assert expires > datetime.now(UTC)


def test_expired_token_is_refused():
    token, _ = issue_visitor_token(uuid.uuid4(), key=KEY, ttl_s=60, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(Unauthorized) as err:
        read_visitor_token(token, key=KEY)
    assert err.value.code == "token_expired"


@pytest.mark.parametrize("token", [None, "", 42, "not-a-jwt", "a.b.c", "x" * 5000])
def test_garbage_is_refused(token):
    with pytest.raises(Unauthorized):
        read_visitor_token(token, key=KEY)


def test_forged_signature_and_foreign_audience_are_refused():
    vid = uuid.uuid4()
    forged, _ = issue_visitor_token(vid, key="another-key" * 4, ttl_s=60)
    with pytest.raises(Unauthorized):
        read_visitor_token(forged, key=KEY)
    other_aud = jwt.encode({"sub": str(vid), "aud": "livechat:agent", "exp": datetime.now(UTC) + timedelta(hours=1)}, KEY, "HS256")
    with pytest.raises(Unauthorized):
        read_visitor_token(other_aud, key=KEY)
    unsigned = jwt.encode({"sub": str(vid), "aud": "livechat:visitor", "exp": datetime.now(UTC) + timedelta(hours=1)}, None, "none")
    with pytest.raises(Unauthorized):
        read_visitor_token(unsigned, key=KEY)
