"""`python -m policy` works like the `policy` command."""

from policy.cli import app

app(prog_name="policy")
