"""The pure core of the daily settlement: settlement prices and two-level mark-to-market.

The same core settles both levels: level 1 (the exchange settles its settlement members'
proprietary and brokerage books at exchange rates) and level 2 (each member settles its
clients and trading members at its own rates). A level is only a set of accounts with their
rates, opening lots, today's trades and cash, and the day's prices; so one function serves
both, and level 1 is built from level-2 data (`rollup`) so that a member's book is the sum
of its clients' by construction. Nothing here reads a clock, a file or a database: the
runner loads, calls these functions with plain rows, checks `invariants`, and writes what
they return in one transaction.

Modules: `prices` (settlement price per instrument), `inputs` / `results` (the rows in and
out), `core` (settle one level), `client_rates` (a client's rates from the member's
schedules), `reserve` (member reserve roll-forward), `rollup` (level-1 input from level-2
data), `invariants` (checks over results, violations as data).
"""
