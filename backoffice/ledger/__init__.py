"""The ledger: cash movements now; trades and positions as the core's journal lands."""
