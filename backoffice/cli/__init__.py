"""The `fixbroker` command line: the composition root that wires gateway and back office."""
