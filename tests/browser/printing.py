"""What the browser tests use to read printed pages and scan QR codes: Chromium's print to PDF,
poppler's pdftotext / pdfinfo / pdftoppm, and zxing-cpp (the decoder phones' scanner apps use).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: apt-get install -y poppler-utils (.ci/browser does)")
    return found


def print_to_pdf(page, path: Path) -> Path:
    """Print the page as Chromium's print dialog does on A4 (the page's own @page size and
    orientation win, as they do in the dialog)."""
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", prefer_css_page_size=True, print_background=True)
    return path


def pdf_pages(path: Path) -> int:
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])


def pdf_page_size_mm(path: Path) -> tuple[float, float]:
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True)
    width, height = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout, re.M).groups()
    return float(width) * 25.4 / 72, float(height) * 25.4 / 72


def pdf_text(path: Path) -> str:
    """The text on the printed pages in reading order (pdftotext keeps only what is inside a
    page's box, so what a page cuts off is missing here)."""
    result = subprocess.run(
        [tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def pdf_images(path: Path, dpi: int) -> list:
    """Each page rendered at `dpi` as a greyscale image, as a cheap scanner or a photo would."""
    from PIL import Image

    prefix = path.with_suffix("")
    subprocess.run(
        [tool("pdftoppm"), "-r", str(dpi), "-gray", "-png", str(path), str(prefix)], check=True
    )
    files = sorted(path.parent.glob(f"{prefix.name}-*.png"))
    return [Image.open(f) for f in files]


def scan(image) -> list[str]:
    """The texts of the QR codes found in an image."""
    try:
        import zxingcpp
    except ImportError:
        pytest.fail("zxing-cpp is missing: pip install -e '.[dev,browser]'")
    return [
        result.text
        for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def scan_element(locator) -> str:
    """The QR code shown by an element of the page, read from a screenshot of it."""
    from PIL import Image

    found = scan(Image.open(io.BytesIO(locator.screenshot())))
    assert len(found) == 1, found
    return found[0]
