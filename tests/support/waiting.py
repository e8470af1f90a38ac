"""Waiting for what the server does a moment after it answers (e.g. profiles following messages)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(read: Callable[[], Awaitable[T]], until: Callable[[T], bool], *, timeout_s: float = 5.0) -> T:
    """Read until `until(value)` holds; the value. Fails with the last value read when it never does."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await read()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not so after {timeout_s} s: {value!r}")
        await asyncio.sleep(0.05)
