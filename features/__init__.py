"""The policy library: each folder a policy, found by `policy.library`; `shared/` holds
the statements several policies include by ID.

Installed, this folder is the package `policy._source`; in a checkout the
library maps it to that name, so a policy's modules import each other and the
shared source relatively (`from ..shared import patient`) either way.
"""
