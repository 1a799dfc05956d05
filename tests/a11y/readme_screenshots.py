"""Remake the README's screenshots in docs/images/ from the published demo build.

    .venv/bin/python build.py                          # publishes _output/demo-2024/
    .venv/bin/python tests/a11y/readme_screenshots.py  # needs Chromium and pdftoppm

Writes html-desktop.png (top of the page), html-desktop-chapter.png (a chapter with a chart),
html-phone.png (a phone, at 2x) and pdf-chapter-page.png (the same chapter page in the PDF).
Each is kept under 400 KB (PNG palette reduction with Pillow if needed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from a11y.browser import Browser  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "_output" / "demo-2024"
IMAGES = ROOT / "docs" / "images"
CHAPTER = "sec-p3-neighbourhood-crime"
PDF_BOOKMARK = "Neighbourhood crime"
LIMIT = 400_000


def shrink(png: Path) -> Path:
    """Quantise to a 256-colour palette if the PNG is over the limit (screenshots are flat colour)."""
    if png.stat().st_size <= LIMIT:
        return png
    from PIL import Image

    with Image.open(png) as im:
        im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(png, optimize=True)
    return png


def pdf_page_of(pdf: Path, title: str) -> int:
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item

    for item in walk(reader.outline):
        if title.lower() in item.title.lower():
            return reader.get_destination_page_number(item) + 1
    raise SystemExit(f"{pdf}: no bookmark containing {title!r}")


def main() -> int:
    page = OUT / "needs-assessment.html"
    if not page.is_file():
        raise SystemExit(f"{page} not found: run `.venv/bin/python build.py` first")
    IMAGES.mkdir(parents=True, exist_ok=True)
    made = []
    with Browser.launch() as browser:
        made.append(browser.screenshot(page, IMAGES / "html-desktop.png", 1280, 800))
        made.append(browser.screenshot(page, IMAGES / "html-desktop-chapter.png", 1280, 1000,
                                       fragment=CHAPTER))
        made.append(browser.screenshot(page, IMAGES / "html-phone.png", 375, 740, scale=2))
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        pdf = OUT / "needs-assessment.pdf"
        n = pdf_page_of(pdf, PDF_BOOKMARK)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([pdftoppm, "-png", "-r", "110", "-f", str(n), "-l", str(n), "-singlefile",
                            str(pdf), str(Path(tmp) / "page")], check=True)
            target = IMAGES / "pdf-chapter-page.png"
            shutil.move(str(Path(tmp) / "page.png"), target)
            made.append(target)
    else:
        print("pdftoppm not installed: PDF page image not made", file=sys.stderr)
    for png in made:
        shrink(png)
        print(f"{png.relative_to(ROOT)}  {png.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
