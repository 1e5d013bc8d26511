"""Compute the token document frequencies that weight name tokens (src/.../screening/data/).

Usage: .venv/bin/python benchmarks/screening/make_token_frequencies.py [DATA_DIR]
Counts, over every name and alias of the OFAC SDN (2024-05-03 and the 2021-07 alias file) and
the UK OFSI list, in how many names each normalised token occurs; keeps tokens seen in at least
MIN_DF names. Deterministic: same files, same output.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from rawnames import sdn_entities, uk_entities

from dualcheck.config import get_settings
from dualcheck.screening.normalize import prepare_name
from dualcheck.screening.tokens import FREQUENCIES_FILE

MIN_DF = 5


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else get_settings().effective_data_dir
    lists = data / "lists"
    entities = list(sdn_entities(lists / "ofac_sdn" / "sdn_2024-05-03.csv").values())
    entities += list(sdn_entities(lists / "ofac_legacy_2021-07" / "sdn.csv",
                                  lists / "ofac_legacy_2021-07" / "alt.csv").values())
    entities += list(uk_entities(lists / "uk" / "UK_OFSI_ConList_2025-04-10.csv").values())
    counts: Counter[str] = Counter()
    names = 0
    for entity in entities:
        for name in {entity.primary, *entity.aliases, *entity.variants}:
            tokens = set(prepare_name(name, entity.schema).tokens)
            if tokens:
                names += 1
                counts.update(tokens)
    frequent = {t: n for t, n in sorted(counts.items()) if n >= MIN_DF}
    doc = {"source": "OFAC SDN 2024-05-03 and 2021-07 aliases, UK OFSI 2025-04-10 (names only)",
           "min_df": MIN_DF, "names": names, "frequencies": frequent}
    FREQUENCIES_FILE.write_text(json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=False) + "\n",
                                encoding="utf-8")
    print(f"{names} names, {len(frequent)} tokens with df >= {MIN_DF} -> {FREQUENCIES_FILE.name}")


if __name__ == "__main__":
    main()
