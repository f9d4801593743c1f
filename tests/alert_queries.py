"""Saved-search queries for the alerts benchmark and tests: a fixed-seed mix of what people
save (the dev queries, thesaurus terms in en/fr/es as words and as "phrases", AND, NOT, a
few wildcards, fuzzy words and filters)."""

from __future__ import annotations

import json
import random
from pathlib import Path

THESAURUS = Path(__file__).resolve().parents[1] / "indexer" / "data" / "thesaurus.json"


def saved_queries(n: int, dev_queries: Path | None = None, seed: int = 24) -> list[str]:
    rng = random.Random(seed)
    concepts = json.loads(THESAURUS.read_text(encoding="utf-8"))["concepts"]
    terms = [t for c in concepts for lang in ("en", "fr", "es")
             for t in c["terms"].get(lang, [])[:2] if 1 <= len(t.split()) <= 4]
    base = []
    if dev_queries is not None and dev_queries.exists():
        base = [json.loads(line)["q"] for line in dev_queries.read_text("utf-8").splitlines()
                if line.strip()]
    words = sorted({w.strip(",.;:()").lower() for t in terms for w in t.split()
                    if len(w) > 5 and w.isalpha()})
    out = list(base)
    while len(out) < n:
        kind = rng.random()
        term = rng.choice(terms)
        if kind < 0.45:
            q = term
        elif kind < 0.70:
            q = f'"{term}"'
        elif kind < 0.78:
            q = f"{rng.choice(words)} AND {rng.choice(words)}"
        elif kind < 0.84:
            q = f"{term} NOT {rng.choice(words)}"
        elif kind < 0.88:
            q = rng.choice(words)[:5] + "*"
        elif kind < 0.91:
            q = rng.choice(words) + "~"
        elif kind < 0.96:
            q = f"{term} lang:{rng.choice(['en', 'fr', 'es'])}"
        else:
            q = f"{term} series:{rng.choice(['GCM', 'SDG', 'UNGA'])}"
        out.append(q)
    return out[:n]
