"""The US view: Commerce Country Chart lookups (15 CFR 738.4) for an ECCN and a destination.

Information only (dualcheck decides under EU law); the chart data and its caveats come from the
loaded `us-country-chart` version.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dualcheck.controls.catalog import ControlCatalog

_CHART_COLUMN_RE = re.compile(r"\b(CB|NP|NS|MT|RS|FC|CC|AT)\s+Column\s+(\d)")


def _chart_country(chart: dict[str, Any], country: str) -> tuple[str | None, str | None]:
    """ISO code or name -> (row name in the chart, note) using the chart's own aliases."""
    from rigour.territories import get_territory

    names = [country]
    territory = get_territory(country.lower()) if len(country) == 2 else None
    if territory is not None:
        names = [territory.name, territory.full_name or territory.name, country]
    rows = chart.get("countries") or {}
    embargoed = chart.get("embargoed") or {}
    aliases = {k.lower(): v for k, v in (chart.get("aliases") or {}).items()}
    inherit = {k.lower(): v for k, v in (chart.get("territoryInheritance") or {}).items()}
    for name in names:
        low = name.lower().replace(" sar", "")
        if low in inherit:
            return inherit[low]["row"], inherit[low]["basis"]
        for candidate in (name, aliases.get(low)):
            if candidate and (candidate in rows or candidate in embargoed):
                return candidate, None
        for row_name in (*rows, *embargoed):
            if row_name.lower() == low:
                return row_name, None
    return None, None


def us_licence_required(catalog: ControlCatalog, eccn: str, country: str) -> tuple[bool | None, list[str]]:
    entry = catalog.lookup_eccn(eccn)
    if entry is None:
        return None, [f"{eccn}: not an ECCN of the loaded US CCL"]
    chart = catalog.us_chart
    if not chart:
        return None, ["no US Commerce Country Chart loaded"]
    row, note = _chart_country(chart, country)
    if row is None:
        return None, [f"{country}: not a row of the Commerce Country Chart; indeterminate (15 CFR 738.3(b))"]
    reasons = [f"{country} is read from the chart row {row!r}" + (f" ({note})" if note else "")]
    if row in (chart.get("embargoed") or {}):
        return None, [*reasons, f"{row}: {chart['embargoed'][row]['pointer']}"]
    marks = set((chart["countries"][row] or {}).get("marks") or [])
    required: bool | None = False
    for control in entry.chart_controls:
        text = control.get("countryChart", "")
        columns = [f"{a} {b}" for a, b in _CHART_COLUMN_RE.findall(text)]
        if not columns:
            reasons.append(f"{control.get('control', '')}: {text} (not decided by the chart)")
            if required is False:
                required = None
            continue
        for column in columns:
            if column in marks:
                required = True
                reasons.append(f"{control.get('control', '')}: X in column {column} for {row} "
                               f"(15 CFR 738.4(a)(2)): licence required unless a licence exception applies")
            else:
                reasons.append(f"{control.get('control', '')}: no X in column {column} for {row}")
    if not entry.chart_controls:
        required = None
        reasons.append(f"{entry.eccn}: no reasons for control with a chart column in the CCL data")
    if required is False:
        reasons.append(str((chart.get("procedure") or {}).get("noMarkCaveat", "")))
    return required, reasons
