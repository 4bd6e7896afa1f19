"""The engine sessions of one network: which to run in, how to empty it, when to drop it.

Creating a session costs more than many firings (durable's `createStateNode`
sets up frame pools and hash indexes for every join node: about 90 µs with
the policy's ~82 rules), so a session is kept between assessments when, and
only when, it can be proved empty again:

- everything an assessment asserted (the request and every derived fact) is
  retracted when it ends; the engine answers success even for a fact it
  does not hold, so its word is not taken: the session's facts are read back
  and must be none, and no action may be pending;
- the released durable-rules 2.0.28 cannot safely retract a fact that sat in
  a fired rule's match together with another fact: the finished action's
  frame is freed but still marked as dispatching, and retracting the second
  of its facts makes `deleteMessageFromFrame` scan past the frame's 16
  entries into memory it never wrote (valgrind: one uninitialised read per
  such assessment, none in a fresh session). `policy/engine/build.py` builds
  it with a three-line fix (`durable-rules-2.0.28.patch`, beside it) and the
  local version `2.0.28+policy.1`; with that build (`RETRACTS_JOINED_FACTS`)
  the session is kept after every clean assessment. With the released build
  a session where such a rule fired is deleted instead, and the next
  assessment starts a fresh one under the same id: every policy network
  joins facts, so that is their path there, correct but slower;
- after any error code, exception or failed check the session is deleted
  (or, when nothing ever fired in it, left alone: deleting it would crash
  the engine) and never reused.

durable finds a session by a 32-bit hash of its id, and a fact within a
session by a 32-bit hash of the fact's id (`fnv1Hash32`, `state.c`): two
ids with the same hash are one session, or one fact, to it. So:

- each fact type gets one fixed id per network, chosen on first use so that
  no two types' ids, nor the id of the session's own state object
  (`sid-<sid>`), share a hash; a fact of an earlier assessment still held
  would make the engine refuse the next fact of its type, never sit beside it;
- a new session id is chosen so that its hash is not that of any session
  left in the engine, and its state object's id shares no hash with a fact id.

Every fact also carries its assessment's serial (`SERIAL`): the facts of two
assessments are never equal, even for the same request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Final

import durable_rules_engine as engine
from attrs import define, field

from policy.engine.build import LABEL

FACT_TYPE: Final = "t"
SESSION: Final = "sid"
FACT_ID: Final = "id"
SERIAL: Final = "serial"
# Keys the adapter writes into every fact; a fact's own values may not use them.
RESERVED: Final = frozenset((FACT_TYPE, SESSION, FACT_ID, SERIAL))


def _engine_version() -> str:
    try:
        return version("durable-rules")
    except PackageNotFoundError:  # an engine imported from outside any installed distribution
        return "unknown"


ENGINE_VERSION: Final = _engine_version()
# The build of policy/engine/build.py, whose local version label says its fix is in.
RETRACTS_JOINED_FACTS: Final = ENGINE_VERSION.endswith(LABEL)


def engine_summary() -> str:
    """One line for operators: the engine build, and whether sessions are kept between assessments."""
    if RETRACTS_JOINED_FACTS:
        return f"durable-rules {ENGINE_VERSION} (one session per policy, emptied after each assessment)"
    return (f"durable-rules {ENGINE_VERSION} (a fresh session per assessment: this build cannot empty a "
            "session safely; `python -m policy.engine.build` installs one that can)")


_FNV_OFFSET_BASIS, _FNV_PRIME, _MASK = 0x811C9DC5, 0x01000193, 0xFFFFFFFF
_NO_FACTS = "[]"


def fnv1_hash32(text: str) -> int:
    """The engine's 32-bit hash of an id as it appears in a fact's JSON (escaped, no quotes).

    The engine XORs each `char`, signed where it is built, so a byte over 127
    is sign-extended first; ids written by `json.dumps` are ASCII anyway.
    """
    value = _FNV_OFFSET_BASIS
    for byte in text.encode("utf-8"):
        value = ((value ^ (byte - 256 if byte > 127 else byte)) * _FNV_PRIME) & _MASK
    return value


def written(text: str) -> str:
    """`text` as it stands inside a JSON string written by `json.dumps` (escaped, no quotes)."""
    return json.dumps(text)[1:-1]


def state_id_hash(sid: str) -> int:
    """The hash of the id of the state object the engine adds to every session (`sid-<sid>`)."""
    return fnv1_hash32("sid-" + written(sid))


def matches_one_fact(rule: Mapping[str, Any]) -> bool:
    """Whether every firing of a rule (its JSON form) holds exactly one fact.

    Only a plain `all` of one pattern is known to; anything else (joins,
    `any`, counts, caps, negations) is taken as holding several.
    """
    patterns = rule.get("all")
    if set(rule) - {"all", "pri"} or not isinstance(patterns, list) or len(patterns) != 1:
        return False
    pattern = patterns[0]
    return isinstance(pattern, Mapping) and len(pattern) == 1 and not next(iter(pattern)).startswith("$")


class FactIds:
    """The engine id of every fact type of one network: fixed, no two with the same hash."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}  # fact type -> its id, written as JSON
        self._hashes: set[int] = set()

    def of(self, fact_type: str, state_hash: int) -> str:
        """The id of `fact_type` as JSON, chosen on first use clear of every other id and of `state_hash`."""
        found = self.known.get(fact_type)
        if found is not None:
            return found
        for candidate in _candidates(fact_type):
            hashed = fnv1_hash32(written(candidate))
            if hashed not in self._hashes and hashed != state_hash:
                self.known[fact_type] = found = json.dumps(candidate)
                self._hashes.add(hashed)
                return found
        raise AssertionError("unreachable: candidates never end")

    @property
    def hashes(self) -> frozenset[int]:
        return frozenset(self._hashes)


