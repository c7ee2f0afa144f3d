"""`fixbroker statements`: client statements, member reports and monthly statements of settled days.

Statements are built from the stored results of the day's current settlement run
(`backoffice.statements.source`), never recomputed. `generate` writes
DIR/D/<member>/<account>.<ext>; DIR/D/RUN holds the id of the run the files in place come
from. When a day was settled again, the next `generate` first moves every file of the old
run to DIR/D/<member>/superseded/<old run id>/ (kept, marked by where they are), so the
files in place are always those of the current run. Files are written whole (a temporary
file renamed into place). PDFs are rendered on every core.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import click
from sqlalchemy.orm import Session

from backoffice.db.engine import transaction
from backoffice.refdata import repository
from backoffice.statements import csv_render, day_files, json_render, member_clients, member_reports, monthly_render, pdf, text
from backoffice.statements.build import StatementInput
from backoffice.statements.model import ClientStatement
from backoffice.statements.monthly import build_monthly_statement
from backoffice.statements.source import RunRef, client_statements, current_run, monthly_days, statement_inputs
from backoffice.statements.source import member_reports as load_member_reports

from . import clock
from .context import AppContext, CommandError, pass_app

_DATE = click.DateTime(["%Y-%m-%d"])
_OUT = click.Path(file_okay=False, path_type=Path)
DEFAULT_OUT = Path("var/statements")
FORMATS = ("txt", "json", "csv", "pdf")
RUN_FILE = "RUN"

_MONTHLY_RENDER = {
    "txt": lambda s: monthly_render.render_text(s).encode("utf-8"),
    "json": lambda s: monthly_render.render_json(s).encode("utf-8"),
    "csv": lambda s: monthly_render.render_csv(s).encode(csv_render.ENCODING),
}


def _formats(value: str, allowed: tuple[str, ...]) -> list[str]:
    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in allowed]
    if unknown or not chosen:
        raise click.BadParameter(f"{', '.join(unknown) or 'nothing'}: choose from {', '.join(allowed)}", param_hint="--format")
    return list(dict.fromkeys(chosen))


def _run(session: Session, day: date) -> RunRef:
    run = current_run(session, day)
    if run is None:
        raise CommandError(f"{day} is not settled; run `fixbroker settle run --date {day}` first")
    return run


def _today(session: Session) -> date:
    """The creation date printed on statements: today in the venue's time zone."""
    return clock.now().astimezone(repository.load_calendar(session).tz).date()


_write = day_files.replace_file


def files_run(day_dir: Path) -> int | None:
    """The run the statement files in DAY_DIR come from (its RUN marker), None when none."""
    marker = day_dir / RUN_FILE
    return int(marker.read_text().strip()) if marker.exists() else None


def supersede_old_files(day_dir: Path, run_id: int) -> int | None:
    """Move the files of an older run out of the way (see the module docstring); the old run id."""
    marker = day_dir / RUN_FILE
    old = files_run(day_dir)
    if old is not None and old != run_id:
        for member_dir in sorted(p for p in day_dir.iterdir() if p.is_dir()):
            target = member_dir / "superseded" / str(old)
            for file in sorted(p for p in member_dir.iterdir() if p.is_file()):
                target.mkdir(parents=True, exist_ok=True)
                os.replace(file, target / file.name)
    day_dir.mkdir(parents=True, exist_ok=True)
    _write(marker, f"{run_id}\n".encode())
    return old if old != run_id else None


@click.group("statements")
def group() -> None:
    """Client statements, member reports and monthly statements from settled days."""


@group.command()
@click.option("--date", "day", type=_DATE, required=True, help="Settled trading day.")
@click.option("--account", "accounts", multiple=True, help="Only this account (repeatable); default every client account.")
@click.option("--format", "formats", default="txt,json,csv,pdf", show_default=True, help="Comma-separated: txt, json, csv, pdf.")
@click.option("--out-dir", type=_OUT, default=DEFAULT_OUT, show_default=True)
@click.option("--processes", type=click.IntRange(1), help="PDF worker processes (default: every core).")
@pass_app
def generate(app: AppContext, day: datetime, accounts: tuple[str, ...], formats: str, out_dir: Path, processes: int | None) -> None:
    """Write the statements of a settled day: OUT-DIR/DATE/<member>/<account>.<ext>."""
    chosen = _formats(formats, FORMATS)
    with transaction(app.migrated_engine()) as session:
        run = _run(session, day.date())
        inputs = statement_inputs(session, run, _today(session), accounts or None)
    missing = sorted(set(accounts) - {i.client_id for i in inputs})
    if missing:
        raise CommandError(f"no settled client account {', '.join(missing)} on {run.trading_day}")
    day_dir = out_dir / run.trading_day.isoformat()
    old = supersede_old_files(day_dir, run.id)
    if old is not None:
        app.console.print(f"the files in place came from run {old}, no longer current (now run {run.id}): moved to <member>/superseded/{old}/", markup=False)
    count = write_statements(inputs, day_dir, chosen, processes)
    app.console.print(
        f"wrote {count} file{'s' if count != 1 else ''} for {len(inputs)} account{'s' if len(inputs) != 1 else ''} "
        f"of {run.trading_day} (run {run.id}) under {day_dir}",
        markup=False,
    )


