"""Given steps: build the request document a scenario assesses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers

from steps.values import parse_value

# The request the source assessment answers (section 5 of the brief): the bundled
# example, so the acceptance suite and `make assess` start from the same document.
SOURCE_CASE: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "examples" / "source-case.json").read_text(encoding="utf-8")
)
IMPROVING: dict[str, Any] = {
    "weeks_on_therapy": 16,
    "strength": "improved",
    "function": "improved",
    "rash": "absent",
    "ck": "decreased",
    "complete_response": False,
}


@pytest.fixture
def document() -> dict[str, Any]:
    return {}


@given("a request like the source case")
def source_case(document: dict[str, Any]) -> None:
    document.clear()
    document.update(copy.deepcopy(SOURCE_CASE))


@given("a continuation request like the source case")
def continuation_case(document: dict[str, Any]) -> None:
    source_case(document)
    document["type"] = "continuation"
    document["response"] = copy.deepcopy(IMPROVING)


def _parent(document: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    *parents, leaf = path.split(".")
    node = document
    for name in parents:
        node = node.setdefault(name, {})
    return node, leaf


@given(parsers.re(r"(?P<path>[a-z_]+(?:\.[a-z_]+)*) is not stated"))
def remove_field(document: dict[str, Any], path: str) -> None:
    node, leaf = _parent(document, path)
    node.pop(leaf, None)


@given(parsers.re(r"(?P<path>[a-z_]+(?:\.[a-z_]+)*) is (?P<value>(?!not stated$).+)"))
def set_field(document: dict[str, Any], path: str, value: str) -> None:
    node, leaf = _parent(document, path)
    node[leaf] = parse_value(value)
