"""The organisation tree: exchange -> settlement members -> trading members -> clients.

Only members trade at the exchange. A settlement member answers to the exchange for itself
and, if it is a general- or special-settlement member, for the trading members that signed a
settlement agreement with it. Each member answers for its own clients. Accounts follow the
tree: a settlement member holds reserve accounts at each exchange (proprietary and brokerage
apart), a trading member holds an account at its settlement member, a client holds an
account at its member.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .enums import AccountKind, BusinessType, ClientKind, MemberKind
from .rates import RatePolicy


@dataclass(frozen=True, slots=True)
class Member:
    code: str
    name: str
    kind: MemberKind
    exchanges: tuple[str, ...]
    settled_by: str | None  # the clearing member of a trading member
    min_reserve: Decimal  # minimum settlement reserve at each exchange
    policy: RatePolicy


@dataclass(frozen=True, slots=True)
class Client:
    code: str  # also the client's account number at its member
    name: str
    member: str
    kind: ClientKind
    group: str | None


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """An account the tree implies; its code is stable so reloads find it again."""

    code: str
    kind: AccountKind
    member: str  # the member that holds the account (where the money sits)
    owner: str  # member code or client code
    exchange: str | None
    business_type: BusinessType


def implied_accounts(members: list[Member], clients: list[Client]) -> list[AccountSpec]:
    """Every account that the members and clients imply, in a stable order."""
    accounts: list[AccountSpec] = []
    for member in members:
        if member.kind.settles_at_exchange:
            for exchange in member.exchanges:
                for business in BusinessType:
                    accounts.append(
                        AccountSpec(
                            code=reserve_account_code(member.code, exchange, business),
                            kind=AccountKind.MEMBER_RESERVE,
                            member=member.code,
                            owner=member.code,
                            exchange=exchange,
                            business_type=business,
                        )
                    )
        elif member.settled_by is not None:
            accounts.append(
                AccountSpec(
                    code=f"TM-{member.settled_by}-{member.code}",
                    kind=AccountKind.TRADING_MEMBER,
                    member=member.settled_by,
                    owner=member.code,
                    exchange=None,
                    business_type=BusinessType.BROKERAGE,
                )
            )
    for client in clients:
        accounts.append(
            AccountSpec(
                code=client.code,
                kind=AccountKind.CLIENT,
                member=client.member,
                owner=client.code,
                exchange=None,
                business_type=ClientKind(client.kind).business_type,
            )
        )
    return accounts


def reserve_account_code(member: str, exchange: str, business: BusinessType) -> str:
    return f"RSV-{exchange}-{member}-{'P' if business is BusinessType.PROPRIETARY else 'B'}"


def tree_problems(
    members: list[Member], clients: list[Client], exchanges: set[str], invalid: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """(key path, message) for every break of the tree's rules.

    `invalid` holds codes of entities that exist but were themselves rejected: references
    to them are not reported again as unknown.
    """
    found: list[tuple[str, str]] = []
    by_code = {m.code: m for m in members}
    for i, member in enumerate(members):
        path = f"member[{i}]"
        for exchange in member.exchanges:
            if exchange not in exchanges and exchange not in invalid:
                found.append((f"{path}.exchanges", f"unknown exchange {exchange!r}"))
        if member.kind is MemberKind.TRADING:
            if member.settled_by is None:
                found.append((f"{path}.settled_by", f"trading member {member.code} needs a settlement member"))
                continue
            clearer = by_code.get(member.settled_by)
            if clearer is None:
                if member.settled_by not in invalid:
                    found.append((f"{path}.settled_by", f"unknown member {member.settled_by!r}"))
            elif not clearer.kind.may_clear_for_others:
                found.append(
                    (
                        f"{path}.settled_by",
                        f"{member.settled_by} is a {clearer.kind.value} member; a trading member must be "
                        "settled by a general_settlement or special_settlement member",
                    )
                )
            else:
                missing = set(member.exchanges) - set(clearer.exchanges)
                if missing:
                    found.append((f"{path}.exchanges", f"settlement member {clearer.code} is not a member of {sorted(missing)}"))
        elif member.settled_by is not None:
            found.append((f"{path}.settled_by", f"a {member.kind.value} member settles at the exchange itself"))
    for i, client in enumerate(clients):
        member = by_code.get(client.member)
        if member is None:
            if client.member not in invalid:
                found.append((f"client[{i}].member", f"unknown member {client.member!r}"))
        elif not member.kind.may_have_clients:
            found.append((f"client[{i}].member", f"{member.code} is a special_settlement member and may not have clients"))
    return found
