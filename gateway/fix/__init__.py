"""The FIX front door: dictionaries, codec, Bloomberg symbology, session settings and logon security.

Everything here that can be pure is pure: the codec turns a `quickfix.Message` into a
normalised request or a reject value and turns the core's events into outgoing messages, the
symbology resolves identifiers from plain instrument records, and authentication checks a
password, an address and a failure history with the time passed in. The QuickFIX
`Application` that wires these to the order service is the only part that holds state.
"""
