"""Generate a synthetic customer/supplier master for the batch-screening benchmark (fixed seed).

Usage: .venv/bin/python benchmarks/screening/make_counterparties.py OUT.csv [N]
Faker names of many cultures (persons and companies) with a country; not committed (100,000 rows).
Then: dualcheck counterparties import OUT.csv && time dualcheck counterparties screen
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

from faker import Faker
from make_sets import FAKER_LOCALES, SEED


def main() -> None:
    out, n = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rng = random.Random(SEED + 1)
    fakers = {loc: Faker(loc) for loc in FAKER_LOCALES}
    for i, loc in enumerate(FAKER_LOCALES):
        fakers[loc].seed_instance(SEED + 100 + i)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ref", "name", "schema", "country"])
        for i in range(n):
            loc = rng.choice(FAKER_LOCALES)
            fake = fakers[loc]
            company = rng.random() < 0.4
            name = fake.company() if company else fake.name()
            country = loc.split("_")[1] if loc.split("_")[1] not in ("AA",) else ""
            writer.writerow([f"CP-{i:06d}", name, "Organization" if company else "Person", country])
    print(f"{n} counterparties -> {out}")


if __name__ == "__main__":
    main()
