"""`fixbroker sessions`: add, set-password, list, disable/enable on SQLite and PostgreSQL.
The group is invoked directly (the lead registers it in `fixbroker`'s root group)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cli.context import new_context
from backoffice.cli.sessions import group
from backoffice.db import models as m
from gateway.fix.auth import verify_password

PASSWORD = "a long enough passphrase"


@pytest.fixture
def sessions(venue, db_url):
    def run(*args: str, input: str | None = None, ok: bool = True):
        app = new_context(db_url)
        try:
            result = CliRunner().invoke(group, list(args), obj=app, input=input, catch_exceptions=False)
        finally:
            app.close()
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def stored(engine, name):
    with Session(engine) as session:
        row = session.scalars(select(m.FixSession).filter_by(name=name)).one()
        return row.password_hash, row.password_set_at, row.enabled


def test_set_password_from_stdin_and_by_prompt(sessions, engine):
    result = sessions("set-password", "EMSX42", "--password-stdin", input=PASSWORD + "\n")
    assert result.output.strip() == "password set for FIX session EMSX42"
    hashed, set_at, _ = stored(engine, "EMSX42")
    assert hashed.startswith("scrypt$16384$8$1$") and verify_password(PASSWORD, hashed) and set_at is not None
    prompted = sessions("set-password", "TOMS44", input=f"{PASSWORD}-2\n{PASSWORD}-2\n")
    assert PASSWORD not in prompted.output  # hidden input is not echoed
    assert verify_password(f"{PASSWORD}-2", stored(engine, "TOMS44")[0])


def test_refused_passwords_are_not_echoed(sessions, engine):
    short = sessions("set-password", "EMSX42", "--password-stdin", input="hunter2\n", ok=False)
    assert short.exit_code == 1 and "at least 12 characters" in short.output and "hunter2" not in short.output
    mismatch = sessions("set-password", "EMSX42", input=f"{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n")
    assert "do not match" in mismatch.output.lower() and PASSWORD not in mismatch.output
    unknown = sessions("set-password", "NOPE", "--password-stdin", input=PASSWORD + "\n", ok=False)
    assert "unknown FIX session 'NOPE'" in unknown.output and PASSWORD not in unknown.output


def test_list_shows_whether_a_password_is_set_never_the_hash(sessions, engine):
    sessions("set-password", "EMSX42", "--password-stdin", input=PASSWORD + "\n")
    listing = sessions("list").output
    hashed = stored(engine, "EMSX42")[0]
    assert "EMSX42" in listing and "TOMS44" in listing and "not set" in listing and "set 20" in listing
    assert hashed.split("$")[-1] not in listing and "scrypt" not in listing
    assert "FIXBROKER->BLPEMSX1" in listing and "C000101 C000102" in listing


def test_disable_and_enable(sessions, engine):
    assert sessions("disable", "EMSX42").output.strip() == "FIX session EMSX42 disabled"
    assert stored(engine, "EMSX42")[2] is False
    assert sessions("disable", "EMSX42").output.strip() == "FIX session EMSX42 was already disabled"
    assert sessions("enable", "EMSX42").output.strip() == "FIX session EMSX42 enabled"
    assert stored(engine, "EMSX42")[2] is True


def test_add_a_session_not_in_the_venue_file(sessions, engine):
    result = sessions(
        "add", "DIRECT44", "--begin-string", "FIX.4.4", "--sender-comp-id", "FIXBROKER", "--target-comp-id", "DIRECT1",
        "--port", "9880", "--username", "direct-1", "--member", "0001", "--account", "C000102", "--account", "P0001",
        "--default-account", "P0001", "--allow", "10.2.3.4", "--allow", "192.168.0.0/24",
    )
    assert "added FIX session DIRECT44" in result.output
    with Session(engine) as session:
        row = session.scalars(select(m.FixSession).filter_by(name="DIRECT44")).one()
        assert (row.allowed_addresses, row.default_account.code, row.enabled, row.password_hash) == ("10.2.3.4/32,192.168.0.0/24", "P0001", True, None)
        assert sorted(e.account.code for e in row.entitlements) == ["C000102", "P0001"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": "EMSX42"}, "a FIX session named 'EMSX42' already exists"),
        ({"--target-comp-id": "BLPEMSX1", "--begin-string": "FIX.4.2"}, "session EMSX42 already uses FIX.4.2 FIXBROKER->BLPEMSX1"),
        ({"--member": "9999"}, "unknown member '9999'"),
        ({"--account": "C999999"}, "unknown account(s): C999999"),
        ({"--default-account": "C000202"}, "--default-account C000202 must be one of the --account values"),
        ({"--allow": "10.0.0.0/33"}, "--allow '10.0.0.0/33' is not an IP address or CIDR block"),
    ],
)
def test_add_refusals(sessions, changes, message):
    options = {"--begin-string": "FIX.4.4", "--sender-comp-id": "FIXBROKER", "--target-comp-id": "NEW1", "--port": "9880",
               "--username": "new", "--member": "0001", "--account": "C000101", "--allow": "127.0.0.1"}
    changes = dict(changes)  # the parameter is shared by both backends' runs
    name = changes.pop("name", "NEW44")
    options.update(changes)
    result = sessions("add", name, *[part for pair in options.items() for part in pair], ok=False)
    assert result.exit_code == 1 and message in result.output
