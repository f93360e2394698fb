"""Workbooks as a person sees them: printed to PDF by headless LibreOffice, read back as text and pictures.

`pdftotext -layout` gives the text a reader sees, cell by cell on its line, so a name cut by its
column or a header written as code shows in it; `pdftoppm` writes the pages as PNG artefacts
under `$ESGFLOW_TEST_ARTEFACTS/workbooks/` to be looked at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Printed:
    pdf: Path
    pages: list[str]  # `pdftotext -layout` of each page

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def lines(self) -> list[str]:
        """Each printed line with its runs of spaces made one, as a reader would read it."""
        return [" ".join(line.split()) for line in self.text.splitlines() if line.strip()]


def artefacts(tmp_path: Path) -> Path:
    """Where the pictures of the workbooks go: kept when ESGFLOW_TEST_ARTEFACTS is set."""
    given = os.environ.get("ESGFLOW_TEST_ARTEFACTS")
    folder = Path(given) / "workbooks" if given else tmp_path / "artefacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def soffice_convert(files: list[Path], to: str, out_dir: Path, timeout: int = 300) -> None:
    """Convert `files` with headless LibreOffice (`--convert-to to`) into `out_dir`, in a throwaway profile."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice is not installed (Debian: libreoffice-calc-nogui; .ci/run installs it)")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out_dir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "HOME": str(profile)},
    )
    shutil.rmtree(profile, ignore_errors=True)


def print_workbook(xlsx: Path, out_dir: Path) -> Printed:
    """The workbook printed by LibreOffice Calc with its own page set-up, and the text of each page."""
    soffice_convert([xlsx], "pdf", out_dir)
    pdf = out_dir / f"{xlsx.stem}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return Printed(pdf, text.split("\f")[:-1] if text.endswith("\f") else text.split("\f"))


def picture(printed: Printed, page: int, to: Path) -> Path:
    """Page `page` (from 1) of a printed workbook as a PNG at 60 dpi."""
    to.parent.mkdir(parents=True, exist_ok=True)
    stem = to.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(printed.pdf), str(stem)],
        check=True,
        capture_output=True,
    )
    return to
