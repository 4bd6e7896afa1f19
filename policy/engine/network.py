"""One durable-rules network per process, driven through its C interface.

Known hazards of durable-rules 2.0.28 and how they are kept from callers:

- The stock `Host` starts dispatcher threads that race with callers (lost
  results, segfaults): no `Host` is created; this module drives the engine's
  action loop itself, on the caller's thread.
- Creating a session costs more than many firings: a network keeps one
  session, emptied and checked after each assessment, where the engine can
  retract safely (always, with the engine `build.py` builds), and
  otherwise deletes it; `session.py` says when, and how
  ids are kept clear of the engine's 32-bit hash collisions. Every fact
  carries its assessment's serial.
- Deleting a session where no action fired segfaults: the ruleset has a
  catch-all rule on the request fact, and a session where no action ever
  fired is never deleted (it is left in the engine, its id's hash avoided).
- Exceptions inside actions are swallowed by the stock host: here actions run
  in this module, and any exception abandons the action and is raised as
  `EngineError` after the session is dropped.
- A fact no rule consumes, or a fact asserted twice, is refused by the
  engine: the result code of every assertion is checked and raised.
- At most 1024 live sessions per ruleset: a network has one at a time and
  deletes the ones it drops, leaving in the engine only sessions where
  nothing ever fired (a ruleset without its catch-all).
- No locking inside the engine, GIL never released: every call goes through
  one lock per network (re-created in forked children, which also drop a
  session a thread was filling at the fork).
- Rulesets are never freed: networks are cached per process, one per policy.
- The engine's JSON parser refuses a number whose mantissa has no point
  before its exponent (`1e-05`, `1e+16`, as Python writes them): such
  numbers are written `1.0e-05` in every fact and in the ruleset.
- Decoding the matched facts of every firing is most of a firing's cost:
  the rule's name is read from the message, the facts only on demand.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import durable_rules_engine as engine
from attrs import define, field

from policy.engine.session import (
    FACT_ID,
    FACT_TYPE,
    RESERVED,
    RETRACTS_JOINED_FACTS,
    SERIAL,
    SESSION,
    EngineSession,
    Sessions,
    matches_one_fact,
)
from policy.errors import EngineError

Action = Callable[["Session", str, Mapping[str, Any]], None]

_NOT_HANDLED, _OBSERVED = 1, 2
_networks: list[Network] = []


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise EngineError(f"the engine cannot take the number {value!r}")
    text = repr(value)
    mantissa, exponent, power = text.partition("e")
    if exponent and "." not in mantissa:
        return f"{mantissa}.0e{power}"
    return text


def _written(value: Any) -> str:
    """JSON the engine can read: json.dumps, but every exponent has a point before it."""
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_written(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_written(v) for v in value) + "]"
    return json.dumps(value)


def encode(value: Any) -> str:
    """`value` as JSON for the engine (the fast json.dumps unless a number needs rewriting)."""
    text = json.dumps(value)
    # Python writes every exponent with a sign; a string holding "e+" or "e-"
    # only costs the slow path.
    if "e+" in text or "e-" in text or "NaN" in text or "Infinity" in text:
        return _written(value)
    return text


def _reset_after_fork() -> None:
    # A thread of the parent may have held a lock at the fork; the child has no such thread,
    # and the session that thread was filling holds that thread's facts.
    for network in _networks:
        network._after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)


class Matched(Mapping[str, Any]):
    """The facts a firing matched, decoded from the engine's message on first use.

    Most actions only need the rule's name: decoding every message would be
    most of the cost of a firing.
    """

    __slots__ = ("_text", "_facts")

    def __init__(self, text: str) -> None:
        self._text = text
        self._facts: dict[str, Any] | None = None

    def _decoded(self) -> dict[str, Any]:
        if self._facts is None:
            (_, facts), = json.loads(self._text).items()
            self._facts = dict(facts)
        return self._facts

    def __getitem__(self, key: str) -> Any:
        return self._decoded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __repr__(self) -> str:
        return f"Matched({self._decoded()!r})"


@define
class Session:
    """What one assessment produced: the rules that fired and the facts asserted.

    `sid` names the engine session it ran in (reused by later assessments);
    `serial` is this assessment's own number, carried by each of its facts.
    """

    sid: str
    serial: int = 0
    fired: list[tuple[str, Mapping[str, Any]]] = field(factory=list)
    facts: dict[str, dict[str, Any]] = field(factory=dict)
    context: dict[str, Any] = field(factory=dict)
    _network: Network | None = field(default=None, repr=False)
    _engine_session: EngineSession | None = field(default=None, repr=False)

    def assert_fact(self, fact_type: str, values: Mapping[str, Any]) -> None:
        """Add a derived fact to the running session (from inside an action)."""
        if fact_type in self.facts:
            raise EngineError(f"derived fact '{fact_type}' asserted twice in one session")
        if self._network is None or self._engine_session is None:
            raise EngineError("session is not running")
        self._network._assert(self._engine_session, self.serial, fact_type, values)
        self.facts[fact_type] = dict(values)


class Network:
    """A compiled ruleset and the actions its rules run, one per policy per process."""

    def __init__(self, name: str, definition: Mapping[str, Any], action: Action,
                 retract_joined: bool = RETRACTS_JOINED_FACTS) -> None:
        self.name = name
        self.rule_names = frozenset(definition)
        # Rules whose firing holds several facts: only a fixed engine retracts those facts safely.
        self._joining = frozenset() if retract_joined else frozenset(
            rule for rule, body in definition.items() if not matches_one_fact(body))
        # durable mutates the definition it is given: hand it a copy.
        self._handle = engine.create_ruleset(name, encode(definition))
        self._action = action
        self._lock = threading.Lock()
        self._serials = itertools.count(1)
        self._sessions = Sessions(self._handle, str(os.getpid()))
        _networks.append(self)

    @property
    def session_id(self) -> str | None:
        """The id of the engine session kept for the next assessment, if one is kept."""
        live = self._sessions.live
        return live.sid if live is not None else None

    @property
    def sessions_started(self) -> int:
        """How many engine sessions this network has opened in this process."""
        return self._sessions.started

    def reset(self) -> None:
        """Drop the kept session: the next assessment runs in a fresh one."""
        with self._lock:
            if self._sessions.live is not None:
                self._sessions.discard(self._sessions.live)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self._sessions.after_fork(str(os.getpid()))

    def _rule_name(self, message: str) -> str:
        """The firing rule's name: the message's only key, read without decoding the rest."""
        end = message.find('":', 2)
        if message.startswith('{"') and end > 2:
            name = message[2:end]
            if "\\" not in name and name in self.rule_names:
                return name
        (name, _), = json.loads(message).items()
        return str(name)

    def _assert(self, live: EngineSession, serial: int, fact_type: str, values: Mapping[str, Any]) -> None:
        """Assert one fact of the running assessment; raise on anything but a clean assertion."""
        if FACT_TYPE in values or SESSION in values or FACT_ID in values or SERIAL in values:
            raise EngineError(f"fact '{fact_type}' uses the adapter's own keys {sorted(RESERVED.intersection(values))}")
        ids = self._sessions.fact_ids
        mid = ids.known.get(fact_type) or ids.of(fact_type, live.state_hash)
        # The keys the adapter adds go last, written here rather than through json.dumps again.
        text = encode({FACT_TYPE: fact_type, **values})[:-1]
        text += f', "{SERIAL}": {serial}, "{FACT_ID}": {mid}, "{SESSION}": {live.written_sid}}}'
        try:
            result = engine.assert_fact(self._handle, text)
        except Exception as error:  # the C layer raises bare Exceptions with codes
            raise EngineError(f"the engine refused fact '{fact_type}': {error}") from error
        code = result[0]
        if code == _NOT_HANDLED:
            raise EngineError(f"no rule consumes fact '{fact_type}'")
        if code == _OBSERVED:
            raise EngineError(f"fact '{fact_type}' was already asserted in this session")
        if code != 0:
            raise EngineError(f"the engine deferred fact '{fact_type}' (code {code})")
        live.asserted.append(mid)
        live.state = int(result[1])

    def _fire(self, live: EngineSession, session: Session) -> tuple[bool, BaseException | None]:
        """Run the actions the engine schedules until none is left: whether any fired, and an action's failure.

        The loop runs some 25 times per assessment: its names are bound locally.
        """
        ruleset, state, act, fired = self._handle, live.state, self._action, session.fired
        rule_name, complete, joining = self._rule_name, engine.complete_and_start_action, self._joining
        result = engine.start_action_for_state(ruleset, state)
        message = result[1] if result else None
        if message:
            live.fired = True
        while message:
            name, matched = rule_name(message), Matched(message)
            if name in joining:
                live.joined = True
            try:
                act(session, name, matched)
            except BaseException as error:  # noqa: BLE001 - raised by `run` once the session is dropped
                engine.abandon_action(ruleset, state)
                return True, error
            fired.append((name, matched))
            message = complete(ruleset, state)
        return bool(fired), None

    def run(self, request_fact: Mapping[str, Any], context: dict[str, Any] | None = None) -> Session:
        """Assert the request fact, run every action to completion, return what fired.

        `context` is handed to the actions untouched (what they need besides facts).
        """
        with self._lock:
            live = self._sessions.open()
            session = Session(sid=live.sid, serial=next(self._serials), context=context or {})
            session._network, session._engine_session = self, live
            failure: BaseException | None = None
            fired = finished = False
            try:
                self._assert(live, session.serial, "request", request_fact)
                session.facts["request"] = dict(request_fact)
                fired, failure = self._fire(live, session)
                finished = True
            finally:
                session._network = session._engine_session = None
                self._sessions.close(live, clean=finished and fired and failure is None)
            if failure is not None:
                if isinstance(failure, EngineError):
                    raise failure
                raise EngineError(f"action failed in {self.name}: {failure!r}") from failure
            if not fired:
                raise EngineError(f"no rule fired in {self.name}: the catch-all rule is missing")
            return session
