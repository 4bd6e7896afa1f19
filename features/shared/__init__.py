"""Statements several policies include by ID: their rules, derivation and the patient model."""

from __future__ import annotations

from .rules import SHARED

__all__ = ["SHARED"]
