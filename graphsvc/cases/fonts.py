"""A CJK TrueType font for PDF reports, embedded (subset) so Chinese renders anywhere.

Why not reportlab's built-in CID fonts (STSong-Light): they are not embedded,
so a reader without Adobe's Asian font pack shows boxes, and their text may not
extract. Noto CJK (Debian ``fonts-noto-cjk``) has PostScript (CFF) outlines that
reportlab cannot embed; WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``) has
TrueType outlines and is what the setup installs. ``GRAPHSVC_REPORT_FONT``
(``Settings.report_font``) points at another TrueType font (``.ttf``/``.ttc``).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from graphsvc.errors import ConfigError

log = logging.getLogger(__name__)

FONT_NAME = "GraphsvcCJK"
CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
ENV = "GRAPHSVC_REPORT_FONT"


def font_path(configured: Path | None = None) -> Path:
    if configured is not None:
        if not configured.is_file():
            raise ConfigError(f"{ENV}: no font file at {configured}")
        return configured
    for p in CANDIDATES:
        if Path(p).is_file():
            return Path(p)
    raise ConfigError(
        "no CJK TrueType font for PDF reports: install the Debian package fonts-wqy-zenhei "
        f"or set {ENV} to a .ttf/.ttc with Chinese glyphs"
    )


@lru_cache
def register_cjk_font(configured: Path | None = None) -> str:
    """Register the font with reportlab once; returns its name for styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path = font_path(configured)
    try:
        font = TTFont(FONT_NAME, str(path), subfontIndex=0)
    except TTFError as exc:
        raise ConfigError(f"cannot use {path} for PDF reports: {exc}") from exc
    pdfmetrics.registerFont(font)
    log.debug("PDF font %s from %s", FONT_NAME, path)
    return FONT_NAME
