"""Read what the gateway needs from the reference data: session profiles, symbology, hours.

The only module of `gateway.fix` that touches the database; everything it returns is an
immutable value that the FIX callbacks use without further I/O.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from backoffice.db import models as m
from backoffice.refdata import repository
from backoffice.domain.calendar import TradingHours

from .profiles import SessionProfile, parse_networks
from .symbology import InstrumentRecord, Symbology


def instrument_records(session: Session) -> list[InstrumentRecord]:
    query = select(m.Instrument).options(joinedload(m.Instrument.product).joinedload(m.Product.exchange)).order_by(m.Instrument.code)
    return [
        InstrumentRecord(
            code=row.code,
            exchange=row.product.exchange.code,
            product=row.product.code,
            expiry_date=row.expiry_date,
            bloomberg_root=row.product.bloomberg_root,
            bloomberg_yellow_key=row.product.bloomberg_yellow_key,
            isin=row.isin,
            figi=row.figi,
        )
        for row in session.scalars(query)
    ]


def load_symbology(session: Session) -> Symbology:
    return Symbology.build(instrument_records(session))


def profile_of(row: m.FixSession) -> SessionProfile:
    return SessionProfile(
        name=row.name,
        begin_string=row.begin_string,
        sender_comp_id=row.sender_comp_id,
        target_comp_id=row.target_comp_id,
        port=row.port,
        username=row.username,
        allowed_networks=parse_networks(row.allowed_addresses),
        member=row.member.code,
        accounts=frozenset(e.account.code for e in row.entitlements),
        default_account=row.default_account.code if row.default_account else None,
        enabled=row.enabled,
        password_hash=row.password_hash,
    )


def load_session_profiles(session: Session) -> list[SessionProfile]:
    query = (
        select(m.FixSession)
        .options(
            joinedload(m.FixSession.member),
            joinedload(m.FixSession.default_account),
            selectinload(m.FixSession.entitlements).joinedload(m.FixSessionAccount.account),
        )
        .order_by(m.FixSession.name)
    )
    return [profile_of(row) for row in session.scalars(query)]


def load_trading_hours(session: Session, instruments: list[str]) -> dict[str, TradingHours]:
    """Each instrument's trading hours (its product's template), for the phase schedule."""
    hours = repository.instrument_hours(session)
    return {code: hours[code] for code in instruments if code in hours}
