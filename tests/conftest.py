"""Hypothesis settings for the property tests.

No deadline: the suite makes no timing assertions, and a slow machine must not
turn into a failing test. Failures print a reproduction blob. The example
database lives in the git-ignored `.hypothesis/` folder; CI starts without it.
Each test sets its own example count through `strategies.examples`, which
POLICY_EXAMPLES_SCALE multiplies for a longer run by hand.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")
