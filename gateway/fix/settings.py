"""QuickFIX acceptor settings: sessions from the reference data, host paths from gateway.cfg.

Why split: what a session is (CompIDs, BeginString, port) is reference data and the same on
every host, while where a host keeps its sequence-number store and logs is not. The venue
file and `fixbroker sessions` give the first (`SessionProfile`), `config/gateway.cfg` the
second ([DEFAULT] keys only, in QuickFIX's own format), and the settings that make the
gateway behave as documented are fixed here and may not be overridden by either:
sequence numbers survive restarts (FileStore, no resets), every message is validated against
our dictionaries while unknown user-defined tags are let through, and Nagle is off.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterable, Mapping
from pathlib import Path

import quickfix as fix

from .dictionaries import DICTIONARY_FILES, FIXSPEC_DIR
from .profiles import SessionProfile

# Keys gateway.cfg may set, with their defaults. Paths are relative to the working directory.
HOST_DEFAULTS: dict[str, str] = {
    "FileStorePath": "var/fix/store",
    "FileLogPath": "var/fix/log",  # read by our masking log sink, not by QuickFIX's FileLog
    "DataDictionaryPath": str(FIXSPEC_DIR),
    # 00:00 UTC is 08:00 in Shanghai: after the night session (ends 02:30 at the latest),
    # before the 08:55 call auction; QuickFIX resets sequence numbers once a day at this time.
    "StartTime": "00:00:00",
    "EndTime": "00:00:00",
    "SocketAcceptAddress": "",  # empty: every interface; 127.0.0.1 behind a TLS terminator
    "MaxLatency": "120",
}

# The gateway's contract with its clients: not configurable per host.
FIXED: dict[str, str] = {
    "ConnectionType": "acceptor",
    "SocketNodelay": "Y",
    "SocketReuseAddress": "Y",
    "ResetOnLogon": "N",
    "ResetOnLogout": "N",
    "ResetOnDisconnect": "N",
    "RefreshOnLogon": "N",
    "PersistMessages": "Y",
    "UseDataDictionary": "Y",
    "ValidateUserDefinedFields": "N",
    "AllowUnknownMsgFields": "Y",
    "ValidateFieldsHaveValues": "Y",
    "CheckLatency": "Y",
}


class SettingsError(ValueError):
    """gateway.cfg or a session cannot be turned into acceptor settings."""


def read_host_settings(path: Path) -> dict[str, str]:
    """The [DEFAULT] keys of a gateway.cfg, merged over `HOST_DEFAULTS`."""
    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",), inline_comment_prefixes=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # QuickFIX keys are case-sensitive
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        raise SettingsError(f"{path}: {exc}") from None
    if parser.sections():
        raise SettingsError(f"{path}: only a [DEFAULT] section is allowed; sessions come from the reference data")
    return host_settings(dict(parser.defaults()), source=str(path))


def host_settings(values: Mapping[str, str], source: str = "host settings") -> dict[str, str]:
    fixed = sorted(set(values) & set(FIXED))
    if fixed:
        raise SettingsError(f"{source}: {', '.join(fixed)} may not be changed (the gateway depends on them)")
    unknown = sorted(set(values) - set(HOST_DEFAULTS))
    if unknown:
        raise SettingsError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(HOST_DEFAULTS)}")
    return {**HOST_DEFAULTS, **values}


def session_id(profile: SessionProfile) -> fix.SessionID:
    return fix.SessionID(profile.begin_string, profile.sender_comp_id, profile.target_comp_id)


def build_session_settings(profiles: Iterable[SessionProfile], host: Mapping[str, str] | None = None) -> fix.SessionSettings:
    """SessionSettings for a SocketAcceptor serving every profile (disabled ones included:
    their logons are refused by the logon check, so enabling one needs no restart)."""
    values = host_settings(host or {})
    settings = fix.SessionSettings()
    defaults = fix.Dictionary()
    for key, value in {**values, **FIXED}.items():
        if key in ("DataDictionaryPath", "FileLogPath") or (key == "SocketAcceptAddress" and not value):
            continue
        defaults.setString(key, value)
    settings.set(defaults)
    dictionary_dir = Path(values["DataDictionaryPath"])
    profiles = list(profiles)
    if not profiles:
        raise SettingsError("no FIX sessions in the reference data: load a venue or `fixbroker sessions add`")
    for profile in profiles:
        if profile.begin_string not in DICTIONARY_FILES:
            raise SettingsError(f"session {profile.name}: {profile.begin_string} has no data dictionary in fixspec/")
        session = fix.Dictionary()
        session.setString("BeginString", profile.begin_string)
        session.setString("SenderCompID", profile.sender_comp_id)
        session.setString("TargetCompID", profile.target_comp_id)
        session.setString("SocketAcceptPort", str(profile.port))
        session.setString("DataDictionary", str(dictionary_dir / DICTIONARY_FILES[profile.begin_string]))
        settings.set(session_id(profile), session)
    return settings

