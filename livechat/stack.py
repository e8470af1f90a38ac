"""Running the Rasa side next to the chat server: the action server and the Rasa server, as child processes.

Used by `livechat up`, by the integration tests and by the benchmarks, so all three run Rasa the same way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

BOT_DIR = Path(__file__).resolve().parent.parent / "bot"
RASA_LOAD_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class RasaStack:
    rasa_bin: Path
    model: Path
    api_url: str
    bot_api_token: str
    rasa_port: int = 5005
    actions_port: int = 5055
    bot_dir: Path = BOT_DIR
    log_dir: Path | None = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"


def latest_model(models_dir: Path = BOT_DIR / "models") -> Path | None:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def _spawn(args: list[str], *, cwd: Path, env: dict[str, str], log_path: Path | None) -> subprocess.Popen:
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the child
    # Own process group, so stopping takes Rasa's worker processes down with it.
    return subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def start_action_server(stack: RasaStack) -> subprocess.Popen:
    env = {
        **os.environ,
        "LIVECHAT_API_URL": stack.api_url,
        "LIVECHAT_BOT_API_TOKEN": stack.bot_api_token,
    }
    args = [str(stack.rasa_bin), "run", "actions", "--actions", "actions", "--port", str(stack.actions_port)]
    return _spawn(args, cwd=stack.bot_dir, env=env, log_path=stack.log_dir / "actions.log" if stack.log_dir else None)


def start_rasa_server(stack: RasaStack) -> subprocess.Popen:
    env = {**os.environ, "RASA_ACTION_ENDPOINT": f"{stack.actions_url}/webhook", "RASA_TELEMETRY_ENABLED": "false"}
    args = [
        str(stack.rasa_bin), "run", "--enable-api", "--port", str(stack.rasa_port), "--interface", "127.0.0.1",
        "--model", str(stack.model), "--endpoints", "endpoints.env.yml", "--credentials", "credentials.yml",
    ]
    return _spawn(args, cwd=stack.bot_dir, env=env, log_path=stack.log_dir / "rasa.log" if stack.log_dir else None)


async def wait_for_rasa(rasa_url: str, *, timeout_s: float = RASA_LOAD_TIMEOUT_S, process: subprocess.Popen | None = None) -> None:
    """Wait until Rasa has loaded its model; RuntimeError if it dies or takes too long."""

    async def loaded(response: aiohttp.ClientResponse) -> bool:
        return response.status == 200 and bool((await response.json()).get("model_file"))

    await _poll(f"{rasa_url}/status", loaded, timeout_s=timeout_s, process=process, what="Rasa (loading its model)")


async def wait_for_http(url: str, *, timeout_s: float = 60.0, process: subprocess.Popen | None = None) -> None:
    """Wait until a URL answers without a server error."""

    async def answers(response: aiohttp.ClientResponse) -> bool:
        return response.status < 500

    await _poll(url, answers, timeout_s=timeout_s, process=process, what=url)


async def _poll(url: str, ready, *, timeout_s: float, process: subprocess.Popen | None, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{what} exited with code {process.returncode} while starting")
            try:
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if await ready(response):
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{what} did not become ready within {timeout_s:.0f} s")


def stop(process: subprocess.Popen, *, timeout_s: float = 10.0) -> None:
    """SIGTERM the child's process group, SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout_s)
            return
        except subprocess.TimeoutExpired:
            continue
