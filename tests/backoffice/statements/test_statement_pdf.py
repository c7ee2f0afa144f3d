import re
import shutil
import subprocess

import pytest

from backoffice.statements.cjk_font import PS_NAME, missing_characters
from backoffice.statements.pdf import render_pdf, write_pdfs

@pytest.fixture(autouse=True)
def poppler():
    """The PDF checks read the files with poppler's tools: a missing tool fails, never skips."""
    for tool in ("pdftotext", "pdffonts", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install the Debian package poppler-utils (.ci/system-packages does)")


def test_font_is_embedded(worked_example):
    pdf = render_pdf(worked_example)
    assert pdf.startswith(b"%PDF-")
    # a subset TrueType font (FontFile2) named after Noto Sans SC is embedded
    assert re.search(rb"/BaseFont /[A-Z]{6}\+" + PS_NAME.encode(), pdf)
    assert b"/FontFile2" in pdf


def test_pdf_is_reproducible(worked_example):
    assert render_pdf(worked_example) == render_pdf(worked_example)


def test_every_character_of_the_names_has_a_glyph():
    assert missing_characters("张伟 上海明远资产管理有限公司 明远期货有限公司 交易结算单(盯市)") == set()


def test_pdf_fonts_and_text(tmp_path, busy):
    path = tmp_path / "busy.pdf"
    path.write_bytes(render_pdf(busy))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    noto = [line for line in fonts.splitlines() if PS_NAME in line]
    assert noto and noto[0].split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, unicode
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in (
        "上海明远资产管理有限公司",
        "资金状况 Account Summary",
        "379,580.68",
        "15,187.32",
        "成交记录 Transaction Record",
        "1,188,000.00",
        "持仓汇总 Positions Summary",
        "Page 1 of 2",
        "Page 2 of 2",
    ):
        assert expected in text, expected


def test_worked_example_pdf_text(tmp_path, worked_example):
    path = tmp_path / "we.pdf"
    path.write_bytes(render_pdf(worked_example))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("张伟", "1,000,000.00", "1,000,599.00", "12,072.00", "988,527.00", "1.21%", "Page 1 of 1"):
        assert expected in text, expected


def test_long_tables_paginate_with_repeated_headings(tmp_path, worked_example):
    from dataclasses import replace

    many = replace(worked_example, transactions=worked_example.transactions * 120)
    path = tmp_path / "many.pdf"
    path.write_bytes(render_pdf(many))
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout.split("\f")[:-1]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    # the transaction record runs over pages 1..n-1 at least; each of them repeats its heading
    record_pages = [page for page in pages if "T0001" in page]
    assert len(record_pages) >= 2
    assert all("Realized P/L" in page and "成交序号" in page for page in record_pages)


def test_each_document_draws_with_its_own_glyphs(tmp_path, worked_example, busy):
    # reportlab keeps the first font registered under a name; the second document's new
    # characters (海, 产, 管, 理) must still be in its own embedded subset
    render_pdf(worked_example)
    path = tmp_path / "second.pdf"
    path.write_bytes(render_pdf(busy))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "上海明远资产管理有限公司" in text


def test_batch_uses_a_process_pool(tmp_path, worked_example, busy):
    jobs = [(worked_example, str(tmp_path / "a.pdf")), (busy, str(tmp_path / "b.pdf")), (worked_example, str(tmp_path / "c.pdf"))]
    assert write_pdfs(jobs, processes=2, chunksize=1) == [path for _, path in jobs]
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "c.pdf").read_bytes() == render_pdf(worked_example)
