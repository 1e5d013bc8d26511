"""The legal content in rules/data agrees with the reference data it was transcribed from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from dualcheck.rules import RuleSet, load_ruleset
from dualcheck.rules.ruleset import EUGEA_FILE, RULES_DATA


@pytest.fixture(scope="module")
def rules(data_dir: Path) -> RuleSet:
    return load_ruleset(data_dir)


@pytest.fixture(scope="module")
def reference(data_dir: Path) -> dict[str, dict[str, object]]:
    doc = json.loads((data_dir / EUGEA_FILE).read_text(encoding="utf-8"))
    return {"_provenance": doc["_provenance"], **{g["id"]: g for g in doc["eugeas"]}}


def _mentioned(code: str, text: str) -> bool:
    """A code like 3A001.a.10 appears in the verbatim text as '3A001.a.10' or '3A001.a.10.'."""
    return re.search(re.escape(code) + r"(?![0-9])", text) is not None


def test_every_eugea_item_code_is_in_the_verbatim_annex_ii_text(rules: RuleSet, reference: dict) -> None:
    for gid, gea in rules.eugeas.items():
        text = reference[gid]["verbatim_text"]
        for code in (*gea.items.codes, *gea.items.exclude):
            if gid == "EU006":  # EU006 lists 1C350 by point number: "1C350: 1. Thiodiglycol ..."
                entry, _, point = code.partition(".")
                sub = point.split(".")
                assert entry in text and re.search(rf"(^|\n|; |\s){sub[-1]}\. ", text), code
                continue
            assert _mentioned(code, text), f"{gid}: {code} not in the Annex II text"


def test_eu006_skips_exactly_the_points_the_text_skips(rules: RuleSet, reference: dict) -> None:
    text = str(reference["EU006"]["verbatim_text"])
    part = text.split("1C350:", 1)[1].split("1C450.a.:", 1)[0]
    numbers = {int(n) for n in re.findall(r"(?:^|\n|; |\s)(\d{1,2})\. ", part)}
    covered = {int(c.split(".")[1]) for c in rules.eugeas["EU006"].items.codes if c.startswith("1C350.")}
    assert covered == numbers
    assert {4, 23, 29}.isdisjoint(covered)


def test_section_i_codes_are_in_the_section_i_text(rules: RuleSet, reference: dict) -> None:
    text = str(reference["_provenance"]["section_I_common_exclusion_list"])
    for code in rules.section_i:
        assert _mentioned(code, text), code
    assert "all items specified in Annex IV" in text


def test_destinations_come_from_destinations_effective(rules: RuleSet) -> None:
    assert rules.eugeas["EU001"].destinations == {"AU", "CA", "IS", "JP", "NZ", "NO", "CH", "LI", "GB", "US"}
    assert rules.eugeas["EU002"].destinations == {"AR", "ZA", "KR", "TR"}
    for gid in ("EU003", "EU004", "EU005"):  # Russia removed by Delegated Regulation (EU) 2022/699
        assert "RU" not in rules.eugeas[gid].destinations
        assert {"CN", "HK", "MO"} <= rules.eugeas[gid].destinations
    eu008 = rules.eugeas["EU008"].destinations
    assert {"BR", "TH", "VN"} <= eu008
    assert eu008.isdisjoint({"US", "CN", "RU", "IR", "KP", "HT", "DE", "FR"})


def test_every_measure_and_provision_is_cited_and_dated(rules: RuleSet) -> None:
    assert all(p.citation.startswith(("Regulation (EU) 2021/821", "Treaty", "Union restrictive measures"))
               for p in rules.provisions.values())
    for measure in rules.measures:
        doc = measure.doc
        assert re.search(r"Council Regulation \((EU|EC)\)", doc.citation), measure.id
        assert doc.effect in ("PROHIBITED", "LICENCE_REQUIRED", "NEEDS_INFORMATION")
        assert doc.valid_to is None or doc.valid_from <= doc.valid_to
    sanctions = yaml.safe_load((RULES_DATA / "sanctions.yaml").read_text(encoding="utf-8"))
    assert all(m.get("sanctions_map_regime") for m in sanctions["measures"]), "each measure names its evidence"


def test_arms_embargoes_and_annex_iv_are_read_from_the_data(rules: RuleSet) -> None:
    # the reference file's 20 regimes, less China's 1989 political declaration (no arms embargo in the
    # sense of Art. 2(19)), plus the OSCE embargo on Armenia and Azerbaijan
    assert len(rules.arms_embargoes) == 21 and {"RU", "BY", "VE", "MM", "AM", "AZ"} <= set(rules.arms_embargoes)
    assert "CN" not in rules.arms_embargoes and "political declaration" in rules.not_arms_embargoes["CN"]
    assert rules.annex_iv_entry("9A004") is not None
    assert rules.annex_iv_entry("0B001.a") is not None  # "Category 0 (all, with exceptions)"
    assert rules.annex_iv_entry("5A002.a.2") is None


def test_version_changes_with_the_content(data_dir: Path, tmp_path: Path) -> None:
    base = load_ruleset(data_dir)
    national = tmp_path / "national.yaml"
    national.write_text("version: x\nmeasures: []\n", encoding="utf-8")
    assert load_ruleset(data_dir, national).version != base.version
    assert load_ruleset(data_dir).version == base.version
