"""One durable-rules network per process, driven through its C interface.

Known hazards of durable-rules 2.0.28 and how they are kept from callers:

- The stock `Host` starts dispatcher threads that race with callers (lost
  results, segfaults): no `Host` is created; this module drives the engine's
  action loop itself, on the caller's thread.
- Deleting a session where no action fired segfaults: the ruleset has a
  catch-all rule on the request fact, and a session with no firing is never
  deleted (it raises instead).
- Exceptions inside actions are swallowed by the stock host: here actions run
  in this module, and any exception abandons the action and is raised as
  `EngineError` after the session is deleted.
- A fact no rule consumes, or an identical fact asserted twice, is refused by
  the engine: the result code of every assertion is checked and raised.
- At most 1024 live sessions per ruleset and 32-bit session hashes: sessions
  are short-lived, one at a time, and deleted in `finally`.
- No locking inside the engine, GIL never released: every call goes through
  one lock per network (re-created in forked children).
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


def _reset_locks_after_fork() -> None:
    for network in _networks:
        network._lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_locks_after_fork)


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
    """What one assessment produced: the rules that fired and the facts asserted."""

    sid: str
    fired: list[tuple[str, Mapping[str, Any]]] = field(factory=list)
    facts: dict[str, dict[str, Any]] = field(factory=dict)
    context: dict[str, Any] = field(factory=dict)
    _network: Network | None = field(default=None, repr=False)
    _handle: int = field(default=0, repr=False)

    def assert_fact(self, fact_type: str, values: Mapping[str, Any]) -> None:
        """Add a derived fact to the running session (from inside an action)."""
        if fact_type in self.facts:
            raise EngineError(f"derived fact '{fact_type}' asserted twice in one session")
        if self._network is None:
            raise EngineError("session is not running")
        fact = {"t": fact_type, **values, "sid": self.sid}
        self._network._assert(fact)
        self.facts[fact_type] = dict(values)


class Network:
    """A compiled ruleset and the actions its rules run, one per policy per process."""

    _ids = itertools.count(1)

    def __init__(self, name: str, definition: Mapping[str, Any], action: Action) -> None:
        self.name = name
        self.rule_names = frozenset(definition)
        # durable mutates the definition it is given: hand it a copy.
        self._handle = engine.create_ruleset(name, encode(definition))
        self._action = action
        self._lock = threading.Lock()
        self._sessions = itertools.count(1)
        _networks.append(self)

    def _rule_name(self, message: str) -> str:
        """The firing rule's name: the message's only key, read without decoding the rest."""
        end = message.find('":', 2)
        if message.startswith('{"') and end > 2:
            name = message[2:end]
            if "\\" not in name and name in self.rule_names:
                return name
        (name, _), = json.loads(message).items()
        return str(name)

    def _assert(self, fact: Mapping[str, Any]) -> int:
        try:
            result = engine.assert_fact(self._handle, encode(fact))
        except Exception as error:  # the C layer raises bare Exceptions with codes
            raise EngineError(f"the engine refused fact '{fact.get('t')}': {error}") from error
        code = result[0]
        if code == _NOT_HANDLED:
            raise EngineError(f"no rule consumes fact '{fact.get('t')}'")
        if code == _OBSERVED:
            raise EngineError(f"fact '{fact.get('t')}' was already asserted in this session")
        return int(result[1])

    def run(self, request_fact: Mapping[str, Any], context: dict[str, Any] | None = None) -> Session:
        """Assert the request fact, run every action to completion, return what fired.

        `context` is handed to the actions untouched (what they need besides facts).
        """
        with self._lock:
            session = Session(sid=f"{os.getpid()}-{next(self._sessions)}", context=context or {})
            session._network = self
            fired_once = False
            failure: BaseException | None = None
            try:
                handle = self._assert({"t": "request", **request_fact, "sid": session.sid})
                session._handle = handle
                session.facts["request"] = dict(request_fact)
                result = engine.start_action_for_state(self._handle, handle)
                message = result[1] if result else None
                while message:
                    fired_once = True
                    rule_name, matched = self._rule_name(message), Matched(message)
                    try:
                        self._action(session, rule_name, matched)
                    except BaseException as error:
                        engine.abandon_action(self._handle, handle)
                        failure = error
                        break
                    session.fired.append((rule_name, matched))
                    message = engine.complete_and_start_action(self._handle, handle)
            finally:
                session._network = None
                if fired_once:
                    engine.delete_state(self._handle, session.sid)
            if failure is not None:
                if isinstance(failure, EngineError):
                    raise failure
                raise EngineError(f"action failed in {self.name}: {failure!r}") from failure
            if not fired_once:
                raise EngineError(f"no rule fired in {self.name}: the catch-all rule is missing")
            return session
