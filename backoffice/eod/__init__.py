"""The end-of-day batch: its pipeline runner, run lock, retries, job history and reporting.

The concrete steps (close the day, prices, settlement, margin calls, statements, bank file,
roll) are wired in `backoffice.cli.eod_steps`, the composition root, since closing the day
drives the trading core.
"""
