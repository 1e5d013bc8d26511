"""Tables as people make them: CSV with ``,`` ``;`` or tab (sniffed from the header line), in
UTF-8 with or without a byte-order mark or in Windows-1252 (what Excel writes in Western Europe),
or the first sheet of an XLSX workbook. Every row is a ``{column: text}`` dict; header names are
stripped of blanks. A file that is none of these is one clear error naming the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from dualcheck.errors import BadInput

DELIMITERS = (",", ";", "\t")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252; bytes neither can read are an error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValueError(f"neither UTF-8 nor Windows-1252 (byte {exc.start})") from None


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the candidate that splits it into the most columns."""
    header = next(iter(text.splitlines()), "")
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


def csv_rows(text: str) -> Iterator[dict[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    header = [h.strip() for h in next(reader, [])]
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # blank lines (often at the end of an Excel export)
        yield {h: v for h, v in zip(header, values, strict=False) if h}


def xlsx_rows(path: Path) -> Iterator[dict[str, str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.active.iter_rows(values_only=True) if book.active is not None else iter(())
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        for values in rows:
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            yield {h: ("" if v is None else str(v)) for h, v in zip(header, values, strict=False) if h}
    finally:
        book.close()


def read_table(path: Path) -> list[dict[str, str]]:
    """All rows of a CSV or XLSX file; the first row is the header."""
    if not path.is_file():
        raise BadInput("file not found", source=str(path))
    excel = path.suffix.lower() in EXCEL_SUFFIXES
    try:
        if excel:
            return list(xlsx_rows(path))
        return list(csv_rows(decode(path.read_bytes())))
    except (OSError, ValueError, KeyError, csv.Error) as exc:
        raise BadInput(f"cannot read as {'XLSX' if excel else 'CSV'} ({exc})", source=str(path)) from None
    except Exception as exc:  # openpyxl raises zipfile/XML errors of its own for a file that is not a workbook
        if excel:
            raise BadInput(f"cannot read as XLSX ({exc})", source=str(path)) from None
        raise
