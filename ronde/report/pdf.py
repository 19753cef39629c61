"""HTML → PDF with Debian's Chromium (`--headless --print-to-pdf`): what you see is what prints."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ronde.report.exceptions import ReportError

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# The flags the project runs Chromium with (root, no display, no network chatter).
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
)


def find_chromium() -> str:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ReportError(
        "Chromium is needed to write a PDF: install Debian's `chromium` (./dev setup does), "
        "or write HTML only with --out."
    )


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout: float = 120.0) -> Path:
    """Print `html_path` to `pdf_path`; raises ReportError with Chromium's output on failure."""
    chromium = find_chromium()
    pdf_path = pdf_path.resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ronde-pdf-") as profile:
        command = [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"Chromium took more than {timeout:.0f} s to print the PDF") from exc
    if done.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        tail = "\n".join((done.stderr or done.stdout or "").strip().splitlines()[-5:])
        raise ReportError(f"Chromium could not print {pdf_path} (exit {done.returncode}):\n{tail}")
    return pdf_path
