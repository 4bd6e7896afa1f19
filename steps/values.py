"""How a step writes a value: JSON, or a bare word taken as a string."""

from __future__ import annotations

import json
from typing import Any

STATEMENT_ID = r"[A-Z]+(?:-[A-Z0-9]+)+"


def parse_value(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
