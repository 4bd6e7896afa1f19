"""Step definitions for the policy feature files: one concern per module."""
