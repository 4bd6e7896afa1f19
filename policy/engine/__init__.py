"""The adapter around durable-rules: the only module that touches the engine."""

from policy.engine.network import Network, Session

__all__ = ["Network", "Session"]
