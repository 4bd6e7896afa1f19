"""Acceptance suite: every scenario of the IVIG-myositis policy source."""

from pytest_bdd import scenarios

scenarios("ivig_myositis")
