"""The outside programs that render documents in the tests: poppler (pdftotext, pdfinfo, pdftoppm),
LibreOffice and Chromium. Missing on a developer's machine: the test is skipped; missing in CI
(.ci/run installs them all): the test fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def _missing(what: str, package: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: .ci/run installs {package}")
    pytest.skip(f"{what} is not installed ({package}; it is in CI)")


def poppler(tool: str) -> str:
    binary = shutil.which(tool)
    if binary is None:
        _missing(tool, "poppler-utils")
    return binary


def pdf_text(path: Path, *options: str) -> str:
    return subprocess.run([poppler("pdftotext"), *options, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run([poppler("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(path: Path, folder: Path) -> Path:
    """Print a workbook to PDF with LibreOffice (every sheet, its own print setup) into ``folder``."""
    binary = libreoffice()
    if binary is None:
        _missing("LibreOffice", "libreoffice-calc-nogui")
    completed = subprocess.run(
        [binary, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", "pdf", "--outdir", str(folder), str(path)],
        capture_output=True, text=True, timeout=300,
    )
    pdf = folder / f"{path.stem}.pdf"
    assert completed.returncode == 0 and pdf.is_file(), completed.stdout + completed.stderr
    return pdf
