"""The hostile-input corpus (corpus/hostile.tsv) against a running gateway, on one FIX 4.4
session over a raw socket: each line gets exactly the expected answer (or none, for what the
FIX session layer must ignore), the session stays up throughout, and no order is created in
the journal by any of them; one valid order at the end is acknowledged and is the only order."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.db.engine import make_engine, transaction
from gateway.core.journal import rebuild
from gateway.core.startofday import load_start_of_day
from gateway_harness import DAY, PASSWORDS, GatewayProcess, free_port, prepare_venue, write_config
from raw_fix import RawClient, stamp

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parent / "corpus" / "hostile.tsv"


def corpus() -> list[tuple[str, str, str, str]]:
    lines = [line for line in CORPUS.read_text().splitlines() if line and not line.startswith("#")]
    return [tuple(line.split("\t")) for line in lines]  # type: ignore[misc]


def test_every_hostile_message_gets_its_answer_and_creates_nothing(tmp_path):
    port = free_port()
    url = prepare_venue(tmp_path, port)
    write_config(tmp_path)
    gateway = GatewayProcess(tmp_path, url, port)
    gateway.start()
    client = RawClient(port, "FIX.4.4", "BLPTOMS1", "FIXBROKER")
    try:
        assert client.logon("blp-toms-1", PASSWORDS["TOMS44"])[35] == "A"
        failures = []
        for name, framing, body, expected in corpus():
            client.send(body.replace("{now}", stamp()), framing)
            answer = client.receive(1 if expected == "none" else 5)
            if expected == "none":
                if answer is not None:
                    failures.append(f"{name}: expected no answer, got {answer}")
                continue
            kind, _, checks = expected.partition(":")
            if answer is None or answer.get(35) != kind:
                failures.append(f"{name}: expected {expected}, got {answer}")
                continue
            for check in filter(None, checks.split(",")):
                tag, _, value = check.partition("=")
                if answer.get(int(tag)) != value:
                    failures.append(f"{name}: expected {tag}={value}, got {answer.get(int(tag))} in {answer}")
            if kind in ("8", "9", "j"):
                assert len(answer.get(58, "")) <= 44, f"{name}: Text too long: {answer.get(58)}"
        assert failures == []
        # The session is still up and in sequence: a valid order is acknowledged.
        client.send(f"D|11=OK1|55=IF|48=IF2612|22=8|54=1|60={stamp()}|38=1|40=2|44=3800.0|77=O")
        ack = client.receive(5)
        assert ack is not None and (ack[35], ack[150], ack[11]) == ("8", "0", "OK1")
    finally:
        client.close()
        gateway.terminate()
    engine = make_engine(url)
    with transaction(engine) as session:
        state = load_start_of_day(session, DAY)
    core = rebuild(engine, state)
    engine.dispose()
    assert [(r.cl_ord_id, r.session) for r in core.orders.values()] == [("OK1", "TOMS44")]
