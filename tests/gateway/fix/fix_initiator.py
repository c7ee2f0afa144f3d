"""A QuickFIX initiator run as a separate process by the tests (QuickFIX keeps one session
registry per process, so an acceptor and an initiator for the same pair cannot share one).

usage: fix_initiator.py PORT BEGIN_STRING SENDER TARGET USERNAME PASSWORD STORE_DIR [RAW_APP_MESSAGE]
Prints LOGON or LOGOUT, and every application message received as `APP <tag=value|...>`.
"""

import sys
import time

import quickfix as fix

port, begin_string, sender, target, username, password, store = sys.argv[1:8]
extra = sys.argv[8] if len(sys.argv) > 8 else None
state = {"logon": False, "logout": False, "answered": False}


class Client(fix.Application):
    def onCreate(self, session_id): pass
    def onLogon(self, session_id):
        state["logon"] = True
        print("LOGON", flush=True)
        if extra:
            message = fix.Message(extra.replace("|", "\x01"), False)
            fix.Session.sendToTarget(message, session_id)
    def onLogout(self, session_id):
        state["logout"] = True
    def toAdmin(self, message, session_id):
        if message.getHeader().getField(35) == "A":
            message.setField(fix.StringField(553, username))
            message.setField(fix.StringField(554, password))
    def fromAdmin(self, message, session_id):
        if message.getHeader().getField(35) == "5":
            state["logout"] = True
            if message.isSetField(58):
                print("LOGOUT_TEXT " + message.getField(58), flush=True)
    def toApp(self, message, session_id): pass
    def fromApp(self, message, session_id):
        print("APP " + message.toString().replace("\x01", "|"), flush=True)
        state["answered"] = True


settings = fix.SessionSettings()
defaults = fix.Dictionary()
for key, value in {
    "ConnectionType": "initiator", "HeartBtInt": "30", "SocketConnectHost": "127.0.0.1", "SocketConnectPort": port,
    "StartTime": "00:00:00", "EndTime": "00:00:00", "UseDataDictionary": "N", "FileStorePath": store, "ReconnectInterval": "60",
}.items():
    defaults.setString(key, value)
settings.set(defaults)
settings.set(fix.SessionID(begin_string, sender, target), fix.Dictionary())
initiator = fix.SocketInitiator(Client(), fix.FileStoreFactory(settings), settings)
initiator.start()
deadline = time.time() + 8
while time.time() < deadline and not state["logout"] and not (state["logon"] and (not extra or state["answered"])):
    time.sleep(0.02)
print("LOGOUT" if not state["logon"] else "DONE", flush=True)
initiator.stop()
