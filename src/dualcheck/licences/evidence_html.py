"""Human-readable pages of an evidence pack: one per check report, and an index of the whole pack."""

from __future__ import annotations

import html
import json
from typing import Any

STYLE = ("body{font-family:sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem}"
         "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3rem;"
         "text-align:left;vertical-align:top}pre{background:#f6f6f6;padding:1rem;overflow:auto}")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>")


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>" if rows else "<p>none</p>"


def render_check_html(report: Any, title: str) -> str:
    """Outcome, reasons with their citations, items, then the full report."""
    doc = report.get("report", report) if isinstance(report, dict) else {}
    reasons = [[r.get("rule"), r.get("citation"), r.get("detail")] for r in doc.get("reasons") or []
               if isinstance(r, dict)]
    items = [[i.get("id"), i.get("outcome"), ", ".join(i.get("authorisations") or [])] for i in doc.get("items") or []
             if isinstance(i, dict)]
    flags = [[f.get("id"), f.get("severity"), f.get("text"), json.dumps(f.get("evidence"), ensure_ascii=False),
              f.get("citation")] for f in (doc.get("red_flags") or {}).get("flags") or [] if isinstance(f, dict)]
    body = (f"<p>Outcome: <b>{html.escape(str(doc.get('outcome', '(not stated)')))}</b>; as of "
            f"{html.escape(str(doc.get('as_of', '')))}</p><h2>Reasons</h2>"
            f"{_table(['rule', 'citation', 'detail'], reasons)}<h2>Items</h2>"
            f"{_table(['item', 'outcome', 'authorisations'], items)}"
            f"<h2>Red flags (advisory)</h2>{_table(['flag', 'severity', 'text', 'evidence', 'citation'], flags)}"
            f"<h2>Full report</h2>"
            f"<pre>{html.escape(json.dumps(report, ensure_ascii=False, indent=2, default=str))}</pre>")
    return _page(title, body)


def render_index_html(manifest: dict[str, Any], checks: list[dict[str, Any]], holds: list[dict[str, Any]],
                      licence_use: dict[str, Any], export: dict[str, Any]) -> str:
    scope = manifest["scope"]
    what = f"transaction {scope['transaction_id']}" if scope["transaction_id"] else \
        f"period {scope['from'] or '…'} to {scope['to'] or '…'}"
    checkpoint = export["checkpoint"]
    check_rows = [[c["check_id"], (c["report"] or {}).get("outcome") if isinstance(c["report"], dict) else None,
                   c["ledger_seq"], c["matches_ledger"]] for c in checks]
    hold_rows = [[h["transaction_id"], h["outcome"], h["status"],
                  "; ".join(f"{d['action']} by {d['actor']} ({d['role']}): {d['reason']}" for d in h["decisions"])]
                 for h in holds]
    use_rows = [[m["at"], m["kind"], m["transaction_id"], m["detail"].get("licence") or m["detail"].get("registration"),
                 m["detail"].get("quantity"), m["detail"].get("unit"), m["detail"].get("value"),
                 m["detail"].get("currency")] for m in licence_use["movements"]]
    record_rows = [[r["seq"], r["created_at"], r["kind"], r["actor"], r["subject"]] for r in export["records"]]
    body = (f"<p>Evidence pack for {html.escape(what)}, produced {html.escape(manifest['created_at'])}. "
            f"The ledger records below are proven against checkpoint {checkpoint['seq']} signed by key "
            f"<code>{html.escape(checkpoint['key_id'])}</code>: see README.txt.</p>"
            f"<h2>Checks</h2>{_table(['check', 'outcome', 'ledger record', 'report matches ledger'], check_rows)}"
            f"<h2>Holds</h2>{_table(['transaction', 'outcome', 'status', 'decisions'], hold_rows)}"
            f"<h2>Licence use</h2>"
            f"{_table(['time', 'kind', 'transaction', 'licence', 'quantity', 'unit', 'value', 'currency'], use_rows)}"
            f"<h2>Ledger records</h2>{_table(['seq', 'time', 'kind', 'actor', 'subject'], record_rows)}")
    return _page(f"Evidence pack: {what}", body)
