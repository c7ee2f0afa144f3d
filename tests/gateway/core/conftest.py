"""A start-of-day state of the sample venue, built once through the real back office."""

import pytest

from backoffice.db.engine import make_engine, transaction
from core_venue import DAY, build_venue_db
from gateway.core.startofday import load_start_of_day


@pytest.fixture(scope="session")
def venue_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('core') / 'venue.db'}"
    build_venue_db(url)
    return url


@pytest.fixture(scope="session")
def start_state(venue_db):
    engine = make_engine(venue_db)
    with transaction(engine) as session:
        state = load_start_of_day(session, DAY)
    engine.dispose()
    return state
