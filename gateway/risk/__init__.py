"""Pre-trade risk: the checks an order passes before it reaches a book, and the holds around it.

Everything here is pure: the caller builds a start-of-day state from the back office, passes
the time in with every request, and turns the answers (result codes as values, holds, fill
outcomes) into FIX messages and journal entries. Nothing here reads a clock, a database or a
socket, so a day can be replayed from its journal and give the same answers.
"""
