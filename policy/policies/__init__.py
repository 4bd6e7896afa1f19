"""The policies this package ships, each a module of rule declarations."""

from __future__ import annotations

from types import ModuleType

from policy.policies import ivig_myositis

MODULES: dict[str, ModuleType] = {"ivig-myositis": ivig_myositis}
DEFAULT = "ivig-myositis"
