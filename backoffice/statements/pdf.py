"""Client statement as PDF: a bank-statement layout with an embedded CJK font.

A4 landscape (the transaction record has 13 columns). Every page carries a running head
(statement title, member, client) and a footer with "第 x 页 / 共 y 页 Page x of y"; the
first page opens with the client block and the account summary. Each section is a table
with a bilingual two-row heading repeated on every page it runs onto, striped rows,
figures right-aligned and a shaded totals row. A margin call is a red-ruled notice. Labels
and cell texts are those of the text renderer (`text.py`), so both print the same thing.

The font is Noto Sans SC, embedded as a subset (see `cjk_font`). Output is reproducible:
reportlab's invariant mode leaves out creation timestamps and random ids.

`write_pdfs` renders many statements over a process pool (every core by default): one PDF
takes a few tens of milliseconds of pure Python, so a batch scales with processes, not
threads, and each process keeps its own font cache and reportlab registry.
"""

from __future__ import annotations

import io
import string
from collections.abc import Callable, Iterable, Sequence
from multiprocessing import get_context
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backoffice.processes import die_with_parent, may_fork

from . import cjk_font, text
from .model import ClientStatement
from .text import RIGHT, TITLE_EN, TITLE_ZH, Column

PAGE = landscape(A4)
MARGIN = 14 * mm
INK = colors.HexColor("#1f2933")
RULE = colors.HexColor("#9aa5b1")
BAND = colors.HexColor("#e4e7eb")
STRIPE = colors.HexColor("#f5f7fa")
ACCENT = colors.HexColor("#1d3f72")
ALERT = colors.HexColor("#b42318")

PAGE_LABEL = "第 {page} 页 / 共 {pages} 页   Page {page} of {pages}"
FIXED_TEXT = TITLE_ZH + TITLE_EN + PAGE_LABEL + string.printable + "·—"


SECTION_MIN_SPACE = 35 * mm  # a section heading, the table's two heading rows and a few lines

def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=17, leading=22, textColor=ACCENT),
        "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=9.5, leading=13, textColor=INK),
        "section": ParagraphStyle("section", fontName=font, fontSize=10.5, leading=14, textColor=ACCENT, spaceBefore=7, spaceAfter=2),
        "body": ParagraphStyle("body", fontName=font, fontSize=8.5, leading=12, textColor=INK, alignment=TA_LEFT),
        "small": ParagraphStyle("small", fontName=font, fontSize=7, leading=9.5, textColor=INK),
        "alert": ParagraphStyle("alert", fontName=font, fontSize=9, leading=13, textColor=ALERT),
    }


def _grid(columns: Sequence[Column], rows: Sequence[object], total: Sequence[str] | None, font: str) -> Table:
    data = [[c.zh for c in columns], [c.en for c in columns]]
    data += [[c.cell(row) for c in columns] for row in rows]
    if total:
        data.append(list(total))
    style = [
        ("FONT", (0, 0), (-1, -1), font, 7.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 1), BAND),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, 1), (-1, 1), 0.5, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for index, column in enumerate(columns):
        if column.align == RIGHT:
            style.append(("ALIGN", (index, 0), (index, -1), "RIGHT"))
    last_body = len(data) - (2 if total else 1)
    for row in range(3, last_body + 1, 2):
        style.append(("BACKGROUND", (0, row), (-1, row), STRIPE))
    if total:
        style += [("BACKGROUND", (0, -1), (-1, -1), BAND), ("LINEABOVE", (0, -1), (-1, -1), 0.5, RULE)]
    table = Table(data, repeatRows=2, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _summary_table(statement: ClientStatement, font: str) -> Table:
    pairs = text.summary_pairs(statement)
    table = Table([list(p) for p in pairs], colWidths=[60 * mm, 38 * mm, 60 * mm, 38 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                ("LINEAFTER", (1, 0), (1, -1), 0.5, RULE),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, BAND),
                ("BACKGROUND", (0, 5), (1, 5), BAND),  # balance c/f
                ("BACKGROUND", (2, 0), (3, 0), BAND),  # client equity
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _client_block(statement: ClientStatement, font: str) -> Table:
    h = statement.header
    rows = [
        ["客户号 Client ID", h.client_id, "会员 Member", f"{h.member_code}  {h.member_name}"],
        ["客户名称 Client Name", h.client_name, "交易日 Trading Day", h.trading_day.isoformat()],
        ["币种 Currency", h.currency, "制表日期 Creation Date", h.created.isoformat()],
    ]
    table = Table(rows, colWidths=[38 * mm, 90 * mm, 38 * mm, 90 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("TEXTCOLOR", (0, 0), (0, -1), RULE),
                ("TEXTCOLOR", (2, 0), (2, -1), RULE),
                ("TEXTCOLOR", (1, 0), (1, -1), INK),
                ("TEXTCOLOR", (3, 0), (3, -1), INK),
                ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _story(statement: ClientStatement, font: str) -> list:
    st = _styles(font)
    story: list = [
        Paragraph(f"{TITLE_ZH}&nbsp;&nbsp;{TITLE_EN}", st["title"]),
        Spacer(1, 2 * mm),
        _client_block(statement, font),
        Paragraph("资金状况&nbsp;&nbsp;Account Summary", st["section"]),
        _summary_table(statement, font),
    ]
    for zh, en, columns, rows, total in text.sections(statement):
        # A long table starts under its heading and splits across pages (its heading rows
        # repeat); only when fewer than a few rows would fit does the section start afresh.
        story += [CondPageBreak(SECTION_MIN_SPACE), Paragraph(f"{zh}&nbsp;&nbsp;{en}", st["section"]), _grid(columns, rows, total, font)]
    notice = text.margin_call_lines(statement)
    if notice:
        box = Table([[Paragraph("追加保证金通知&nbsp;&nbsp;Margin Call Notice", st["alert"])], *[[Paragraph(x, st["body"])] for x in notice]], hAlign="LEFT")
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1, ALERT), ("LEFTPADDING", (0, 0), (-1, -1), 8)]))
        story += [Spacer(1, 4 * mm), box]
    legends = [Paragraph(f"{x.code}&nbsp;&nbsp;{x.zh}&nbsp;&nbsp;·&nbsp;&nbsp;{x.en}", st["small"]) for x in statement.legends]
    story.append(KeepTogether([Paragraph("说明&nbsp;&nbsp;Legends", st["section"]), *legends]))
    return story


