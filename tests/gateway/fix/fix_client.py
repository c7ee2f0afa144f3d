"""An interactive QuickFIX initiator run as a child process by the gateway tests.

usage: fix_client.py PORT BEGIN_STRING SENDER TARGET USERNAME PASSWORD STORE_DIR DICTIONARY
Reads commands from stdin, one per line:
  SEND <tag=value|tag=value|...>   an application message (35 first; header fields are set by
                                   the session), parsed with the dictionary so groups keep order
  QUIT                             log out and exit
Prints LOGON, LOGOUT, `APP <message>` for every application message received and
`ADMIN <message>` for session Rejects (3), with | for SOH.
"""

import sys
import threading

import quickfix as fix

port, begin_string, sender, target, username, password, store, dictionary = sys.argv[1:9]
SOH = "\x01"
dd = fix.DataDictionary(dictionary)
session_ids: list = []
lock = threading.Lock()


def say(text):
    with lock:
        print(text, flush=True)


class Client(fix.Application):
    def onCreate(self, session_id): session_ids.append(session_id)
    def onLogon(self, session_id): say("LOGON")
    def onLogout(self, session_id): say("LOGOUT")
    def toAdmin(self, message, session_id):
        if message.getHeader().getField(35) == "A":
            message.setField(fix.StringField(553, username))
            message.setField(fix.StringField(554, password))
    def fromAdmin(self, message, session_id):
        if message.getHeader().getField(35) in ("3", "5"):
            say("ADMIN " + message.toString().replace(SOH, "|"))
    def toApp(self, message, session_id): pass
    def fromApp(self, message, session_id):
        say("APP " + message.toString().replace(SOH, "|"))


def message_of(body: str) -> fix.Message:
    content = body.replace("|", SOH)
    if not content.endswith(SOH):
        content += SOH
    content = f"{content.split(SOH, 1)[0]}{SOH}49={target}{SOH}56={sender}{SOH}34=1{SOH}52=20260101-00:00:00{SOH}" + content.split(SOH, 1)[1]
    head = f"8={begin_string}{SOH}9={len(content)}{SOH}"
    checksum = sum((head + content).encode("latin-1")) % 256
    return fix.Message(f"{head}{content}10={checksum:03d}{SOH}", dd, False)


settings = fix.SessionSettings()
defaults = fix.Dictionary()
for key, value in {
    "ConnectionType": "initiator", "HeartBtInt": "30", "SocketConnectHost": "127.0.0.1", "SocketConnectPort": port,
    "StartTime": "00:00:00", "EndTime": "00:00:00", "UseDataDictionary": "N", "FileStorePath": store,
    "ReconnectInterval": "1", "SocketNodelay": "Y", "ResetOnLogon": "N",
}.items():
    defaults.setString(key, value)
settings.set(defaults)
settings.set(fix.SessionID(begin_string, sender, target), fix.Dictionary())
initiator = fix.SocketInitiator(Client(), fix.FileStoreFactory(settings), settings)
initiator.start()
for line in sys.stdin:
    line = line.strip()
    if line.startswith("SEND "):
        message = message_of(line[5:])
        for tag in (49, 56, 34, 52):
            message.getHeader().removeField(tag)
        try:
            fix.Session.sendToTarget(message, session_ids[0])
        except fix.SessionNotFound as exc:
            say(f"ERROR {exc}")
    elif line == "QUIT":
        break
initiator.stop()
say("STOPPED")
