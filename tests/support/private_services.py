"""Private instances of Redis for fault tests that stop and restart it without touching the shared one."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import redis.asyncio as aioredis


class PrivateRedis:
    def __init__(self, port: int, work_dir: Path) -> None:
        self.port = port
        self._work_dir = work_dir
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (./scripts/test installs it)")
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self._work_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = aioredis.from_url(self.url)
        try:
            for _ in range(100):
                try:
                    await client.ping()
                    return
                except (ConnectionError, aioredis.ConnectionError):
                    await asyncio.sleep(0.05)
            raise RuntimeError(f"redis-server on port {self.port} did not start")
        finally:
            await client.aclose()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(10)
