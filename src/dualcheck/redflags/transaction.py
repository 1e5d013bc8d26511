"""Red flags over one transaction (the `dualcheck check` format plus optional red-flag facts).

Deterministic: flags come out in catalogue order, items in input order, and every flag carries
the input facts that raised it as evidence. An optional fact that is not given raises no flag;
it is named in `facts_not_given` instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from dualcheck.errors import BadInput
from dualcheck.redflags.catalogue import CHPL_FILE, Catalogue, hs6_of, load_catalogue, load_chpl
from dualcheck.rules.facts import COUNTRY_CODES, CountryCode, Transaction, parse_transaction

INCOTERMS = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")
OPTIONAL_FACTS = ("parties", "payment", "route", "incoterms", "delivery_address", "end_user_business",
                  "no_russia_clause", "first_order", "rush_delivery", "price_premium_pct")
SEVERITY_RANK = {"info": 1, "caution": 2, "high": 3}
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


def _route_stop(stop: str) -> str:
    code = stop.strip().upper().replace(" ", "")
    if not ((len(code) == 2 and code in COUNTRY_CODES) or (_LOCODE.match(code) and code[:2] in COUNTRY_CODES)):
        raise ValueError(f"route stop {stop!r} is neither an ISO 3166-1 alpha-2 country code "
                         "nor a UN/LOCODE port code such as AEJEA")
    return code


RouteStop = Annotated[str, AfterValidator(_route_stop)]


class Payment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    payer_name: str | None = None
    payer_country: CountryCode | None = None
    method: Literal["wire", "cash", "crypto", "letter_of_credit"] | None = None
    third_party: bool | None = None


class RedflagFacts(BaseModel):
    """The optional facts this module reads beside the contract's transaction."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    payment: Payment | None = None
    route: list[RouteStop] | None = None
    incoterms: str | None = None
    delivery_address: str | None = None
    end_user_business: str | None = None
    no_russia_clause: bool | None = None
    first_order: bool | None = None
    rush_delivery: bool | None = None
    price_premium_pct: float | None = Field(default=None, ge=-100)

    @field_validator("incoterms")
    @classmethod
    def _incoterms(cls, value: str | None) -> str | None:
        if value is None:
            return None
        term = value.strip().upper()[:3]
        if term not in INCOTERMS:
            raise ValueError(f"unknown Incoterms rule {value!r} (one of {', '.join(INCOTERMS)})")
        return term


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for piece in loc:
        out += f"[{piece}]" if isinstance(piece, int) else (f".{piece}" if out else str(piece))
    return out


def parse(doc: Any, *, source: str | None = None, tx: Transaction | None = None) -> tuple[Transaction, RedflagFacts]:
    """The contract's transaction (``tx`` when the caller parsed it already) and the red-flag facts;
    BadInput names the first faulty field."""
    tx = tx or parse_transaction(doc, source=source)
    try:
        facts = RedflagFacts.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _location(tuple(err.get("loc", ())))
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        raise BadInput(message, source=source, location=f"field {loc}" if loc else None) from None
    return tx, facts


