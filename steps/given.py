"""Given steps: build the request document a scenario assesses.

"The source case" is the policy's bundled `examples/<policy-id>/source-case.json`,
so the acceptance suite and `make assess` start from the same document; a
continuation "like the source case" is `source-case-continued.json` beside it.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers

from steps.values import parse_value

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SOURCE_CASE = "source-case.json"
CONTINUED_CASE = "source-case-continued.json"


@cache
def example(policy_id: str, name: str) -> dict[str, Any]:
    path = EXAMPLES / policy_id / name
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def policy_id() -> str:
    raise pytest.UsageError("a scenario's policy is set by steps/test_library.py's parametrization")


@pytest.fixture
def document() -> dict[str, Any]:
    return {}


def _start_from(document: dict[str, Any], policy_id: str, name: str) -> None:
    document.clear()
    document.update(copy.deepcopy(example(policy_id, name)))


@given("a request like the source case")
def source_case(document: dict[str, Any], policy_id: str) -> None:
    _start_from(document, policy_id, SOURCE_CASE)


@given("a continuation request like the source case")
def continuation_case(document: dict[str, Any], policy_id: str) -> None:
    _start_from(document, policy_id, CONTINUED_CASE)


def _parent(document: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    *parents, leaf = path.split(".")
    node = document
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            child = node[name] = {}
        node = child
    return node, leaf


@given(parsers.re(r"(?P<path>[a-z_]+(?:\.[a-z_]+)*) is not stated"))
def remove_field(document: dict[str, Any], path: str) -> None:
    node, leaf = _parent(document, path)
    node.pop(leaf, None)


@given(parsers.re(r"(?P<path>[a-z_]+(?:\.[a-z_]+)*) is (?P<value>(?!not stated$).+)"))
def set_field(document: dict[str, Any], path: str, value: str) -> None:
    node, leaf = _parent(document, path)
    node[leaf] = parse_value(value)
