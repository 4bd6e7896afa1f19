"""The policy's numbers and code groups are the brief's, written down here on their own.

Other tests read thresholds from the policy source so that a policy change
moves them all at once; this module is what stops a wrong number in
policy.toml from moving them silently.
"""

from __future__ import annotations

import pytest

import policy
from policy.binding import BoundPolicy

# Section 3 of the brief (and the Devine formula it names), value and unit.
BRIEF_PARAMETERS = {
    "max_dose_g_per_kg": (2.0, "g/kg"),
    "vial_rounding_g": (5, "g"),
    "min_course_days": (2, "days"),
    "max_course_days": (5, "days"),
    "high_course_g": (80, "g"),
    "high_course_min_days": (3, "days"),
    "short_course_days": (2, "days"),
    "min_interval_days": (28, "days"),
    "max_courses": (6, "courses"),
    "trial_weeks": (12, "weeks"),
    "plasmapheresis_window_days": (14, "days"),
    "adult_age_years": (18, "years"),
    "short_stature_cm": (152.4, "cm"),
    "ibw_reference_height_in": (60, "in"),
    "ibw_base_male_kg": (50.0, "kg"),
    "ibw_base_female_kg": (45.5, "kg"),
    "ibw_kg_per_in": (2.3, "kg/in"),
}
# Section 1 of the brief: which codes each diagnosis statement names.
BRIEF_CODE_GROUPS = {
    "spectrum": {"M60.8", "M33", "M36.0", "G72.49"},
    "inclusion_body": {"G72.41"},
    "other_cause": {"M60.0", "M60.2", "G72.0"},
    "needs_review": {"M60.9", "M60.1"},
}


POLICY = "ivig-myositis"

def source() -> BoundPolicy:
    return policy.assessor(POLICY).bound


def test_every_parameter_is_one_the_brief_names() -> None:
    """No parameter is missing and none is added without a figure from the brief."""
    assert set(source().source.parameters) == set(BRIEF_PARAMETERS)


@pytest.mark.parametrize("key", sorted(BRIEF_PARAMETERS))
def test_a_parameter_has_the_brief_s_value_and_unit(key: str) -> None:
    """Each threshold of the policy source equals the brief's figure."""
    parameter = source().source.parameters[key]
    assert (parameter.value, parameter.unit) == BRIEF_PARAMETERS[key]


@pytest.mark.parametrize("key", ["vial_rounding_g", "plasmapheresis_window_days"])
def test_the_brief_s_policy_choices_say_so(key: str) -> None:
    """The brief calls vial rounding and the 14-day window policy choices; the source carries that note."""
    assert source().source.parameters[key].policy_choice


@pytest.mark.parametrize("key", sorted(BRIEF_CODE_GROUPS))
def test_a_code_group_holds_the_brief_s_codes(key: str) -> None:
    """Each diagnosis group matches exactly the code prefixes its statement names."""
    assert set(source().source.code_groups[key].prefixes) == BRIEF_CODE_GROUPS[key]
