"""A policy's Questionnaire canonical URL, and the policy a canonical names."""

from __future__ import annotations

from attrs import frozen

from policy.fhir.urls import QUESTIONNAIRE_PREFIX, VOCABULARY_PREFIX


@frozen
class Named:
    """What a Questionnaire canonical names: a policy id and, when pinned, a version."""

    policy_id: str
    version: str | None


def questionnaire_url(policy_id: str) -> str:
    return QUESTIONNAIRE_PREFIX + policy_id


def versioned(policy_id: str, version: str) -> str:
    """The canonical reference to one version of the policy's Questionnaire (`url|version`)."""
    return f"{questionnaire_url(policy_id)}|{version}"


def named_by(canonical: object) -> Named | None:
    """The policy a canonical of this library names; None for any other canonical."""
    if not isinstance(canonical, str) or not canonical.startswith(QUESTIONNAIRE_PREFIX):
        return None
    url, bar, version = canonical.partition("|")
    policy_id = url[len(QUESTIONNAIRE_PREFIX):]
    if not policy_id or (bar and not version):
        return None
    return Named(policy_id, version or None)


def vocabulary(policy_id: str, path: str) -> str:
    """The code system of the values of one choice of a policy's request (`urn:...:<policy>:<path>`)."""
    return f"{VOCABULARY_PREFIX}{policy_id}:{path}"


__all__ = ["Named", "named_by", "questionnaire_url", "versioned", "vocabulary"]
