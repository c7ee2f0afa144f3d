"""The CJK font the PDF statements embed: Noto Sans SC, as TrueType outlines made on the fly.

Why this detour. A statement must print client names such as 张伟 on any machine, so the
font is embedded, and it must ship in a Python package the project installs (nothing is
downloaded at run time). Noto Sans SC (SIL Open Font License 1.1) comes in the
`pylopdf-fonts-zh-cn` package, found here through `importlib.resources`. But Noto CJK is
published only with PostScript (CFF) outlines, and reportlab embeds only TrueType (glyf)
outlines. So, per document, the glyphs the document uses are converted from cubic CFF
curves to quadratic TrueType ones (fontTools' cu2qu, at most 1 font unit = 1/1000 em off,
invisible at any print size) and a small TrueType font of just those glyphs is built in
memory. Converted glyphs are cached per process: after the first few statements a batch
converts almost nothing, and each PDF embeds a subset of a few hundred glyphs (~30 KB).

reportlab keeps fonts in a process-wide registry by font name and by face name, and keeps
the first font registered under a name (a later registration is silently ignored). So
`register_for(text)` first drops the previous document's entry from both tables (private
reportlab dicts: there is no public unregister), then registers the new subset under the
same fixed name: memory stays flat over a batch of any size, and each document draws with
its own glyphs. PDFs are therefore built one at a time per process (a batch uses
processes, not threads).
"""

from __future__ import annotations

import io
from functools import cache
from importlib.resources import files

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.recordingPen import RecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont as SourceFont
from fontTools.ttLib.tables._g_l_y_f import Glyph
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PACKAGE = "pylopdf_fonts_zh_cn"
FONT_FILE = "NotoSansSC-Regular.otf"
FONT_NAME = "StatementSans"  # the reportlab name the PDF renderer draws with
PS_NAME = "NotoSansSC-Regular"
MAX_CURVE_ERROR = 1.0  # font units (the em is 1000)


class _GlyphSource:
    """Noto Sans SC opened once per process, with the glyphs converted so far."""

    def __init__(self) -> None:
        path = files(FONT_PACKAGE).joinpath(FONT_FILE)
        with path.open("rb") as handle:
            self.font = SourceFont(io.BytesIO(handle.read()))
        self.cmap: dict[int, str] = self.font.getBestCmap()
        self.glyphs = self.font.getGlyphSet()
        self.metrics = self.font["hmtx"].metrics
        self.converted: dict[str, RecordingPen] = {}  # quadratic outlines by glyph name

    def glyph(self, name: str) -> Glyph:
        """A fresh TrueType glyph (building a font mutates its glyphs, so none is reused),
        replayed from the cached quadratic outline."""
        outline = self.converted.get(name)
        if outline is None:
            outline = self.converted[name] = RecordingPen()
            self.glyphs[name].draw(Cu2QuPen(outline, MAX_CURVE_ERROR, reverse_direction=True))
        pen = TTGlyphPen(None)
        outline.replay(pen)
        return pen.glyph()

    def truetype(self, text: str) -> bytes:
        """A TrueType font of the glyphs `text` needs (and .notdef), as file bytes."""
        cmap = {cp: self.cmap[cp] for cp in sorted({ord(ch) for ch in text}) if cp in self.cmap}
        order = [".notdef", *sorted(set(cmap.values()) - {".notdef"})]
        glyphs = {name: self.glyph(name) for name in order}
        metrics = {}
        for name, glyph in glyphs.items():
            glyph.recalcBounds(None)
            metrics[name] = (self.metrics[name][0], getattr(glyph, "xMin", 0))
        source_os2 = self.font["OS/2"]
        hhea = self.font["hhea"]
        builder = FontBuilder(self.font["head"].unitsPerEm, isTTF=True)
        source_head = self.font["head"]
        builder.updateHead(created=source_head.created, modified=source_head.modified)  # not now: reproducible
        builder.setupGlyphOrder(order)
        builder.setupCharacterMap(cmap)
        builder.setupGlyf(glyphs)
        builder.setupHorizontalMetrics(metrics)
        builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
        builder.setupNameTable({"familyName": "Noto Sans SC", "styleName": "Regular", "psName": PS_NAME})
        builder.setupOS2(
            sTypoAscender=source_os2.sTypoAscender,
            sTypoDescender=source_os2.sTypoDescender,
            sTypoLineGap=source_os2.sTypoLineGap,
            usWinAscent=source_os2.usWinAscent,
            usWinDescent=source_os2.usWinDescent,
            sxHeight=source_os2.sxHeight,
            sCapHeight=source_os2.sCapHeight,
            fsType=0,  # installable embedding: the OFL allows embedding in documents
        )
        builder.setupPost()
        out = io.BytesIO()
        builder.save(out)
        return out.getvalue()


@cache
def _source() -> _GlyphSource:
    return _GlyphSource()


def register_for(text: str) -> str:
    """Register, under `FONT_NAME`, a font covering every character of `text` the font has;
    return the name to draw with."""
    font = TTFont(FONT_NAME, io.BytesIO(_source().truetype(text)))
    pdfmetrics._fonts.pop(FONT_NAME, None)
    pdfmetrics._dynFaceNames.pop(font.face.name, None)
    pdfmetrics.registerFont(font)
    assert pdfmetrics.getFont(FONT_NAME) is font
    return FONT_NAME


def missing_characters(text: str) -> set[str]:
    """Characters of `text` (other than line breaks) that Noto Sans SC has no glyph for."""
    cmap = _source().cmap
    return {ch for ch in text if ord(ch) not in cmap and ch not in "\r\n"}