def write_statements(
    inputs: list[StatementInput], day_dir: Path, formats: list[str], processes: int | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> int:
    """The statement of every input in every format, text formats built and written by
    `day_files`, PDFs over a process pool. The number of files written.
    `progress(done, total)` counts statements: once through the text formats, then the PDFs."""
    count = 0
    texts = [fmt for fmt in formats if fmt != "pdf"]
    passes = len(inputs) * ((1 if texts else 0) + (1 if "pdf" in formats else 0))
    if texts and inputs:
        count += day_files.write_day(inputs, day_dir, texts, processes, progress=lambda done: progress(done, passes))
    if "pdf" in formats and inputs:
        jobs = []
        for source in inputs:
            path = day_dir / source.member_code / f"{source.client_id}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            jobs.append((source.build(), str(path)))
        already = passes - len(inputs)
        count += len(pdf.write_pdfs(jobs, processes=processes, written=lambda n: progress(already + n, passes)))
    return count


@group.command()
@click.option("--date", "day", type=_DATE, required=True)
@click.option("--account", required=True)
@click.option("--format", "fmt", type=click.Choice(["txt", "json"]), default="txt", show_default=True)
@pass_app
def show(app: AppContext, day: datetime, account: str, fmt: str) -> None:
    """Print one account's statement of a settled day."""
    with transaction(app.migrated_engine()) as session:
        run = _run(session, day.date())
        found = client_statements(session, run, _today(session), [account])
    if not found:
        raise CommandError(f"no settled client account {account} on {run.trading_day}")
    click.echo(text.render_text(found[0]) if fmt == "txt" else json_render.render_json(found[0]), nl=False)


@group.command()
@click.option("--date", "day", type=_DATE, required=True)
@click.option("--member", help="Only this member.")
@click.option("--sort", "sort", type=click.Choice(member_clients.SORT_COLUMNS), default="client_id", show_default=True,
              help="Column of the client summary to sort on.")
@click.option("--descending", is_flag=True, help="Sort the client summary from the largest.")
@click.option("--csv-dir", type=_OUT, help="Also write <member>_reports.csv and <member>_clients.csv here.")
@pass_app
def members(app: AppContext, day: datetime, member: str | None, sort: str, descending: bool, csv_dir: Path | None) -> None:
    """Print each member's reports (P&L, trades, positions, fund settlement) and client summary."""
    with transaction(app.migrated_engine()) as session:
        run = _run(session, day.date())
        created = _today(session)
        reports = load_member_reports(session, run, created, member)
        statements = client_statements(session, run, created)
    by_member: dict[str, list[ClientStatement]] = defaultdict(list)
    for s in statements:
        by_member[s.header.member_code].append(s)
    names = {s.header.member_code: s.header.member_name for s in statements} | {r.member_code: r.member_name for r in reports}
    codes = sorted(({r.member_code for r in reports} | by_member.keys()) if member is None else {member} & names.keys())
    if not codes:
        raise CommandError(f"no member {member} in the results of {run.trading_day}")
    reports_by = {r.member_code: r for r in reports}
    for code in codes:
        if code in reports_by:
            click.echo(member_reports.render_text(reports_by[code]))
        summary = member_clients.member_client_summary(code, names[code], run.trading_day, by_member.get(code, [])).sorted_by(sort, descending)
        if summary.rows:
            click.echo(member_clients.render_text(summary))
        if csv_dir is not None:
            if code in reports_by:
                _write(csv_dir / f"{code}_reports.csv", member_reports.render_csv(reports_by[code]).encode(member_reports.CSV_ENCODING))
            _write(csv_dir / f"{code}_clients.csv", member_clients.render_csv(summary).encode(member_clients.CSV_ENCODING))


@group.command()
@click.option("--month", required=True, help="Calendar month, YYYY-MM.")
@click.option("--account", "accounts", multiple=True, help="Only this account (repeatable).")
@click.option("--format", "formats", default="txt,json,csv", show_default=True, help="Comma-separated: txt, json, csv.")
@click.option("--out-dir", type=_OUT, default=DEFAULT_OUT, show_default=True)
@pass_app
def monthly(app: AppContext, month: str, accounts: tuple[str, ...], formats: str, out_dir: Path) -> None:
    """Write monthly statements (月结单): OUT-DIR/monthly/YYYY-MM/<member>/<account>.<ext>."""
    chosen = _formats(formats, tuple(_MONTHLY_RENDER))
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter(f"{month!r} is not YYYY-MM", param_hint="--month") from None
    daily: dict[str, list[ClientStatement]] = defaultdict(list)
    with transaction(app.migrated_engine()) as session:
        created = _today(session)
        runs = monthly_days(session, first.year, first.month)
        for run in runs:
            for statement in client_statements(session, run, created, accounts or None):
                daily[statement.header.client_id].append(statement)
    if not daily:
        raise CommandError(f"no settled day in {month}" + (f" for {', '.join(accounts)}" if accounts else ""))
    month_dir = out_dir / "monthly" / month
    count = 0
    for code in sorted(daily):
        statement = build_monthly_statement(daily[code], created)
        for fmt in chosen:
            _write(month_dir / statement.member_code / f"{code}.{fmt}", _MONTHLY_RENDER[fmt](statement))
            count += 1
    app.console.print(f"wrote {count} files for {len(daily)} accounts over {len(runs)} settled days of {month} under {month_dir}", markup=False)
