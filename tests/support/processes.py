"""Server nodes as real processes (`livechat serve`), for tests that need separate nodes or kill them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class NodeProcess:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def start_node(port: int, env: dict[str, str], log_dir: Path, *, ready_timeout_s: float = 30) -> NodeProcess:
    """Start `livechat serve` on `port` with LIVECHAT_* settings from `env`; return once /health answers."""
    log_path = log_dir / f"node-{port}.log"
    full_env = {**os.environ, **env, "LIVECHAT_PORT": str(port), "LIVECHAT_HOST": "127.0.0.1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "livechat.cli", "serve"], cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
    node = NodeProcess(port, process, log_path)
    deadline = asyncio.get_running_loop().time() + ready_timeout_s
    async with aiohttp.ClientSession() as http:
        while asyncio.get_running_loop().time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"node on port {port} exited with {process.returncode}:\n{node.log()}")
            try:
                async with http.get(f"{node.base_url}/health", timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status in (200, 503):
                        return node
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.2)
    node.stop(signal.SIGKILL)
    raise RuntimeError(f"node on port {port} did not answer /health within {ready_timeout_s} s:\n{node.log()}")
