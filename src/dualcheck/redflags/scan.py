"""Anomalies over a shipment history: `dualcheck redflags scan SHIPMENTS.csv`.

CSV format (header row, UTF-8, comma separated; column order free, extra columns kept):
required `date` (YYYY-MM-DD), `customer`, `destination` (ISO 3166-1 alpha-2), `hs_code` (at
least 2 digits; dots and spaces allowed), `quantity` (> 0), `value` (>= 0), `currency` (ISO 4217,
three letters); optional `shipment_id`, `consignee_country` (ISO alpha-2), `unit`.

Each row is judged against the same customer's earlier rows (by date, then file order) only, so
the result for a row does not depend on later shipments, except the splitting and growth flags,
which mark every row of the window or quarter that trips them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dualcheck.errors import BadInput
from dualcheck.redflags.catalogue import CHPL_FILE, hs6_of, load_catalogue, load_chpl
from dualcheck.redflags.transaction import SEVERITY_RANK
from dualcheck.rules.facts import COUNTRY_CODES

REQUIRED = ("date", "customer", "destination", "hs_code", "quantity", "value", "currency")
MAD_SCALE = 1.4826  # makes the median absolute deviation comparable to a standard deviation


@dataclass(frozen=True)
class ScanParams:
    min_history: int = 5            # earlier rows needed before value/quantity outliers are judged
    novelty_min_history: int = 3    # earlier rows needed before a destination or HS chapter counts as new
    z_threshold: float = 3.5        # |robust z| at or above this is an outlier
    min_log_scale: float = 0.25     # floor of the robust scale in log units (customers with constant orders)
    history_window: int = 250       # outliers are judged against at most this many latest earlier rows
    split_threshold: float = 10000.0
    split_band: float = 0.10        # "just under": value in [threshold * (1 - band), threshold)
    split_window_days: int = 30
    split_min_count: int = 3
    growth_factor: float = 2.0      # quarter total >= factor x mean of the earlier quarters
    growth_min_quarters: int = 2    # earlier quarters (empty ones count as 0) needed


@dataclass
class Row:
    line: int
    raw: dict[str, str]
    date: dt.date
    customer: str
    destination: str
    hs_code: str
    hs6: str | None
    chapter: str
    quantity: float
    value: float
    currency: str
    consignee_country: str | None
    flags: list[dict[str, Any]] = field(default_factory=list)


def _number(text: str, name: str, where: dict[str, str], *, positive: bool) -> float:
    try:
        value = float(text.replace(",", "")) if text.strip() else math.nan
    except ValueError:
        raise BadInput(f"not a number: {text!r}", **where) from None
    if math.isnan(value) or math.isinf(value):
        raise BadInput("missing (required)" if not text.strip() else f"not a number: {text!r}", **where)
    if (positive and value <= 0) or value < 0:
        raise BadInput(f"{name} must be {'greater than 0' if positive else '0 or more'}, got {text!r}", **where)
    return value


def read_shipments(text: str, *, source: str) -> tuple[list[str], list[Row]]:
    """Parse and validate the CSV; BadInput names the file, row (line number) and field."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        raise BadInput("empty file: a header row is required", source=source)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadInput(f"missing column(s) {', '.join(missing)}", source=source, location="row 1 (header)")
    reader.fieldnames = header
    rows: list[Row] = []
    for n, rec in enumerate(reader, start=2):
        if None in rec:
            raise BadInput("more cells than header columns", source=source, location=f"row {n}")
        rec = {k: (v or "").strip() for k, v in rec.items()}
        if not any(rec.values()):
            continue

        def where(name: str, n: int = n) -> dict[str, str]:
            return {"source": source, "location": f"row {n}, field {name}"}

        for name in REQUIRED:
            if not rec.get(name):
                raise BadInput("missing (required)", **where(name))
        try:
            date = dt.date.fromisoformat(rec["date"]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec["date"]) else None
        except ValueError:
            date = None
        if date is None:
            raise BadInput(f"not a YYYY-MM-DD date: {rec['date']!r}", **where("date"))
        dest = rec["destination"].upper()
        if dest not in COUNTRY_CODES:
            raise BadInput(f"unknown country code {rec['destination']!r} (ISO 3166-1 alpha-2 expected)",
                           **where("destination"))
        digits = re.sub(r"[\s.\-]", "", rec["hs_code"])
        if not re.fullmatch(r"\d{2,}", digits):
            raise BadInput(f"HS code {rec['hs_code']!r} must be at least 2 digits", **where("hs_code"))
        currency = rec["currency"].upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise BadInput(f"currency {rec['currency']!r} must be a three-letter ISO 4217 code", **where("currency"))
        consignee = (rec.get("consignee_country") or "").upper() or None
        if consignee is not None and consignee not in COUNTRY_CODES:
            raise BadInput(f"unknown country code {rec['consignee_country']!r} (ISO 3166-1 alpha-2 expected)",
                           **where("consignee_country"))
        rows.append(Row(line=n, raw=rec, date=date, customer=rec["customer"], destination=dest,
                        hs_code=rec["hs_code"], hs6=hs6_of(digits), chapter=digits[:2],
                        quantity=_number(rec["quantity"], "quantity", where("quantity"), positive=True),
                        value=_number(rec["value"], "value", where("value"), positive=False),
                        currency=currency, consignee_country=consignee))
    return header, rows


