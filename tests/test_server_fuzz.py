"""A seeded, bounded fuzz of the real server: mutated request documents over HTTP, checked against the library.

`policy serve` runs as a process; each mutated document is sent to it and
assessed here by `policy.assess` too. The server must answer exactly what
the library decides (the same determination, byte for byte, or 422 when the
library refuses the document), never a 5xx, never a determination for a
document built to be invalid, and its memory must stay flat. The mutations
are generic (no policy or field is named): hostile strings, deep nesting,
huge keys, wrong types, removed fields, broken bytes.

Bounded: a fixed number of cases from a fixed seed, and a stop after
FUZZ_SECONDS whatever is left (nothing is asserted about the time taken).
"""

from __future__ import annotations

import json
import random
import string
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from test_server_process import TOKEN, Server, running_server, tokens_file

import policy
from policy.batch.lines import assess_line
from policy.documents import InputError, parse_document
from policy.limits import LIMITS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [json.loads(path.read_text()) for path in sorted((ROOT / "examples").glob("*/*.json"))]
SEED = 20269
CASES = 2000
BATCHES = 8
FUZZ_SECONDS = 12.0
# Growth of the server's resident memory from the end of the first phase to the end (a leak of what
# the second phase sends, hundreds of distinct large strings, would be several times this).
MEMORY_GROWTH_MB = 25
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

HOSTILE_STRINGS = [
    "", " ", "\u0000", "\ud800", "\udfff", "a\ud800b", "\u202eRTL", "\ufeff", "ſ72.001A", "M60.80\u0000",
    "<script>alert(1)</script>", "'; DROP TABLE requests; --", "../../etc/passwd", "%s%s%n", "\r\nX-Injected: 1",
    "😀" * 100, "A" * (LIMITS.string_chars + 1), "M60.8", "m60.80", "M60.80 ", "Z99.89", "U07.1",
]
HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, -0.0, 1e308, -1e308, 10**30, 2**63, [], {}, [None], {"": None},
    [[[[[]]]]], {"a": {"b": {"c": {}}}}, "x", 28.0,
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a document: keys of objects and indexes of arrays."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: _replaced(document[head], rest, value)}
    copy = list(document)
    copy[head] = _replaced(copy[head], rest, value)
    return copy


def _removed(document: Any, path: tuple[Any, ...]) -> Any:
    head, rest = path[0], path[1:]
    if rest:
        if isinstance(document, dict):
            return {**document, head: _removed(document[head], rest)}
        copy = list(document)
        copy[head] = _removed(copy[head], rest)
        return copy
    if isinstance(document, dict):
        return {k: v for k, v in document.items() if k != head}
    return [item for index, item in enumerate(document) if index != head]


def _nested(depth: int) -> str:
    return "[" * depth + "0" + "]" * depth


class Case:
    """One body to send, and whether it was built to be invalid whatever the library says."""

    def __init__(self, body: bytes, document: Any | None, built_invalid: bool, kind: str) -> None:
        self.body, self.document, self.built_invalid, self.kind = body, document, built_invalid, kind


def _as_body(document: Any) -> bytes:
    return json.dumps(document).encode("ascii")  # ASCII escapes: lone surrogates travel as `\ud800`


