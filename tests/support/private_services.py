"""Private instances of Redis and PostgreSQL for fault tests that stop and restart them without touching the shared ones."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
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


class PrivatePostgres:
    """A throwaway PostgreSQL cluster of the installed version, on its own port, run as the postgres user
    (the server refuses to run as root)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._dir = Path(tempfile.mkdtemp(prefix="livechat-pg-"))
        self._data = self._dir / "data"
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise RuntimeError("PostgreSQL server binaries are not installed (./scripts/test installs them)")
        self._bin = bins[-1]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self._bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self._dir, "postgres")
        self._run("initdb", "-D", str(self._data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self._data), "-o", f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "-w", "-l", str(self._dir / "log"), "start")

    def stop(self, mode: str = "immediate") -> None:
        if (self._data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self._data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)
