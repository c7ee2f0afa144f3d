"""fixbroker back office: the system of record and the end-of-day batch."""