def _canvas_class(statement: ClientStatement, font: str) -> type[canvas.Canvas]:
    """A canvas that holds pages back until the end, to print "page x of y" on each."""
    h = statement.header
    head_left = f"{TITLE_ZH}  {TITLE_EN}"
    head_right = f"{h.member_code} {h.member_name}"
    foot_left = f"客户号 Client ID {h.client_id} · {h.client_name} · 交易日 Trading Day {h.trading_day.isoformat()}"

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs) -> None:
            kwargs["initialFontName"] = font  # else an unused, unembedded Helvetica is listed
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                self._decorate(number, pages)
                super().showPage()
            super().save()

        def _decorate(self, page: int, pages: int) -> None:
            width, height = PAGE
            self.saveState()
            self.setFillColor(ACCENT)
            self.rect(0, height - 5 * mm, width, 5 * mm, stroke=0, fill=1)
            self.setFont(font, 7.5)
            self.setFillColor(INK)
            self.drawString(MARGIN, height - 10 * mm, head_left)
            self.drawRightString(width - MARGIN, height - 10 * mm, head_right)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(MARGIN, 11 * mm, width - MARGIN, 11 * mm)
            self.drawString(MARGIN, 7 * mm, foot_left)
            self.drawRightString(width - MARGIN, 7 * mm, PAGE_LABEL.format(page=page, pages=pages))
            self.restoreState()

    return NumberedCanvas


def render_pdf(statement: ClientStatement) -> bytes:
    font = cjk_font.register_for(text.render_text(statement) + FIXED_TEXT)
    out = io.BytesIO()
    h = statement.header
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=13 * mm,
        bottomMargin=14 * mm,
        title=f"{TITLE_ZH} {h.client_id} {h.trading_day.isoformat()}",
        author=h.member_name,
        subject=TITLE_EN,
        invariant=1,
    )
    doc.build(_story(statement, font), canvasmaker=_canvas_class(statement, font))
    return out.getvalue()


def _write_one(job: tuple[ClientStatement, str]) -> str:
    statement, path = job
    Path(path).write_bytes(render_pdf(statement))
    return path


def write_pdfs(
    jobs: Iterable[tuple[ClientStatement, str]], processes: int | None = None, chunksize: int = 8,
    written: Callable[[int], None] = lambda count: None,
) -> list[str]:
    """Render each statement to its path over a pool of `processes` (default: every core);
    returns the paths written, in the order given. `written(n)` after each of them."""
    paths: list[str] = []
    # Forked where that is safe (the end of day's statements child, a plain command), else a
    # forkserver pool. Not a forkserver pool always: started inside the statements child
    # (itself a forkserver child), its teardown failed now and then with EINVAL on the pool's
    # own named semaphore.
    method = "fork" if may_fork() else "forkserver"
    with get_context(method).Pool(processes, initializer=die_with_parent) as pool:
        for path in pool.imap(_write_one, jobs, chunksize):
            paths.append(path)
            written(len(paths))
    return paths