def robust_z(value: float, history: list[float], floor: float) -> tuple[float, float, float]:
    """(z, median, scale) of log(value) against log(history): z = (ln x - median) / max(1.4826 MAD, floor)."""
    logs = [math.log(max(h, 1e-9)) for h in history]
    med = statistics.median(logs)
    mad = statistics.median(abs(x - med) for x in logs)
    scale = max(MAD_SCALE * mad, floor)
    return (math.log(max(value, 1e-9)) - med) / scale, med, scale


def _quarter(d: dt.date) -> int:
    return d.year * 4 + (d.month - 1) // 3


def _quarter_label(q: int) -> str:
    return f"{q // 4}-Q{q % 4 + 1}"


def scan_rows(rows: list[Row], data_dir: Path, params: ScanParams,
              advance: Callable[[int], None] | None = None) -> None:
    """Attach the flags to each row (in place)."""
    cat = load_catalogue()
    chpl = load_chpl(data_dir)
    ordered = sorted(rows, key=lambda r: (r.date, r.line))
    history: dict[str, int] = defaultdict(int)
    seen_dest: dict[str, set[str]] = defaultdict(set)
    seen_chapter: dict[str, set[str]] = defaultdict(set)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    quantities: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    window = params.history_window
    for row in ordered:
        earlier = history[row.customer]
        if earlier >= params.novelty_min_history:
            if row.destination not in seen_dest[row.customer]:
                row.flags.append(cat.flag("SC-NEW-DESTINATION", {
                    "customer": row.customer, "destination": row.destination,
                    "earlier_destinations": sorted(seen_dest[row.customer]), "earlier_rows": earlier}))
            if row.chapter not in seen_chapter[row.customer]:
                row.flags.append(cat.flag("SC-NEW-HS-CHAPTER", {
                    "customer": row.customer, "hs_chapter": row.chapter,
                    "earlier_chapters": sorted(seen_chapter[row.customer]), "earlier_rows": earlier}))
        same_cur = values[(row.customer, row.currency)][-window:]
        same_hs = quantities[(row.customer, row.hs6)][-window:] if row.hs6 is not None else []
        for flag_id, what, amount, earlier_amounts, context in (
                ("SC-VALUE-OUTLIER", "value", row.value if row.value > 0 else None, same_cur,
                 {"currency": row.currency}),
                ("SC-QUANTITY-OUTLIER", "quantity", row.quantity, same_hs, {"hs6": row.hs6})):
            if amount is None or len(earlier_amounts) < params.min_history:
                continue
            z, med, scale = robust_z(amount, earlier_amounts, params.min_log_scale)
            if abs(z) >= params.z_threshold:
                row.flags.append(cat.flag(flag_id, {
                    what: amount, **context, "robust_z": round(z, 2),
                    f"history_median_{what}": round(math.exp(med), 2), "log_scale": round(scale, 3),
                    "history_rows": len(earlier_amounts)}))
        if row.consignee_country and row.consignee_country != row.destination:
            row.flags.append(cat.flag("SC-CONSIGNEE-COUNTRY", {
                "consignee_country": row.consignee_country, "destination": row.destination}))
        history[row.customer] += 1
        seen_dest[row.customer].add(row.destination)
        seen_chapter[row.customer].add(row.chapter)
        if row.value > 0:
            values[(row.customer, row.currency)].append(row.value)
        if row.hs6 is not None:
            quantities[(row.customer, row.hs6)].append(row.quantity)
        if advance:
            advance(1)
    _splitting(ordered, params, cat.flag)
    _chpl_growth(ordered, params, cat, chpl)


