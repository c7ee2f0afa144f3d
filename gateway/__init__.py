"""fixbroker gateway: the real-time trading side (FIX, matching, pre-trade risk)."""
