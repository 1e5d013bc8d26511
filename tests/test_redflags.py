"""Red flags over one transaction: each flag fires on a minimal change to a clean transaction."""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dualcheck.errors import BadInput
from dualcheck.redflags import check_transaction, load_catalogue
from dualcheck.redflags.catalogue import CHPL_FILE, load_chpl

FIX = Path(__file__).parent / "fixtures" / "redflags"


def _clean() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIX / "clean.json").read_text(encoding="utf-8"))
    return doc


def _ids(result: dict[str, Any]) -> list[str]:
    return [f["id"] for f in result["flags"]]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        target: Any = doc
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return apply


def _all(*steps: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        for step in steps:
            step(doc)
    return apply


def _drop_end_user(doc: dict[str, Any]) -> None:
    doc["parties"] = [p for p in doc["parties"] if p["role"] != "end_user"]


CHPL_TIER1 = "854231"  # Electronic ICs: processors and controllers, Tier 1 in the CHPL file

CASES: dict[str, Callable[[dict[str, Any]], None]] = {
    "RF-CHPL-ITEM": _set("items.0.hs_code", CHPL_TIER1),
    "RF-CHPL-TRANSSHIP": _all(_set("items.0.hs_code", CHPL_TIER1), _set("transit_countries", ["KZ"])),
    "RF-CHPL-NO-RUSSIA-CLAUSE": _all(_set("items.0.hs_code", CHPL_TIER1), _set("destination", "CL"),
                                     _set("no_russia_clause", False)),
    "RF-DEST-TRANSSHIP": _set("destination", "AE"),
    "RF-TRANSIT-TRANSSHIP": _set("route", ["DEHAM", "AEJEA", "JPUKB"]),
    "RF-ROUTE-HIGH-RISK": _set("transit_countries", ["RU"]),
    "RF-FREE-ZONE": _set("delivery_address", "Warehouse 4, Colon Free Trade Zone, Panama"),
    "RF-PO-BOX": _set("parties.1.address", "P.O. Box 551, Kobe"),
    "RF-PARTY-COUNTRY": _set("parties.2.country", "KR"),
    "RF-FORWARDER-END-USER": _set("parties.2.name", "Kobe Express Logistics KK"),
    "RF-END-USER-MISSING": _drop_end_user,
    "RF-PURCHASER-COUNTRY": _set("parties.0.country", "SG"),
    "RF-PAY-THIRD-PARTY": _set("payment.payer_name", "Alpine Investments AG"),
    "RF-PAY-THIRD-COUNTRY": _set("payment.payer_country", "KG"),
    "RF-PAY-CASH-CRYPTO": _set("payment.method", "crypto"),
    "RF-PRICE-PREMIUM": _set("price_premium_pct", 25),
    "RF-FIRST-ORDER-RUSH": _all(_set("first_order", True), _set("rush_delivery", True)),
    "RF-EXW-BUYER-ROUTING": _set("incoterms", "EXW"),
}


def test_every_catalogue_flag_has_a_case() -> None:
    assert set(CASES) == set(load_catalogue().flags)


def test_clean_transaction_raises_no_flag(data_dir: Path) -> None:
    result = check_transaction(_clean(), data_dir)
    assert result["flags"] == [] and result["highest_severity"] is None
    assert result["facts_not_given"] == []
    assert result["catalogue_version"] == load_catalogue().version


@pytest.mark.parametrize("flag_id", sorted(CASES))
def test_each_flag_fires_on_its_minimal_fixture(flag_id: str, data_dir: Path) -> None:
    doc = _clean()
    CASES[flag_id](doc)
    result = check_transaction(doc, data_dir)
    assert flag_id in _ids(result)
    for flag in result["flags"]:
        assert flag["evidence"], flag["id"]  # no flag without evidence from the input
        assert flag["citation"] and flag["action"] and flag["severity"] in ("info", "caution", "high")


def test_chpl_read_from_the_real_file(data_dir: Path) -> None:
    with (data_dir / CHPL_FILE).open(encoding="utf-8") as fh:
        tier1 = [r["hs6"] for r in csv.DictReader(fh) if r["tier_code"] == "TIER_1"]
    assert CHPL_TIER1 in tier1
    chpl = load_chpl(data_dir)
    assert len(chpl) == 50 and chpl[CHPL_TIER1].tier == "Tier 1"
    doc = _clean()
    doc["items"][0]["hs_code"] = "8542.31.90"  # a CN/HTS code: its first six digits count
    doc["destination"] = "AE"
    result = check_transaction(doc, data_dir)
    [flag] = [f for f in result["flags"] if f["id"] == "RF-CHPL-TRANSSHIP"]
    assert flag["severity"] == "high" and result["highest_severity"] == "high"
    assert flag["evidence"]["chpl_hs6"] == CHPL_TIER1 and flag["evidence"]["chpl_tier"] == "Tier 1"
    assert flag["evidence"]["destination"] == "AE"


def test_no_russia_clause_not_needed_for_partner_or_member_destinations(data_dir: Path) -> None:
    for dest in ("JP", "US", "FR"):
        doc = _clean()
        doc.update(destination=dest, no_russia_clause=False)
        for p in doc["parties"]:
            p["country"] = dest
        doc["payment"]["payer_country"] = dest
        doc["items"][0]["hs_code"] = CHPL_TIER1
        assert _ids(check_transaction(doc, data_dir)) == ["RF-CHPL-ITEM"], dest


def test_unknown_optional_facts_raise_no_flag_and_are_named(data_dir: Path) -> None:
    doc = {"type": "export", "destination": "JP", "items": [{"id": "1", "control_codes": []}]}
    result = check_transaction(doc, data_dir)
    assert result["flags"] == []
    assert "payment" in result["facts_not_given"] and "no_russia_clause" in result["facts_not_given"]
    assert "parties" in result["facts_not_given"] and "items[0].hs_code" in result["facts_not_given"]


def test_diversion_fixture_is_high_and_deterministic(data_dir: Path) -> None:
    doc = json.loads((FIX / "diversion.json").read_text(encoding="utf-8"))
    first = check_transaction(copy.deepcopy(doc), data_dir)
    assert first == check_transaction(doc, data_dir)
    assert first["highest_severity"] == "high"
    assert {"RF-CHPL-TRANSSHIP", "RF-FORWARDER-END-USER", "RF-PAY-THIRD-PARTY", "RF-PAY-THIRD-COUNTRY",
            "RF-FREE-ZONE"} <= set(_ids(first))
    order = list(load_catalogue().flags)
    assert [order.index(i) for i in _ids(first)] == sorted(order.index(i) for i in _ids(first))


@pytest.mark.parametrize(("change", "message"), [
    (_set("route", ["DEHAM", "Atlantis"]), "field route[1]: route stop 'Atlantis'"),
    (_set("payment.method", "barter"), "field payment.method:"),
    (_set("payment.payer_country", "XX"), "field payment.payer_country: unknown country code 'XX'"),
    (_set("incoterms", "ABC"), "field incoterms: unknown Incoterms rule 'ABC'"),
    (_set("price_premium_pct", "a lot"), "field price_premium_pct:"),
    (_set("destination", "QQ"), "field destination: unknown country code"),
    (_set("items", []), "field items:"),
])
def test_bad_input_names_the_field(change: Callable[[dict[str, Any]], None], message: str, data_dir: Path) -> None:
    doc = _clean()
    change(doc)
    with pytest.raises(BadInput) as exc:
        check_transaction(doc, data_dir, source="tx.json")
    assert str(exc.value).startswith(f"tx.json: {message}")
    assert "\n" not in str(exc.value)
