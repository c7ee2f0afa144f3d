"""A lasting Python thread state for each QuickFIX connection thread.

QuickFIX's threads are not Python threads. Every callback through the binding enters Python
with `PyGILState_Ensure` and leaves with `PyGILState_Release`, and for a thread that has no
thread state of its own that means creating one on the way in and destroying it on the way
out: an allocation, the thread's id asked of the kernel, a 16 KiB frame stack mapped and
unmapped again, and a context that starts empty (`decimal` made itself a new one in every
callback). The gateway's connection thread entered Python twice an order that way (the
message log of the order, then `fromApp`; the callbacks nested in a send find the state of
`fromApp`), a good part of what an order cost.

`keep()`, called at the top of a callback, takes one more `PyGILState_Ensure` on the thread,
once: the thread state then outlives the callback and every later callback on the thread
reuses it. `give_back()` returns it, on the thread that kept it, when its connection is done
(`onLogout` runs on the connection's thread); the thread state goes when that callback
returns. Should QuickFIX log a session out from another thread (the acceptor stopping), the
connection thread's state stays until the process ends: a few KiB. A `threading.local`
remembers whether this thread state is kept: it lives exactly as long as the thread state
does, so a later thread that the system gives the same thread id never gives back what it
did not keep (a thread id alone could not tell them apart).

Only threads that have logged on keep their state (the gateway calls `keep` from `fromApp`):
a connection that never logs on never reaches `onLogout`, and would leave its thread state
behind when its thread ends.
"""

from __future__ import annotations

import ctypes
import threading

_ensure = ctypes.pythonapi.PyGILState_Ensure
_ensure.argtypes = []
_ensure.restype = ctypes.c_int
_release = ctypes.pythonapi.PyGILState_Release
_release.argtypes = [ctypes.c_int]
_release.restype = None

_kept = threading.local()


def keep() -> None:
    """Keep this thread's thread state past the current callback (once per thread state)."""
    if getattr(_kept, "state", None) is None:
        # Called with the GIL held, so this is PyGILState_LOCKED: giving it back only drops
        # the thread state's count.
        _kept.state = _ensure()


def give_back() -> None:
    """Let this thread's thread state go when the current callback returns (if it was kept)."""
    state = getattr(_kept, "state", None)
    if state is not None:
        _kept.state = None
        _release(state)


def kept() -> bool:
    """Whether this thread's thread state is being kept."""
    return getattr(_kept, "state", None) is not None