def _candidates(base: str) -> Iterator[str]:
    yield base
    number = 1
    while True:
        yield f"{base}~{number}"
        number += 1


class SessionIds:
    """Ids for new sessions of one network, clear of the hashes the engine still holds."""

    def __init__(self, first: int = 1) -> None:
        self._number = first
        self.held: set[int] = set()  # hashes of the ids of sessions left in the engine

    def new(self, prefix: str, fact_hashes: frozenset[int]) -> str:
        """A session id whose hash no held session has and whose state id no fact id shares."""
        while True:
            sid = f"{prefix}-{self._number}"
            self._number += 1
            if fnv1_hash32(written(sid)) not in self.held and state_id_hash(sid) not in fact_hashes:
                return sid

    def hold(self, sid: str) -> None:
        """Remember a session the engine keeps (it could not be deleted): its id's hash is avoided."""
        self.held.add(fnv1_hash32(written(sid)))


@define
class EngineSession:
    """One session inside the engine, and what the running assessment did in it."""

    sid: str
    state_hash: int = field(init=False)  # of its state object's id, which fact ids must not share
    written_sid: str = field(init=False)  # the id as JSON, for the facts' text
    state: int = 0  # the engine's offset of the session, returned by every assertion
    fired: bool = False  # an action ever fired here: only then may the engine delete it
    busy: bool = False  # an assessment is running in it (a forked child must not reuse it)
    joined: bool = False  # a rule matching several facts fired: its facts cannot be retracted safely
    asserted: list[str] = field(factory=list)  # ids (as JSON) of the facts the running assessment asserted

    def __attrs_post_init__(self) -> None:
        self.state_hash = state_id_hash(self.sid)
        self.written_sid = json.dumps(self.sid)

    def retraction(self) -> str:
        """The engine message retracting every fact the running assessment asserted, last first."""
        return "[" + ", ".join(f'{{"{FACT_ID}": {mid}, "{SESSION}": {self.written_sid}}}'
                               for mid in reversed(self.asserted)) + "]"


class Sessions:
    """The one engine session a network keeps, and the ids of its sessions and facts."""

    def __init__(self, ruleset: int, prefix: str) -> None:
        self._ruleset = ruleset
        self.prefix = prefix
        self.fact_ids = FactIds()
        self.ids = SessionIds()
        self.live: EngineSession | None = None
        # The last session deleted: nothing in the engine has its id any more, so the next one takes it.
        self._spare: EngineSession | None = None
        self.started = 0  # engine sessions opened by this network in this process

    def open(self) -> EngineSession:
        """The kept session, or a new one (the engine creates it on its first assertion)."""
        live = self.live
        if live is None:
            live = self._spare or EngineSession(self.ids.new(self.prefix, self.fact_ids.hashes))
            live.state, live.fired, live.asserted = 0, False, []
            self.live, self._spare = live, None
            self.started += 1
        live.busy, live.joined = True, False
        return live

    def close(self, live: EngineSession, clean: bool) -> None:
        """End an assessment: keep the session only if it was clean and is proved empty again."""
        if clean and not live.joined and self._emptied(live):
            live.busy = False
        else:
            self.discard(live)

    def _emptied(self, live: EngineSession) -> bool:
        try:
            code, _ = engine.retract_facts(self._ruleset, live.retraction())
            live.asserted.clear()
            if code != 0 or engine.get_facts(self._ruleset, live.sid) != _NO_FACTS:
                return False
            pending = engine.start_action_for_state(self._ruleset, live.state)
        except Exception:  # noqa: BLE001 - any error code: the session is dropped, never reused
            return False
        if pending:
            live.fired = True  # the engine just started an action there: deleting it is safe
            return False
        return True

    def discard(self, live: EngineSession) -> None:
        """Delete a session; one where nothing ever fired is left in the engine, its id avoided from now on."""
        self.live = None
        if live.fired:
            try:
                engine.delete_state(self._ruleset, live.sid)
            except Exception:  # noqa: BLE001 - then it stays in the engine, and its id is avoided
                pass
            else:
                self._spare = live
                return
        self.ids.hold(live.sid)

    def after_fork(self, prefix: str) -> None:
        """In a forked child: drop a session a thread of the parent was filling at the fork."""
        self.prefix = prefix
        if self.live is not None and self.live.busy:
            self.ids.hold(self.live.sid)
            self.live = None
