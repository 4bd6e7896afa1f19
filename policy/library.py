"""The policy library: every folder beside `shared/` in the source root is a policy.

Policies are found, never registered: a folder `features/<name>/` (installed:
`policy/_source/<name>/`) is the policy whose id is `<name>` with `-` for `_`.
Its Python is imported as a package of the source root, which is mapped to
the module name `policy._source` in a checkout as it is in a wheel, so a
policy's modules import its own files and the shared source relatively.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import threading
from functools import cache
from pathlib import Path
from types import ModuleType

from policy.errors import PolicyDefinitionError
from policy.rules.declarations import Declarations, PolicyCode
from policy.source import SHARED_FOLDER, source_root

PACKAGE = "policy._source"
# What a policy package names its declarations.
POLICY_NAME = "POLICY"
SHARED_NAME = "SHARED"
_lock = threading.RLock()


def folder_of(policy_id: str) -> str:
    """The folder name of a policy id: `drug-condition` lives in `drug_condition/`."""
    return policy_id.replace("-", "_")


def id_of(folder: str) -> str:
    return folder.replace("_", "-")


def policy_folders(root: Path | None = None) -> list[Path]:
    """Every folder of the source root that is meant to be a policy, in name order."""
    base = root or source_root()
    return sorted(
        path for path in base.iterdir()
        if path.is_dir() and path.name != SHARED_FOLDER and not path.name.startswith((".", "_"))
    )


def policy_ids(root: Path | None = None) -> tuple[str, ...]:
    """The ids of the policies this package holds (complete or not: `policy check` says which)."""
    if root is None:
        return _installed_ids()
    return tuple(id_of(path.name) for path in policy_folders(root))


@cache
def _installed_ids() -> tuple[str, ...]:
    # Read once per process: every assessment checks the policy it names against it.
    return tuple(id_of(path.name) for path in policy_folders())


def _package(root: Path) -> str:
    """The module name the source root is imported under (created on first use)."""
    default = source_root()
    name = PACKAGE if root.resolve() == default.resolve() else (
        "policy._library_" + hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]
    )
    with _lock:
        if name in sys.modules:
            return name
        try:
            if name == PACKAGE:
                importlib.import_module(name)  # installed: policy/_source is a real subpackage
                return name
        except ModuleNotFoundError:
            pass
        init = root / "__init__.py"
        spec = importlib.util.spec_from_file_location(
            name, init if init.is_file() else None, submodule_search_locations=[str(root)]
        )
        if spec is None:
            raise PolicyDefinitionError(f"cannot import the policy library at {root}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        if spec.loader is not None and init.is_file():
            spec.loader.exec_module(module)
        return name


def _module(folder: str, root: Path | None) -> ModuleType:
    base = root or source_root()
    if not (base / folder / "__init__.py").is_file():
        raise PolicyDefinitionError(f"{folder}/__init__.py:1: missing: a policy folder declares its Python there")
    name = f"{_package(base)}.{folder}"
    try:
        return importlib.import_module(name)
    except PolicyDefinitionError:
        raise
    except Exception as error:  # an author's syntax or import error, reported with its place
        raise PolicyDefinitionError(f"{folder}/__init__.py:1: cannot import: {type(error).__name__}: {error}") from error


def policy_package(policy_id: str, root: Path | None = None) -> ModuleType:
    """The policy's Python package (its request models and rules modules are attributes once imported)."""
    return _module(folder_of(policy_id), root)


def policy_code(policy_id: str, root: Path | None = None) -> PolicyCode:
    """What the policy's Python declares (its `POLICY`)."""
    folder = folder_of(policy_id)
    declared = getattr(_module(folder, root), POLICY_NAME, None)
    if not isinstance(declared, PolicyCode):
        raise PolicyDefinitionError(
            f"{folder}/__init__.py:1: expected {POLICY_NAME} = PolicyCode(...), got {type(declared).__name__}"
        )
    return declared


def shared_code(root: Path | None = None) -> Declarations:
    """What the shared source's Python declares (its `SHARED`); nothing when it has none."""
    base = root or source_root()
    if not (base / SHARED_FOLDER / "__init__.py").is_file():
        return Declarations()
    declared = getattr(_module(SHARED_FOLDER, root), SHARED_NAME, None)
    if not isinstance(declared, Declarations):
        raise PolicyDefinitionError(
            f"{SHARED_FOLDER}/__init__.py:1: expected {SHARED_NAME} = Declarations(...), got {type(declared).__name__}"
        )
    return declared


__all__ = ["folder_of", "id_of", "policy_code", "policy_package", "policy_folders", "policy_ids", "shared_code"]
