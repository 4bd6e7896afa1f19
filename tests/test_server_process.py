"""`policy serve` as a real process on 127.0.0.1: started, asked over HTTP with httpx, stopped.

Every wait is bounded (a slow machine waits longer; nothing here asserts a
duration). Servers bind a free loopback port and are stopped with SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

import policy
from policy.batch.lines import assess_line

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*/*.json"))
POLICY_COMMAND = Path(sys.executable).parent / "policy"
TOKEN = "process-token-" + "Q1w2E3r4T5y6U7i8"
START_SECONDS = 120.0  # the most a start may take before the test gives up on it
STOP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any server setting or token, plus `extra`."""
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("POLICY_SERVER_") and k != "POLICY_API_TOKENS"}
    return {**environment, **extra}


class Server:
    """A running `policy serve` process and what it was started with."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, folder: Path) -> None:
        self.process, self.base_url, self.folder = process, base_url, folder
        self.decision_log = folder / "decisions.jsonl"

    def client(self, **options: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30.0, **options)

    def stderr(self) -> str:
        return (self.folder / "stderr.txt").read_text(errors="replace")


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    with server.client() as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise AssertionError(f"policy serve ended ({server.process.returncode}):\n{server.stderr()}")
            try:
                if client.get("/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
    raise AssertionError(f"policy serve was not ready within {START_SECONDS} s:\n{server.stderr()}")


@contextlib.contextmanager
def running_server(folder: Path, *options: str, environment: Mapping[str, str] | None = None) -> Iterator[Server]:
    """`policy serve` on a free loopback port with `options`, ready; stopped with SIGTERM on leaving."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [str(POLICY_COMMAND), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--decision-log", str(folder / "decisions.jsonl"), *options]
    with open(folder / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen(command, stdout=stderr, stderr=subprocess.STDOUT, cwd=folder,
                                   env=dict(environment) if environment is not None else clean_environment())
    server = Server(process, f"http://127.0.0.1:{port}", folder)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_SECONDS)


def tokens_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tokens.txt"
    path.write_text(f"{TOKEN}\n")
    return path


def contract_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(policy.assess(document).to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    with running_server(folder, "--tokens-file", str(tokens_file(folder)), "--max-body-bytes", "8192") as running:
        yield running


def test_served_determinations_equal_the_library_byte_for_byte(server: Server) -> None:
    """Over real HTTP, every bundled example is answered with exactly `policy.assess(...).to_dict()`."""
    with server.client(headers=AUTH) as client:
        for path in EXAMPLES:
            document = json.loads(path.read_text())
            response = client.post("/v1/assess", json=document)
            assert response.status_code == 200, response.text
            assert response.content == contract_bytes(document), path.name
            assert response.headers["x-request-id"]
    lines = server.decision_log.read_text().splitlines()
    assert len(lines) >= len(EXAMPLES) and all(json.loads(line)["decision"] for line in lines)


def test_a_request_without_a_token_is_401(server: Server) -> None:
    """The real server refuses an assessment without credentials, and answers discovery without."""
    with server.client() as client:
        refused = client.post("/v1/assess", json=json.loads(EXAMPLES[0].read_text()))
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert client.get("/v1/policies").status_code == 200


def test_a_body_sent_in_pieces_without_a_length_is_413(server: Server) -> None:
    """A chunked upload over the limit (8,192 bytes here) is refused with 413 while it streams."""

    def pieces() -> Iterator[bytes]:
        for _ in range(16):
            yield b" " * 1024

    with server.client(headers={**AUTH, "Content-Type": "application/json"}) as client:
        response = client.post("/v1/assess", content=pieces())
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"].startswith("the body is over the limit")


def test_a_batch_streams_one_line_per_input_line(server: Server) -> None:
    """JSON Lines in, the `policy batch` line of each out, over a real connection."""
    lines = [path.read_bytes().replace(b"\n", b"") for path in EXAMPLES[:12]] + [b"{oops"]
    with server.client(headers={**AUTH, "Content-Type": "application/x-ndjson"}) as client:
        with client.stream("POST", "/v1/assess:batch", content=b"\n".join(lines) + b"\n") as response:
            assert response.status_code == 200
            received = b"".join(response.iter_bytes())
    assert received == b"".join(assess_line(n, line + b"\n").data for n, line in enumerate(lines, start=1))


def test_two_workers_serve_in_two_processes(tmp_path: Path) -> None:
    """`--workers 2` runs two worker processes; concurrent requests are all answered right."""
    documents = [json.loads(path.read_text()) for path in EXAMPLES]
    environment = clean_environment(POLICY_API_TOKENS=TOKEN)  # tokens from the variable, this time
    with running_server(tmp_path, "--workers", "2", environment=environment) as running:
        workers = [child for child in psutil.Process(running.process.pid).children()
                   if any("multiprocessing" in part for part in child.cmdline())
                   and not any("resource_tracker" in part for part in child.cmdline())]
        assert len(workers) == 2, [child.cmdline() for child in workers]
        with running.client(headers=AUTH) as client, ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda document: client.post("/v1/assess", json=document), documents * 2))
    assert [answer.content for answer in answers] == [contract_bytes(document) for document in documents * 2]


def _serve_briefly(folder: Path, *options: str, environment: Mapping[str, str] | None = None
                   ) -> subprocess.CompletedProcess[str]:
    """`policy serve` that is expected to refuse to start: its exit status and output."""
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(POLICY_COMMAND), "serve", "--port", str(free_port()),
                           "--decision-log", str(folder / "decisions.jsonl"), *options],
                          capture_output=True, text=True, timeout=START_SECONDS, cwd=folder,
                          env=dict(environment) if environment is not None else clean_environment())


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    """No token and no --insecure-no-auth: exit status 2, one line saying what to do, no traceback."""
    finished = _serve_briefly(tmp_path)
    assert finished.returncode == 2
    assert "no API token" in finished.stderr and "--insecure-no-auth" in finished.stderr
    assert "Traceback" not in finished.stderr + finished.stdout
    assert len(finished.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("problem", ["missing", "weak"])
def test_serve_refuses_a_tokens_file_it_cannot_use(tmp_path: Path, problem: str) -> None:
    """An unreadable tokens file, or one with a token too short to be a secret, stops the start (exit 2)."""
    path = tmp_path / "tokens.txt"
    if problem == "weak":
        path.write_text("secret\n")
    finished = _serve_briefly(tmp_path, "--tokens-file", str(path))
    assert finished.returncode == 2 and "token" in finished.stderr
    assert "Traceback" not in finished.stderr and str(tmp_path) not in finished.stderr
