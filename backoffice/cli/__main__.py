"""`python -m backoffice.cli`: the `fixbroker` command without its console script, so that a
command can start others with its own interpreter (`fixbroker demo day` starts the gateway
and the simulated clients this way)."""

from .main import main

main()
