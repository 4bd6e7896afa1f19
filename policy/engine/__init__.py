"""The adapter around durable-rules: the only module that touches the engine.

durable-rules 2.0.28 ships only as source with a C extension. Built on
Python 3.13 as released it compiles, then fails at import (`undefined
symbol: PyEval_CallObject`, a function 3.13 removed); a missing or broken
build fails the same way. Either is turned here into an error that says
exactly what to run: `build.py` beside this file, run by path (importing the
package would fail again), which installs the fixed build.
"""

from __future__ import annotations

import sys
from pathlib import Path

REINSTALL = f"{sys.executable} {Path(__file__).resolve().with_name('build.py')}"


def _engine_error(error: ImportError) -> ImportError:
    if "PyEval_CallObject" in str(error):
        why = ("durable-rules was built without the define Python 3.13 needs (undefined symbol: "
               "PyEval_CallObject)")
    else:
        why = f"the durable-rules engine cannot be imported ({error})"
    return ImportError(f"{why}. Rebuild it with:\n    {REINSTALL}")


try:
    import durable_rules_engine  # noqa: F401  (the C extension network.py drives)
except ImportError as error:
    raise _engine_error(error) from None

from policy.engine.network import Network, Session  # noqa: E402  (after the engine is known to load)

__all__ = ["Network", "Session"]
