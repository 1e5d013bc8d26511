"""Build the labelled screening evaluation sets from the real lists (fixed seed, reproducible).

Usage: .venv/bin/python benchmarks/screening/make_sets.py [DATA_DIR]

Writes, beside this script:
- pairs.csv            schema,name1,name2,is_match,kind: labelled name pairs for `dualcheck bench pairs`
                       (aliases count as positives when they are variants of the name, i.e. share a word)
- screen_positives.csv listed names with realistic variation, for `bench screen --expect match`
- screen_negatives.csv non-listed names of many cultures (Faker locales), for `--expect no-match`

Positives come from the lists themselves: names the list says belong to one entity (OFAC
a.k.a.s, UK "primary name variation"s, UK names in their original script), and listed names
with the variation that real queries show (typos, word order, missing middle names, legal-form
spellings, case and punctuation). Negatives are different listed entities with similar names
(same surname, shared tokens, shared legal form), hand-written hard negatives (hard_negatives.csv)
and random pairs. A negative pair whose two names normalise to the same tokens is dropped: no
name matcher can tell such entities apart, that is the job of dates and identifiers.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from faker import Faker
from rawnames import RawEntity, sdn_entities, uk_entities
from rigour.text import ascii_text

from dualcheck.config import get_settings
from dualcheck.screening.normalize import prepare_name

HERE = Path(__file__).resolve().parent
SEED = 20261123
LEGAL_FORM_SWAPS = [("LLC", "Limited Liability Company"), ("LTD", "Limited"), ("OOO", "LLC"),
                    ("CO., LTD.", "Company Limited"), ("JSC", "Joint Stock Company"), ("GMBH", "GmbH"),
                    ("INC.", "Incorporated"), ("CORPORATION", "Corp."), ("COMPANY", "Co.")]
FAKER_LOCALES = ["en_US", "en_GB", "en_IN", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "pt_PT",
                 "nl_NL", "sv_SE", "da_DK", "no_NO", "fi_FI", "pl_PL", "cs_CZ", "hu_HU", "ro_RO", "tr_TR",
                 "ru_RU", "uk_UA", "el_GR", "ar_AA", "fa_IR", "he_IL", "hi_IN", "zh_CN", "zh_TW", "ja_JP",
                 "ko_KR", "vi_VN", "id_ID", "th_TH", "fil_PH", "bg_BG", "hr_HR", "sk_SK", "lt_LT", "ka_GE"]


def typo(name: str, rng: random.Random) -> str:
    """One realistic keyboard slip in one of the longer tokens."""
    tokens = name.split()
    long_ones = [i for i, t in enumerate(tokens) if len(t) >= 5 and t.isalpha()]
    if not long_ones:
        return name
    i = rng.choice(long_ones)
    t = tokens[i]
    pos = rng.randrange(1, len(t) - 1)
    kind = rng.choice(["drop", "double", "swap", "replace"])
    if kind == "drop":
        t = t[:pos] + t[pos + 1:]
    elif kind == "double":
        t = t[:pos] + t[pos] + t[pos:]
    elif kind == "swap":
        t = t[:pos] + t[pos + 1] + t[pos] + t[pos + 2:]
    else:
        vowels = "aeiou" if t[pos].islower() else "AEIOU"
        t = t[:pos] + (rng.choice(vowels) if t[pos] in vowels else t[pos]) + t[pos + 1:]
    tokens[i] = t
    return " ".join(tokens)


def natural_order(entity: RawEntity) -> str:
    """'LAST, First Middle' as a person writes it: 'First Middle Last'."""
    if entity.schema == "Person" and ", " in entity.primary:
        last, first = entity.primary.split(", ", 1)
        return f"{first} {last.title()}"
    return entity.primary


def drop_middle(name: str) -> str | None:
    tokens = name.split()
    if len(tokens) < 3:
        return None
    return " ".join([tokens[0], *tokens[2:]])


def legal_form_variant(name: str) -> str | None:
    upper = name.upper()
    for short, long in LEGAL_FORM_SWAPS:
        if upper.endswith(" " + short):
            return name[: -len(short)] + long
    return None


def casing(name: str) -> str:
    return "".join(ch for ch in name.lower().title() if ch not in ",.'\"-")


def shares_word(a: str, b: str) -> bool:
    """An alias that is a variant of the name (shares a word of 3+ letters), not another identity
    ("a.k.a. Abu Ali"): screening matches such an alias directly, it is not a name-variation case."""
    def words(text: str) -> set[str]:
        return {w for w in re.split(r"[^a-z]+", ascii_text(text).lower()) if len(w) >= 3}
    return bool(words(a) & words(b))


def same_tokens(a: str, b: str, schema: str) -> bool:
    return sorted(prepare_name(a, schema).tokens) == sorted(prepare_name(b, schema).tokens)


def _take(rows: list[tuple[str, str, str, bool, str]], limit: int, rng: random.Random,
          ) -> list[tuple[str, str, str, bool, str]]:
    rng.shuffle(rows)
    return rows[:limit]


def positive_pairs(sdn: dict[str, RawEntity], uk: dict[str, RawEntity], rng: random.Random,
                   ) -> list[tuple[str, str, str, bool, str]]:
    out: list[tuple[str, str, str, bool, str]] = []
    uk_list, sdn_list = sorted(uk.values(), key=lambda e: e.key), sorted(sdn.values(), key=lambda e: e.key)
    out += _take([(e.schema, e.primary, v, True, "uk_spelling_variant") for e in uk_list for v in e.variants[:1]],
                 700, rng)
    out += _take([(e.schema, e.primary, s, True, "uk_original_script") for e in uk_list for s in e.script_names[:1]],
                 500, rng)
    out += _take([(e.schema, natural_order(e), a, True, "ofac_aka_person")
                  for e in sdn_list if e.schema == "Person" for a in e.aliases[:2] if shares_word(e.primary, a)],
                 600, rng)
    out += _take([(e.schema, e.primary, a, True, "ofac_aka_organization")
                  for e in sdn_list if e.schema == "Organization" for a in e.aliases[:2] if shares_word(e.primary, a)],
                 400, rng)
    everyone = sdn_list + uk_list
    out += _take([(e.schema, e.primary, typo(natural_order(e), rng), True, "typo")
                  for e in everyone if e.schema != "Vessel"], 600, rng)
    out += _take([(e.schema, e.primary, natural_order(e), True, "word_order")
                  for e in sdn_list if e.schema == "Person" and ", " in e.primary], 400, rng)
    out += _take([(e.schema, natural_order(e), m, True, "missing_middle_name")
                  for e in everyone if e.schema == "Person" and (m := drop_middle(natural_order(e)))], 400, rng)
    out += _take([(e.schema, e.primary, v, True, "legal_form_spelling")
                  for e in everyone if e.schema == "Organization" and (v := legal_form_variant(e.primary))], 300, rng)
    out += _take([(e.schema, e.primary, casing(natural_order(e)), True, "case_and_punctuation")
                  for e in everyone], 200, rng)
    return [r for r in out if r[1].strip() and r[2].strip() and (r[1] != r[2] or r[4] == "case_and_punctuation")]


def negative_pairs(entities: list[RawEntity], rng: random.Random) -> list[tuple[str, str, str, bool, str]]:
    by_surname: dict[str, list[RawEntity]] = defaultdict(list)
    by_token: dict[str, list[RawEntity]] = defaultdict(list)
    by_form: dict[tuple[str, ...], list[RawEntity]] = defaultdict(list)
    for e in entities:
        prepared = prepare_name(e.primary, e.schema)
        if e.schema == "Person" and e.last_name:
            by_surname[e.last_name.upper()].append(e)
        for token in set(prepared.tokens):
            if len(token) >= 4:
                by_token[token].append(e)
        if e.schema == "Organization" and prepared.org_classes:
            by_form[prepared.org_classes].append(e)

    def pairs_from(groups: dict, kind: str, limit: int) -> list[tuple[str, str, str, bool, str]]:
        rows = []
        for key in sorted(groups):
            group = groups[key]
            if len(group) < 2:
                continue
            a, b = rng.sample(group, 2)
            if a.key != b.key and a.source == b.source and not same_tokens(a.primary, b.primary, a.schema):
                rows.append((a.schema, natural_order(a), natural_order(b), False, kind))
        return _take(rows, limit, rng)

    out = pairs_from(by_surname, "same_surname", 900)
    out += pairs_from({k: v for k, v in by_token.items() if len(v) <= 40}, "shared_name_token", 1200)
    out += pairs_from(by_form, "shared_legal_form", 400)
    random_rows = []
    for _ in range(600):
        a, b = rng.sample(entities, 2)
        if a.schema == b.schema and a.key != b.key:
            random_rows.append((a.schema, natural_order(a), natural_order(b), False, "random"))
    out += random_rows[:500]
    with (HERE / "hard_negatives.csv").open(encoding="utf-8", newline="") as fh:
        out += [(r["schema"], r["name1"], r["name2"], False, "hand_written") for r in csv.DictReader(fh)]
    return out


def screen_positives(entities: list[RawEntity], rng: random.Random) -> list[dict[str, str]]:
    rows = []
    chosen = rng.sample([e for e in entities if e.schema in ("Person", "Organization")], 2500)
    person_variations = ["exact", "typo", "word_order", "missing_middle_name", "case_and_punctuation", "alias"]
    organization_variations = ["exact", "typo", "case_and_punctuation", "alias", "legal_form_spelling"]
    for e in chosen:
        kind = rng.choice(person_variations if e.schema == "Person" else organization_variations)
        name = natural_order(e)
        if kind == "legal_form_spelling":
            name = legal_form_variant(name) or name
        if kind == "typo":
            name = typo(name, rng)
        elif kind == "missing_middle_name":
            name = drop_middle(name) or name
        elif kind == "case_and_punctuation":
            name = casing(name)
        elif kind == "alias" and (e.aliases or e.variants):
            name = rng.choice(e.aliases + e.variants)
        rows.append({"full_name": name, "first_name": e.first_name if e.schema == "Person" else "",
                     "last_name": e.last_name if e.schema == "Person" else "",
                     "date_of_birth": e.birth_date, "nationality": e.nationality,
                     "schema": e.schema, "variation": kind, "source": f"{e.source}:{e.key}"})
    return rows[:2000]


def screen_negatives(listed: set[tuple[str, ...]], rng: random.Random) -> tuple[list[dict[str, str]], int]:
    rows, dropped = [], 0
    fakers = {loc: Faker(loc) for loc in FAKER_LOCALES}
    for i, (_, fake) in enumerate(sorted(fakers.items())):
        fake.seed_instance(SEED + i)
    while len(rows) < 10_500:
        loc = rng.choice(FAKER_LOCALES)
        fake = fakers[loc]
        is_company = rng.random() < 0.15
        if is_company:
            name, first, last, gender = fake.company(), "", "", ""
        else:
            female = rng.random() < 0.5
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name()
            name, gender = f"{first} {last}", "female" if female else "male"
        if tuple(sorted(prepare_name(name, "Organization" if is_company else "Person").tokens)) in listed:
            dropped += 1  # a generated name that is a listed name is not a negative
            continue
        dob = "" if is_company else fake.date_of_birth(minimum_age=18, maximum_age=90).isoformat()
        rows.append({"full_name": name, "first_name": first, "last_name": last, "gender": gender,
                     "date_of_birth": dob, "nationality": loc.split("_")[1] if not is_company else "",
                     "schema": "Organization" if is_company else "Person", "locale": loc})
    return rows, dropped


def eu_names(lists: Path) -> list[str]:
    """Names and aliases of the EU list (derived CSV): generated names equal to one are not negatives."""
    with (lists / "eu" / "eu_fsf_names_derived_2025-05.csv").open(encoding="utf-8", newline="") as fh:
        return [n.strip() for row in csv.DictReader(fh) for n in [row["Name"], *row["Alias"].split(", ")] if n.strip()]


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path.name}: {len(rows)} rows")


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else get_settings().effective_data_dir
    lists = data / "lists"
    rng = random.Random(SEED)
    sdn_old = sdn_entities(lists / "ofac_legacy_2021-07" / "sdn.csv", lists / "ofac_legacy_2021-07" / "alt.csv")
    sdn_now = sdn_entities(lists / "ofac_sdn" / "sdn_2024-05-03.csv")
    uk = uk_entities(lists / "uk" / "UK_OFSI_ConList_2025-04-10.csv")
    pairs = positive_pairs(sdn_old, uk, rng)
    pairs += negative_pairs(sorted(sdn_old.values(), key=lambda e: e.key) + sorted(uk.values(), key=lambda e: e.key),
                            rng)
    write(HERE / "pairs.csv", [{"schema": s, "name1": a, "name2": b, "is_match": "true" if m else "false",
                                "kind": k} for s, a, b, m, k in pairs])
    current = sorted(sdn_now.values(), key=lambda e: e.key) + sorted(uk.values(), key=lambda e: e.key)
    write(HERE / "screen_positives.csv", screen_positives(current, rng))
    listed = {tuple(sorted(prepare_name(n, e.schema).tokens))
              for e in current for n in (e.primary, *e.aliases, *e.variants)}
    listed |= {tuple(sorted(prepare_name(n, "LegalEntity").tokens)) for n in eu_names(lists)}
    negatives, dropped = screen_negatives(listed, rng)
    write(HERE / "screen_negatives.csv", negatives)
    print(f"{dropped} generated names dropped because they are listed names")


if __name__ == "__main__":
    main()