def _splitting(ordered: list[Row], params: ScanParams, flag: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    low = params.split_threshold * (1 - params.split_band)
    in_band: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in ordered:
        if low <= row.value < params.split_threshold:
            in_band[(row.customer, row.currency)].append(row)
    for (customer, currency), group in in_band.items():
        marked: dict[int, list[Row]] = {}
        left = 0
        for i, row in enumerate(group):  # group is in date order: a sliding window ending at each row
            while (row.date - group[left].date).days >= params.split_window_days:
                left += 1
            window = group[left:i + 1]
            if len(window) >= params.split_min_count:
                for r in window:
                    prev = marked.get(r.line)
                    if prev is None or len(window) > len(prev):
                        marked[r.line] = window
        for row in group:
            if row.line in marked:
                window = marked[row.line]
                row.flags.append(flag("SC-SPLITTING", {
                    "customer": customer, "threshold": params.split_threshold, "currency": currency,
                    "window_days": params.split_window_days, "rows": [r.line for r in window],
                    "values": [r.value for r in window]}))


def _chpl_growth(ordered: list[Row], params: ScanParams, cat: Any, chpl: dict[str, Any]) -> None:
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in ordered:
        if row.hs6 in chpl and row.destination in cat.transshipment_points:
            groups[(row.customer, row.destination, row.currency)].append(row)
    for (customer, dest, currency), group in groups.items():
        totals: dict[int, float] = defaultdict(float)
        for row in group:
            totals[_quarter(row.date)] += row.value
        first = min(totals)
        for q in sorted(totals):
            earlier = [totals.get(p, 0.0) for p in range(first, q)]
            if len(earlier) < params.growth_min_quarters:
                continue
            baseline = sum(earlier) / len(earlier)
            if baseline > 0 and totals[q] >= params.growth_factor * baseline:
                for row in group:
                    if _quarter(row.date) == q:
                        row.flags.append(cat.flag("SC-CHPL-GROWTH", {
                            "customer": customer, "destination": dest, "quarter": _quarter_label(q),
                            "quarter_total": round(totals[q], 2), "currency": currency,
                            "earlier_quarterly_mean": round(baseline, 2), "earlier_quarters": len(earlier),
                            "chpl_hs6": row.hs6}))


def scan_file(path: Path, data_dir: Path, params: ScanParams | None = None,
              advance: Callable[[int], None] | None = None) -> tuple[dict[str, Any], list[str], list[Row]]:
    """Read, validate and scan a shipment CSV; returns the report, the header and the rows."""
    params = params or ScanParams()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read ({getattr(exc, 'strerror', None) or exc})", source=str(path)) from None
    header, rows = read_shipments(text, source=str(path))
    scan_rows(rows, data_dir, params, advance)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for f in row.flags:
            counts[f["id"]] += 1
    report = {
        "file": path.name, "rows": len(rows), "flagged_rows": sum(1 for r in rows if r.flags),
        "flags_by_id": dict(sorted(counts.items())),
        "flagged": [{"row": r.line, "shipment_id": r.raw.get("shipment_id") or None, "date": r.date.isoformat(),
                     "customer": r.customer, "highest_severity": highest(r), "flags": r.flags}
                    for r in rows if r.flags],
        "parameters": asdict(params), "catalogue_version": load_catalogue().version,
        "data_versions": {"chpl": CHPL_FILE.name},
    }
    return report, header, rows


def highest(row: Row) -> str | None:
    return max((f["severity"] for f in row.flags), key=SEVERITY_RANK.__getitem__, default=None)


def write_flagged(out: Path, header: list[str], rows: list[Row]) -> None:
    """The input rows with `redflags` (ids, ';'-separated) and `highest_severity` columns; written whole."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*header, "redflags", "highest_severity"])
    for row in rows:
        writer.writerow([*(row.raw.get(h, "") for h in header), ";".join(f["id"] for f in row.flags),
                         highest(row) or ""])
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BadInput(f"cannot write ({exc.strerror})", source=str(out)) from None