def make_case(rng: random.Random, number: int) -> Case:
    base = rng.choice(EXAMPLES)
    places = list(_paths(base))
    kind = rng.choice(["value", "string", "remove", "huge-key", "deep", "top-level", "bytes", "long-string",
                       "wrong-policy", "duplicate"])
    if kind == "value":
        document = _replaced(base, rng.choice(places), rng.choice(HOSTILE_VALUES))
        return Case(_as_body(document), document, False, kind)
    if kind == "string":
        document = _replaced(base, rng.choice(places), rng.choice(HOSTILE_STRINGS))
        return Case(_as_body(document), document, False, kind)
    if kind == "remove":
        document = _removed(base, rng.choice(places))
        return Case(_as_body(document), document, False, kind)
    if kind == "huge-key":  # a key no request model has, far over the key length limit
        key = f"k{number}-" + "".join(rng.choices(string.ascii_letters, k=rng.randint(10_000, 400_000)))
        document = {**base, key: 1}
        return Case(_as_body(document), document, True, kind)
    if kind == "long-string":  # distinct, over the string limit, where a value was: leaks would show in memory
        text = f"{number}-" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=rng.randint(2_000, 400_000)))
        document = _replaced(base, rng.choice(places), text)
        return Case(_as_body(document), document, False, kind)
    if kind == "deep":  # nesting far past any request model's, inside a field
        field = rng.choice([key for key in base if key != "policy"])
        body = _as_body({k: v for k, v in base.items() if k != field})[:-1]
        body += f', "{field}": {_nested(rng.choice([LIMITS.depth + 1, 200, 900, 5000, 50_000]))}}}'.encode()
        return Case(body, None, True, kind)
    if kind == "top-level":
        body = rng.choice([b"[]", b"null", b'"text"', b"1", b"true", _as_body([base]), b"[" * 10_000])
        return Case(body, None, True, kind)
    if kind == "wrong-policy":
        document = {**base, "policy": rng.choice(["", "x" * 5000, "../policy", None, 1, ["a"]])}
        return Case(_as_body(document), document, True, kind)
    if kind == "duplicate":
        body = b'{"policy": "a", ' + _as_body(base)[1:]
        return Case(body, None, True, kind)
    data = bytearray(_as_body(base))  # bytes: truncated, flipped, or not UTF-8
    choice = rng.randint(0, 2)
    if choice == 0:
        data = data[: rng.randint(0, len(data) - 1)]
    elif choice == 1:
        for _ in range(rng.randint(1, 5)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    else:
        data[rng.randrange(len(data))] = rng.choice([0x80, 0xC0, 0xFF, 0xED])
    return Case(bytes(data), None, choice == 0, kind)


def expected(case: Case) -> tuple[int, bytes | None]:
    """The status the library's answer implies, and the determination's bytes for 200."""
    if len(case.body) > LIMITS.request_bytes:
        return 413, None
    try:  # JSON on the network is UTF-8 (RFC 8259); read as the library reads a document
        document = parse_document(case.body.decode("utf-8"))
    except (UnicodeDecodeError, InputError):
        return 422, None
    try:
        determination = policy.assess(document)
    except policy.InvalidRequest:
        return 422, None
    return 200, json.dumps(determination.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("fuzz")
    with running_server(folder, "--tokens-file", str(tokens_file(folder))) as running:
        yield running


def _rss_mb(server: Server) -> float:
    return float(psutil.Process(server.process.pid).memory_info().rss) / 2**20


def test_mutated_documents_get_the_library_answer_and_never_a_5xx(server: Server) -> None:
    """Every mutated document is answered as the library decides it; built-invalid ones never get a determination."""
    rng = random.Random(SEED)
    deadline = time.monotonic() + FUZZ_SECONDS
    kinds: dict[str, int] = {}
    statuses: dict[int, int] = {}
    memory: list[float] = []
    with server.client(headers=AUTH) as client:
        for number in range(CASES):
            if time.monotonic() > deadline:
                break
            if number == CASES // 3:
                memory.append(_rss_mb(server))
            case = make_case(rng, number)
            response = client.post("/v1/assess", content=case.body)
            status, determination = expected(case)
            context = f"case {number} ({case.kind}): {case.body[:200]!r} -> {response.status_code} {response.text[:300]}"
            assert response.status_code < 500, context
            assert response.status_code == status, context
            if case.built_invalid:
                assert response.status_code in (413, 422), context
            if status == 200:
                assert response.content == determination, context
            else:
                assert b'"determination"' not in response.content and b'"decision"' not in response.content
            kinds[case.kind] = kinds.get(case.kind, 0) + 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    memory.append(_rss_mb(server))
    print(f"fuzz: {sum(kinds.values())} cases {kinds}, statuses {statuses}, RSS MB {memory}")
    assert {200, 422} <= set(statuses), "the mutations reach both sides"
    if len(memory) == 2:
        assert memory[1] - memory[0] < MEMORY_GROWTH_MB, memory


def test_mutated_batches_answer_each_line_as_policy_batch_does(server: Server) -> None:
    """Batches of mutated lines are answered, line by line and byte for byte, as `assess_line` answers them."""
    rng = random.Random(SEED + 1)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}
    with server.client(headers=headers) as client:
        for _ in range(BATCHES):
            lines = [make_case(rng, n).body.replace(b"\n", b" ") for n in range(rng.randint(1, 40))]
            lines = [line for line in lines if len(line) <= LIMITS.request_bytes]
            response = client.post("/v1/assess:batch", content=b"\n".join(lines) + b"\n")
            assert response.status_code == 200
            # As `policy batch` reads them: each line with its newline.
            assert response.content == b"".join(assess_line(n, line + b"\n").data for n, line in enumerate(lines, start=1))


def test_credentials_and_headers_from_an_attacker_never_get_a_determination(server: Server) -> None:
    """Random tokens, schemes, request ids and media types: 401, 415 or a fresh request id, never a 5xx."""
    rng = random.Random(SEED + 2)
    body = json.dumps(EXAMPLES[0]).encode()
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        for _ in range(150):
            token = "".join(rng.choices(string.printable[:94], k=rng.randint(0, 80)))
            scheme = rng.choice(["Bearer", "bearer", "Basic", "", "Bearer  ", "Token"])
            headers = {"Authorization": f"{scheme} {token}".strip().encode("latin-1"),
                       "Content-Type": rng.choice(["application/json", "text/plain", "application/json; charset=x"]),
                       "X-Request-ID": "".join(rng.choices(string.printable[:94], k=rng.randint(0, 100)))}
            response = client.post("/v1/assess", content=body, headers=headers)
            assert response.status_code == 401, response.text
            assert b"decision" not in response.content
            assert len(response.headers["x-request-id"]) <= 64
