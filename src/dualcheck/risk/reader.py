"""Reader for customs import declarations in the Korea Customs Service (KCS) layout.

The whole file is read and checked before anything is returned: a missing column, a bad number,
a bad date or a bad label is one `BadInput` line naming the file, the row (as counted by a
spreadsheet: the header is row 1) and the field. Nothing is half-read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dualcheck.errors import BadInput

ID_COLUMN = "Declaration ID"
DATE_COLUMN = "Date"
LABEL_COLUMN = "Fraud"
CRITICAL_COLUMN = "Critical Fraud"
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "Office ID", "Process Type", "Import Type", "Import Use", "Payment Type", "Mode of Transport",
    "Declarant ID", "Importer ID", "Seller ID", "Courier ID", "HS6 Code", "Country of Departure",
    "Country of Origin", "Tax Type", "Country of Origin Indicator",
)
NUMERIC_COLUMNS: tuple[str, ...] = ("Tax Rate", "Net Mass", "Item Price")
# Columns that may be empty (no seller / no courier on the declaration).
OPTIONAL_VALUE_COLUMNS = frozenset({"Seller ID", "Courier ID"})
REQUIRED_COLUMNS: tuple[str, ...] = (ID_COLUMN, DATE_COLUMN, *CATEGORICAL_COLUMNS, *NUMERIC_COLUMNS)


@dataclass
class Declarations:
    """Column-oriented declarations: strings for ids and codes, float arrays for amounts."""

    source: str
    sha256: str
    ids: list[str]
    dates: list[dt.date]
    categorical: dict[str, list[str]]
    numeric: dict[str, np.ndarray]
    fraud: np.ndarray | None = None  # 0/1 per row when the file is labelled
    critical: np.ndarray | None = None
    extra_columns: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray | list[int], source: str | None = None) -> Declarations:
        """A subset of rows (in the given order)."""
        idx = list(np.asarray(index, dtype=np.int64))
        return Declarations(
            source=source or self.source, sha256=self.sha256,
            ids=[self.ids[i] for i in idx], dates=[self.dates[i] for i in idx],
            categorical={k: [v[i] for i in idx] for k, v in self.categorical.items()},
            numeric={k: v[idx] for k, v in self.numeric.items()},
            fraud=None if self.fraud is None else self.fraud[idx],
            critical=None if self.critical is None else self.critical[idx],
        )

    @staticmethod
    def concat(parts: list[Declarations]) -> Declarations:
        """Rows of several files, in order (e.g. train then valid)."""
        labelled = all(p.fraud is not None for p in parts)
        return Declarations(
            source="+".join(p.source for p in parts),
            sha256=hashlib.sha256("".join(p.sha256 for p in parts).encode()).hexdigest(),
            ids=[i for p in parts for i in p.ids], dates=[d for p in parts for d in p.dates],
            categorical={c: [v for p in parts for v in p.categorical[c]] for c in CATEGORICAL_COLUMNS},
            numeric={c: np.concatenate([p.numeric[c] for p in parts]) for c in NUMERIC_COLUMNS},
            fraud=np.concatenate([p.fraud for p in parts if p.fraud is not None]) if labelled else None,
            critical=(np.concatenate([p.critical for p in parts if p.critical is not None])
                      if all(p.critical is not None for p in parts) else None),
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _number(text: str, source: str, where: str, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"not a number: {text!r}", source=source, location=f"{where}, field {column!r}") from None
    if not math.isfinite(value) or value < 0:
        raise BadInput(f"must be a finite number >= 0: {text!r}", source=source,
                       location=f"{where}, field {column!r}")
    return value


def _parse(header: list[str], rows: Iterable[tuple[str, list[str]]], source: str, *, require_label: bool,
           header_at: str | None) -> Declarations:
    """Check and convert rows given as (location, cells); `header_at` names where the header is."""
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if require_label and LABEL_COLUMN not in header:
        missing.append(LABEL_COLUMN)
    if missing:
        raise BadInput(f"missing column(s): {', '.join(repr(m) for m in missing)}", source=source, location=header_at)
    pos = {name: i for i, name in enumerate(header)}
    has_label = LABEL_COLUMN in pos
    has_critical = CRITICAL_COLUMN in pos
    ids: list[str] = []
    dates: list[dt.date] = []
    cats: dict[str, list[str]] = {c: [] for c in CATEGORICAL_COLUMNS}
    nums: dict[str, list[float]] = {c: [] for c in NUMERIC_COLUMNS}
    fraud: list[int] = []
    critical: list[int] = []
    seen: set[str] = set()
    for where, row in rows:
        if len(row) != len(header):
            raise BadInput(f"{len(row)} fields, the header has {len(header)}", source=source, location=where)
        decl_id = row[pos[ID_COLUMN]].strip()
        if not decl_id:
            raise BadInput("empty", source=source, location=f"{where}, field {ID_COLUMN!r}")
        if decl_id in seen:
            raise BadInput(f"duplicate declaration id {decl_id!r}", source=source,
                           location=f"{where}, field {ID_COLUMN!r}")
        seen.add(decl_id)
        ids.append(decl_id)
        text = row[pos[DATE_COLUMN]].strip()
        try:
            dates.append(dt.date.fromisoformat(text))
        except ValueError:
            raise BadInput(f"not a YYYY-MM-DD date: {text!r}", source=source,
                           location=f"{where}, field {DATE_COLUMN!r}") from None
        for column in CATEGORICAL_COLUMNS:
            value = row[pos[column]].strip()
            if not value and column not in OPTIONAL_VALUE_COLUMNS:
                raise BadInput("empty", source=source, location=f"{where}, field {column!r}")
            cats[column].append(value)
        for column in NUMERIC_COLUMNS:
            nums[column].append(_number(row[pos[column]].strip(), source, where, column))
        if has_label:
            label = row[pos[LABEL_COLUMN]].strip()
            if label not in ("0", "1"):
                raise BadInput(f"must be 0 or 1: {label!r}", source=source,
                               location=f"{where}, field {LABEL_COLUMN!r}")
            fraud.append(int(label))
        if has_critical:
            value = row[pos[CRITICAL_COLUMN]].strip()
            if value not in ("0", "1", "2"):
                raise BadInput(f"must be 0, 1 or 2: {value!r}", source=source,
                               location=f"{where}, field {CRITICAL_COLUMN!r}")
            critical.append(int(value))
    if not ids:
        raise BadInput("no declarations", source=source)
    return Declarations(
        source=source, sha256="", ids=ids, dates=dates, categorical=cats,
        numeric={c: np.asarray(v, dtype=np.float64) for c, v in nums.items()},
        fraud=np.asarray(fraud, dtype=np.int8) if has_label else None,
        critical=np.asarray(critical, dtype=np.int8) if has_critical else None,
        extra_columns=[h for h in header if h not in REQUIRED_COLUMNS and h not in (LABEL_COLUMN, CRITICAL_COLUMN)],
    )


def read_declarations(path: Path, *, require_label: bool = False) -> Declarations:
    """Read and check a declaration CSV (UTF-8, header row). `require_label`: the Fraud column must be there."""
    source = path.name
    if not path.is_file():
        raise BadInput("file not found", source=str(path))
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise BadInput("empty file, no header row", source=source)
            rows = ((f"row {n}", row) for n, row in enumerate(reader, start=2)
                    if row and any(cell.strip() for cell in row))
            d = _parse(header, rows, source, require_label=require_label, header_at="row 1")
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=source) from None
    except csv.Error as exc:
        raise BadInput(f"bad CSV: {exc}", source=source) from None
    d.sha256 = file_sha256(path)
    return d


def declarations_from_records(records: list[dict[str, object]], *, source: str = "body") -> Declarations:
    """Declarations given as objects (column name -> value), e.g. a JSON request body; the same checks.

    A value may be a string or a number; a missing optional value (Seller ID, Courier ID) may be null.
    """
    if not records:
        raise BadInput("no declarations", source=source, location="declarations")
    header = list(REQUIRED_COLUMNS) + [c for c in (LABEL_COLUMN, CRITICAL_COLUMN) if c in records[0]]
    missing_first = [c for c in REQUIRED_COLUMNS if c not in records[0] and c not in OPTIONAL_VALUE_COLUMNS]
    if missing_first:
        raise BadInput(f"missing field(s): {', '.join(repr(m) for m in missing_first)}", source=source,
                       location="declarations[0]")

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return repr(value)
        return str(value)

    def rows() -> Iterator[tuple[str, list[str]]]:
        for i, record in enumerate(records):
            where = f"declarations[{i}]"
            if not isinstance(record, dict):
                raise BadInput("not an object", source=source, location=where)
            absent = [c for c in header if c not in record and c not in OPTIONAL_VALUE_COLUMNS]
            if absent:
                raise BadInput(f"missing field(s): {', '.join(repr(m) for m in absent)}", source=source,
                               location=where)
            yield where, [cell(record.get(c)) for c in header]

    d = _parse(header, rows(), source, require_label=False, header_at=None)
    d.sha256 = hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()
    return d
