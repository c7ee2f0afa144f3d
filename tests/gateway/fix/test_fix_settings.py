"""Acceptor settings from reference data and gateway.cfg, and the profiles/symbology read
from a database with the sample venue loaded (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import quickfix as fix
from sqlalchemy.orm import Session

from fix_support import profile
from gateway.fix.dictionaries import FIXSPEC_DIR
from gateway.fix.settings import FIXED, SettingsError, build_session_settings, host_settings, read_host_settings
from gateway.fix.store import load_session_profiles, load_symbology
from gateway.fix.symbology import InstrumentRecord

ROOT = Path(__file__).resolve().parents[3]


def test_the_example_gateway_cfg_is_valid():
    values = read_host_settings(ROOT / "config" / "gateway.cfg")
    assert values["FileStorePath"] == "var/fix/store" and values["StartTime"] == "00:00:00"


@pytest.mark.parametrize(
    "content, message",
    [
        ("[DEFAULT]\nSocketNodelay=N\n", "SocketNodelay may not be changed"),
        ("[DEFAULT]\nResetOnLogon=Y\n", "ResetOnLogon may not be changed"),
        ("[DEFAULT]\nFileStorPath=x\n", "unknown key(s) FileStorPath"),
        ("[DEFAULT]\nFileStorePath=x\n[SESSION]\nBeginString=FIX.4.2\n", "only a [DEFAULT] section is allowed"),
        ("not an ini file", "File contains no section headers"),
    ],
)
def test_bad_gateway_cfg(tmp_path, content, message):
    path = tmp_path / "gateway.cfg"
    path.write_text(content)
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        read_host_settings(path)


def test_session_settings_carry_policy_and_per_session_values(tmp_path):
    profiles = [profile("FIX.4.2", port=9878), profile("FIX.4.4", port=9878, target_comp_id="BLPTOMS1")]
    settings = build_session_settings(profiles, {"FileStorePath": str(tmp_path)})
    for target, version, dictionary in (("BLPEMSX1", "FIX.4.2", "FIX42.xml"), ("BLPTOMS1", "FIX.4.4", "FIX44.xml")):
        values = settings.get(fix.SessionID(version, "FIXBROKER", target))
        assert values.getString("SocketAcceptPort") == "9878"
        assert values.getString("DataDictionary") == str(FIXSPEC_DIR / dictionary)
        assert values.getString("FileStorePath") == str(tmp_path)
        for key, value in FIXED.items():
            assert values.getString(key) == value, key
    assert host_settings({})["StartTime"] == "00:00:00"


def test_sessions_without_a_dictionary_or_no_sessions_at_all():
    with pytest.raises(SettingsError, match="FIXT.1.1 has no data dictionary"):
        build_session_settings([profile("FIXT.1.1")])
    with pytest.raises(SettingsError, match="no FIX sessions"):
        build_session_settings([])


def test_profiles_and_symbology_from_the_venue(venue, engine):
    with Session(engine) as session:
        profiles = {p.name: p for p in load_session_profiles(session)}
        table = load_symbology(session)
    emsx = profiles["EMSX42"]
    assert (emsx.begin_string, emsx.sender_comp_id, emsx.target_comp_id, emsx.port) == ("FIX.4.2", "FIXBROKER", "BLPEMSX1", 9878)
    assert (emsx.member, emsx.accounts, emsx.default_account) == ("0001", frozenset({"C000101", "C000102"}), "C000101")
    assert [str(n) for n in emsx.allowed_networks] == ["127.0.0.1/32", "::1/128"]
    assert emsx.enabled and emsx.password_hash is None
    assert profiles["TOMS44"].accounts == frozenset({"C000201", "C000202"})
    found = table.by_bloomberg_ticker("SAIG7 Comdty", date(2026, 12, 1))
    assert isinstance(found, InstrumentRecord) and (found.code, found.exchange) == ("ag2702", "SHFE")
    settings = build_session_settings(profiles.values())
    assert settings.get(fix.SessionID("FIX.4.4", "FIXBROKER", "BLPTOMS1")).getString("SocketAcceptPort") == "9878"
