"""`fixbroker ref load` through the CLI: one transaction, idempotent, history kept."""

from decimal import Decimal

from sqlalchemy import select, text

from backoffice.db import migrate
from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from paths import VENUE

SAMPLE = VENUE.read_text()


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a failed load wrote nothing."""
    engine = make_engine(url)
    tables = {}
    with engine.connect() as connection:
        for table in m.Account.metadata.sorted_tables:
            tables[table.name] = sorted(map(tuple, connection.execute(table.select()).fetchall()), key=repr)
    engine.dispose()
    return tables


def write(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_loading_twice_changes_nothing(venue, db_url):
    before = dump(db_url)
    assert before["instrument"] and before["account"]
    result = venue("ref", "load", str(VENUE))
    assert "no changes" in result.output
    assert dump(db_url) == before


def test_a_file_with_three_mistakes_reports_all_three_and_writes_nothing(venue, db_url, tmp_path):
    bad = (
        SAMPLE.replace('tick_size = "0.2"', 'tick_size = "0"')  # non-positive tick
        .replace('settled_by = "0001"', 'settled_by = "0002"')  # trading member under a trading-settlement member
        .replace('fee_multiple = "3.5"', 'fee_multiple = "2"')  # client fees below 3 x exchange
        .replace('name = "fixbroker sample venue"', 'name = "changed, must not be written"')
    )
    path = write(tmp_path, "bad.toml", bad)
    before = dump(db_url)
    result = venue("ref", "load", path, ok=False)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(path)]
    assert lines == [
        f"{path}: product[0].tick_size: must be positive, got 0",
        f"{path}: member[2].settled_by: 0002 is a trading_settlement member; a trading member must be settled by a "
        "general_settlement or special_settlement member",
        f"{path}: rate_schedule[3].fee_multiple: 2 is below member 0002's minimum 3",
    ]
    assert f"Error: 3 problems in {path}; nothing was loaded" in result.output
    assert dump(db_url) == before


def test_a_failed_first_load_leaves_an_empty_database(fixbroker, db_url, tmp_path):
    path = write(tmp_path, "bad.toml", SAMPLE.replace("max_order_size = 20", "max_order_size = 0"))
    result = fixbroker("ref", "load", path, ok=False)
    assert result.exit_code == 1 and "product[0].max_order_size: must be positive, got 0" in result.output
    assert all(rows == [] for name, rows in dump(db_url).items() if name != "alembic_version")


def test_changing_a_value_updates_it_and_records_the_change(venue, db_url, tmp_path):
    path = write(tmp_path, "v2.toml", SAMPLE.replace("max_order_size = 20", "max_order_size = 10"))
    result = venue("ref", "load", path, "--verbose")
    assert "1 product update" in result.output and "max_order_size: 20 -> 10" in result.output
    engine = make_engine(db_url)
    with transaction(engine) as session:
        product = session.scalars(select(m.Product).filter_by(code="IF")).one()
        assert product.max_order_size == 10
        # the instruments inherit the new term
        assert session.scalars(select(m.Instrument.max_order_size).filter_by(code="IF2612")).one() == 10
        change = session.scalars(select(m.RefChange).filter_by(entity="product", action="update")).one()
        assert change.key == "CFFEX.IF" and change.detail == "max_order_size: 20 -> 10" and change.load.source == path
    engine.dispose()


def test_a_new_effective_date_adds_a_rate_version_and_keeps_history(venue, db_url, tmp_path):
    raised = SAMPLE.replace(
        '[product.rates]\nmargin_long = "0.12"\nmargin_short = "0.12"\nfee_open_money = "0.000023"',
        '[product.rates]\neffective = 2026-12-01\nmargin_long = "0.14"\nmargin_short = "0.14"\nfee_open_money = "0.000023"',
    )
    assert raised != SAMPLE
    venue("ref", "load", write(tmp_path, "v2.toml", raised))
    engine = make_engine(db_url)
    with transaction(engine) as session:
        versions = session.execute(
            select(m.ExchangeRate.effective_from, m.ExchangeRate.margin_long)
            .join(m.Product).where(m.Product.code == "IF").order_by(m.ExchangeRate.effective_from)
        ).all()
    engine.dispose()
    assert [(d.isoformat(), r) for d, r in versions] == [("2026-11-02", Decimal("0.12")), ("2026-12-01", Decimal("0.14"))]
    shown = venue("ref", "show", "--section", "products", "--date", "2026-12-01").output
    assert "14% / 14%" in shown
    shown = venue("ref", "show", "--section", "products", "--date", "2026-11-30").output
    assert "12% / 12%" in shown


def test_holidays_and_entitlements_follow_the_file(venue, db_url, tmp_path):
    edited = SAMPLE.replace('"Qingming Festival" = [2026-04-06]\n', "").replace(
        'accounts = ["C000101", "C000102"]', 'accounts = ["C000101"]'
    )
    result = venue("ref", "load", write(tmp_path, "v2.toml", edited), "--verbose")
    assert "delete holiday 2026-04-06" in result.output
    assert "accounts: ['C000101', 'C000102'] -> ['C000101']" in result.output
    engine = make_engine(db_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM holiday WHERE day = '2026-04-06'")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM fix_session_account")).scalar() == 5  # 1 + 2 + PROP42, LAKE44
    engine.dispose()


def test_ref_show_prints_the_venue(venue):
    output = venue("ref", "show").output
    for expected in ("CFFEX", "SHFE", "IF2612", "rb2705", "general settlement", "张伟", "EMSX42", "FIX.4.4", "National Day"):
        assert expected in output
    # C000102 pays its absolute cu schedule; member 0001's retail clients pay fee x4, margin +5%
    assert "client:C000102 absolute" in output
    assert "17% / 17%" in output


def test_commands_refuse_a_database_that_is_not_migrated(tmp_path):
    from click.testing import CliRunner

    from backoffice.cli.main import cli

    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "ref", "load", str(VENUE)])
    assert result.exit_code == 1
    assert f"is at schema none, not {migrate.head_revision(url)}; run `fixbroker db upgrade`" in result.output
