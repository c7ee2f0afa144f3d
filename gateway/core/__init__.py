"""The order service: pre-trade risk around the matching books, with a durable journal.

`TradingCore` is the deterministic heart (commands in, events out); `journal` makes every
processed command durable before its events are released and rebuilds the core from it.
"""
