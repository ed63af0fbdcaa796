"""The deck as an audience sees it: saved views -> .pptx -> LibreOffice PDF -> PNG pages at 1280x720, checked for
text (pdftotext), headline cards, no empty categories, the absolute link and ink in the lower part of each slide.
PNGs go to artifacts/slides/ for people to look at. Skipped where LibreOffice is not installed."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation

from outputs.deck import build_deck
from outputs.views import list_views, save_view
from store import db

ROOT = Path(__file__).resolve().parent.parent
SLIDES = ROOT / "artifacts" / "slides"

pytestmark = pytest.mark.skipif(not shutil.which("libreoffice") or not shutil.which("pdftoppm"),
                                reason="needs libreoffice and poppler-utils (apt-get install libreoffice-impress "
                                       "poppler-utils)")


@pytest.fixture
def views(path, monkeypatch) -> Path:
    monkeypatch.setenv("AID_BASE_URL", "https://aid.example.org/app/")
    save_view(path, "总览 十二五", "overview", {"period": "十二五"})
    save_view(path, "援助资金 各时期", "funding", {"metric": "aid_funding", "periods": ["十一五", "十二五", "十三五"]})
    save_view(path, "任务分工", "tasks", {})
    return path


def _render(pptx: Path, out: Path, stem: str) -> tuple[str, list[Path]]:
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(pptx)],
                   check=True, capture_output=True, timeout=180)
    pdf = out / (pptx.stem + ".pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    subprocess.run(["pdftoppm", "-r", "96", "-png", str(pdf), str(out / stem)], check=True, timeout=120)
    return text, sorted(out.glob(f"{stem}-*.png"))


def _ink_rows(png: Path) -> tuple[int, int, float]:
    """(width, height, share of the lower third's rows that carry anything but white: text, bars, cards)."""
    from PIL import Image

    im = Image.open(png).convert("L")
    w, h = im.size
    px = im.load()
    rows = [y for y in range(2 * h // 3, h) if any(px[x, y] < 250 for x in range(0, w, 4))]
    return w, h, len(rows) / (h - 2 * h // 3)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_deck_renders_to_slides(views, tmp_path, lang):
    con = db.open_read(views)
    try:
        pptx = build_deck(con, list_views(con), tmp_path / f"deck_{lang}.pptx", lang=lang)
    finally:
        con.close()
    prs = Presentation(str(pptx))
    slides = list(prs.slides)
    # the funding view asked for 十三五, which has no figures: no empty category on the slide
    chart = next(s for s in slides[2].shapes if s.has_chart).chart
    periods = [s.name for s in chart.plots[0].series]  # periods are the series (regions the categories, as on the page)
    assert len(periods) == 2 and not any("十三五" in c or "13th" in c for c in periods), periods
    # the overview slide carries the headline cards for its period, not a chart of every period
    assert not any(s.has_chart for s in slides[1].shapes)

    text, pngs = _render(pptx, tmp_path, lang)
    assert len(pngs) == 4
    flat = " ".join(text.split())
    if lang == "zh":
        for want in ("援建项目", "3423个", "135亿余元", "约7.5万人次", "援助资金（亿元）", "新疆喀什", "区金融办"):
            assert want in flat.replace(" ", ""), want
        assert "CNY" not in flat and "135+" not in flat
    else:
        for want in ("Aid projects", "3,423 projects", "13.5 bn yuan or more", "about 75,000 person-times",
                     "Aid funding (bn yuan)", "12th FYP (2011–2015)"):
            assert want in flat, want
        assert "CNY 100m" not in flat
    # every view slide links its view absolutely under base_url, readable (not percent-encoded)
    assert flat.count("https://aid.example.org/app/") >= 3
    assert "%E5" not in flat
    SLIDES.mkdir(parents=True, exist_ok=True)
    for png in pngs:
        w, h, lower = _ink_rows(png)
        assert (w, h) == (1280, 720)
        shutil.copyfile(png, SLIDES / png.name)
        if png is not pngs[0]:
            assert lower > 0.3, f"{png.name}: the lower third of the slide is mostly empty ({lower:.0%})"