def _norm_name(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", name.casefold()).split())


def _words_in(text: str, words: tuple[str, ...]) -> list[str]:
    low = text.casefold()
    return [w for w in words if re.search(rf"\b{re.escape(w)}\b", low)]


class _Flags:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.order = {fid: n for n, fid in enumerate(catalogue.flags)}
        self.items: list[tuple[int, int, dict[str, Any]]] = []

    def add(self, flag_id: str, **evidence: Any) -> None:
        evidence = {k: v for k, v in evidence.items() if v is not None and v != []}
        self.items.append((self.order[flag_id], len(self.items), self.catalogue.flag(flag_id, evidence)))

    def sorted(self) -> list[dict[str, Any]]:
        return [f for _o, _n, f in sorted(self.items, key=lambda t: (t[0], t[1]))]


def check_transaction(doc: Any, data_dir: Path, *, source: str | None = None,
                      tx: Transaction | None = None) -> dict[str, Any]:
    """All red flags of one transaction document (see docs/redflags.md for inputs and outputs);
    ``tx`` is the document already parsed by the transaction check, when it calls."""
    tx, facts = parse(doc, source=source, tx=tx)
    cat = load_catalogue()
    chpl = load_chpl(data_dir)
    out = _Flags(cat)
    raw = doc if isinstance(doc, dict) else {}

    dest = tx.destination
    origin = tx.exporter.country
    transit: list[str] = []
    for code in [*tx.transit_countries, *(stop[:2] for stop in facts.route or [])]:
        if code not in (dest, origin) and code not in transit:
            transit.append(code)
    parties = list(tx.parties or [])
    by_role: dict[str, list[Any]] = {}
    for p in parties:
        by_role.setdefault(p.role, []).append(p)

    # Common High Priority items
    for index, item in enumerate(tx.items):
        hs6 = hs6_of(item.hs_code)
        entry = chpl.get(hs6) if hs6 else None
        if entry is None:
            continue
        label = tx.item_label(index)
        base = {"item": label, "hs_code": item.hs_code, "chpl_hs6": entry.hs6, "chpl_tier": entry.tier,
                "chpl_description": entry.description}
        out.add("RF-CHPL-ITEM", **base)
        tp_dest = dest if dest in cat.transshipment_points else None
        tp_transit = [c for c in transit if c in cat.transshipment_points]
        if tp_dest or tp_transit:
            out.add("RF-CHPL-TRANSSHIP", **base, destination=tp_dest, transit=tp_transit)
        if (facts.no_russia_clause is False and dest is not None and dest not in cat.eu_member_states
                and dest not in cat.art12g_partners):
            out.add("RF-CHPL-NO-RUSSIA-CLAUSE", **base, destination=dest, no_russia_clause=False)

    # destination and route
    if dest in cat.transshipment_points:
        out.add("RF-DEST-TRANSSHIP", destination=dest)
    tp_transit = [c for c in transit if c in cat.transshipment_points]
    if tp_transit:
        out.add("RF-TRANSIT-TRANSSHIP", destination=dest, transit=tp_transit)
    risky = [c for c in transit if c in cat.high_risk_transit]
    if risky:
        out.add("RF-ROUTE-HIGH-RISK", destination=dest, transit=risky)

    # free zones and post office boxes in addresses
    addresses: list[tuple[str, str]] = []
    if facts.delivery_address:
        addresses.append(("delivery_address", facts.delivery_address))
    for n, p in enumerate(parties):
        if p.address:
            addresses.append((f"parties[{n}].address", p.address))
    zone_hits = {f: a for f, a in addresses if cat.free_zone.search(a)}
    if raw.get("customs_free_zone") is True or zone_hits:
        out.add("RF-FREE-ZONE", customs_free_zone=True if raw.get("customs_free_zone") is True else None,
                **zone_hits)
    box_hits = {f: a for f, a in addresses if cat.po_box.search(a)}
    if box_hits:
        out.add("RF-PO-BOX", **box_hits)

    # parties
    if dest is not None:
        for n, p in enumerate(parties):
            if p.role in ("consignee", "end_user") and p.country and p.country != dest:
                out.add("RF-PARTY-COUNTRY", party=f"parties[{n}]", role=p.role, name=p.name, country=p.country,
                        destination=dest)
    for n, p in enumerate(parties):
        if p.role == "end_user":
            hits = _words_in(p.name, cat.forwarder_words)
            if hits:
                out.add("RF-FORWARDER-END-USER", party=f"parties[{n}]", name=p.name, words=hits)
    if facts.end_user_business:
        hits = _words_in(facts.end_user_business, cat.forwarder_words)
        if hits:
            out.add("RF-FORWARDER-END-USER", end_user_business=facts.end_user_business, words=hits)
    if tx.parties is not None and "end_user" not in by_role:
        out.add("RF-END-USER-MISSING", roles_given=sorted(by_role))
    for buyer in by_role.get("purchaser", []):
        for user in by_role.get("end_user", []):
            if buyer.country and user.country and buyer.country != user.country:
                out.add("RF-PURCHASER-COUNTRY", purchaser=buyer.name, purchaser_country=buyer.country,
                        end_user=user.name, end_user_country=user.country)

    # payment
    pay = facts.payment
    if pay is not None:
        names = {_norm_name(p.name) for p in parties}
        if pay.third_party is True:
            out.add("RF-PAY-THIRD-PARTY", third_party=True, payer_name=pay.payer_name)
        elif pay.payer_name and parties and _norm_name(pay.payer_name) not in names:
            out.add("RF-PAY-THIRD-PARTY", payer_name=pay.payer_name, parties=[p.name for p in parties])
        known = {c for c in [dest, *(p.country for p in parties)] if c}
        if pay.payer_country and known and pay.payer_country not in known:
            out.add("RF-PAY-THIRD-COUNTRY", payer_country=pay.payer_country, countries_of_transaction=sorted(known),
                    transshipment_point=True if pay.payer_country in cat.transshipment_points else None)
        if pay.method in ("cash", "crypto"):
            out.add("RF-PAY-CASH-CRYPTO", method=pay.method)

    # commercial terms
    premium = facts.price_premium_pct
    if premium is not None and premium >= cat.price_premium_pct:
        out.add("RF-PRICE-PREMIUM", price_premium_pct=premium, threshold_pct=cat.price_premium_pct)
    if facts.first_order is True and (facts.rush_delivery is True or (premium is not None and premium > 0)):
        out.add("RF-FIRST-ORDER-RUSH", first_order=True, rush_delivery=facts.rush_delivery,
                price_premium_pct=premium if premium is not None and premium > 0 else None)
    if facts.incoterms in ("EXW", "FCA"):
        out.add("RF-EXW-BUYER-ROUTING", incoterms=facts.incoterms)

    flags = out.sorted()
    not_given = [f for f in OPTIONAL_FACTS if raw.get(f) is None]
    not_given += [f"items[{i}].hs_code" for i, item in enumerate(tx.items) if not item.hs_code]
    highest = max((f["severity"] for f in flags), key=SEVERITY_RANK.__getitem__, default=None)
    return {"transaction_id": tx.id, "flags": flags, "highest_severity": highest,
            "catalogue_version": cat.version, "facts_not_given": not_given,
            "data_versions": {"chpl": CHPL_FILE.name}}

