"""Choosing an agent and estimating the wait: pure functions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from livechat.routing import Candidate, Strategy, estimate_wait_s, pick_agent

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def agent(name: str, *, teams=(), languages=("en",), max_chats=5, active=0, last=None) -> Candidate:
    return Candidate(uuid.uuid5(uuid.NAMESPACE_DNS, name), frozenset(teams), frozenset(languages), max_chats, active, last)


def test_least_busy_picks_the_lowest_share_of_capacity():
    ann, bob = agent("ann", max_chats=10, active=3), agent("bob", max_chats=2, active=1)
    assert pick_agent([ann, bob], team=None, language="en", strategy=Strategy.LEAST_BUSY) == ann


def test_full_agents_get_nothing():
    assert pick_agent([agent("ann", max_chats=1, active=1)], team=None, language="en", strategy=Strategy.LEAST_BUSY) is None


def test_round_robin_goes_to_who_waited_longest():
    ann = agent("ann", active=0, last=T0)
    bob = agent("bob", active=4, last=T0 - timedelta(minutes=5))
    new = agent("new", active=0, last=None)
    assert pick_agent([ann, bob], team=None, language=None, strategy=Strategy.ROUND_ROBIN) == bob
    assert pick_agent([ann, bob, new], team=None, language=None, strategy=Strategy.ROUND_ROBIN) == new


def test_team_is_required_and_language_preferred():
    support_pl = agent("ola", teams=["support"], languages=["pl"], active=4)
    support_en = agent("sam", teams=["support"], languages=["en"])
    sales = agent("sal", teams=["sales"], languages=["pl"])
    pool = [support_pl, support_en, sales]
    assert pick_agent(pool, team="support", language="pl-PL", strategy=Strategy.LEAST_BUSY) == support_pl
    # Nobody of the team speaks it: someone of the team still answers.
    assert pick_agent(pool, team="support", language="fa", strategy=Strategy.LEAST_BUSY) == support_en
    assert pick_agent(pool, team="billing", language="en", strategy=Strategy.LEAST_BUSY) is None


def test_wait_estimate_grows_with_position_and_shrinks_with_agents():
    waits = [30.0, 60.0, 90.0]
    assert estimate_wait_s(1, waits, 1) == 60
    assert estimate_wait_s(3, waits, 1) == 180
    assert estimate_wait_s(3, waits, 3) == 60
    assert estimate_wait_s(2, [], 0) == 180  # no measurements, nobody online: the default per chat
