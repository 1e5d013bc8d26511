"""Reading delimited text files safely: encoding checks, and rows with their line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from dualcheck.errors import BadInput

csv.field_size_limit(10_000_000)


def decode(data: bytes, name: str, *, legacy: str = "latin-1") -> str:
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else the legacy encoding.
    A trailing DOS end-of-file mark (0x1A, as OFAC writes) is dropped; NUL bytes mean the file
    is binary or UTF-16 and are refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise BadInput("not a text file in UTF-8 or Latin-1 (NUL bytes: UTF-16 or binary?)", source=name,
                       location="byte 0")
    data = data.rstrip(b"\x1a\r\n ").removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(legacy)


def csv_rows(text: str, name: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(line number, row) for each non-empty row; malformed CSV names its line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error as exc:
        raise BadInput(f"malformed CSV ({exc})", source=name, location=f"line {reader.line_num}") from None


def dict_rows(text: str, name: str, required: list[str], *, delimiter: str = ",",
              skip_lines: int = 0) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as dicts keyed by the header; a missing required column or a short row is bad input."""
    rows = csv_rows(text, name, delimiter=delimiter)
    header: list[str] | None = None
    for line, row in rows:
        if skip_lines > 0:
            skip_lines -= 1
            continue
        if header is None:
            header = [h.strip() for h in row]
            missing = [c for c in required if c not in header]
            if missing:
                raise BadInput(f"missing column {missing[0]!r}", source=name, location=f"line {line} (header)")
            continue
        if len(row) != len(header):
            raise BadInput(f"expected {len(header)} fields, found {len(row)} (truncated or malformed row)",
                           source=name, location=f"line {line}")
        yield line, dict(zip(header, row, strict=True))
    if header is None:
        raise BadInput("empty file: no header row", source=name, location="line 1")
