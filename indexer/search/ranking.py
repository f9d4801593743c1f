"""The ranking that is ours, engine-neutral: series prior, fusion of the typed words' and the
expansions' rankings by the share of typed words a passage stands for, near copies folded,
language versions folded. Pure functions over (stored fields, score) lists: testable without
an index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import add, and_, lshift, or_, sub

from indexer.query.plan import Node, Part

# Prior by series: the programme's texts (GCM, GCR, NYD, SDG, NUA, GFMD, Mayors, WMR, UNSG)
# at full weight; general UN documents a little lower, so that a GA or Security Council text
# mentioning "local authorities" in passing does not push the Compacts off the first page.
SERIES_PRIOR = {"UNGA": 0.85, "other": 0.8}
PRIOR_DEPTH = 200  # results re-weighted by the prior
# Passages whose word 3-shingles overlap this much (Jaccard) with one ranked above are shown
# once: the same paragraph in two extractions of one document, or repeated verbatim but for
# a name or a date across a series' yearly resolutions. 0.5 and 0.85 folded the same
# dev-query results as 0.7.
NEAR_DUPLICATE = 0.7
# ...among the first NEAR_DUPLICATE_DEPTH passages shown; further down only identical wording
# is folded (near copies score alike, so they stand together near the top).
NEAR_DUPLICATE_DEPTH = 300
COPIES_LISTED = 10  # folded copies a hit lists (the passages ranked, not every repeat)
# Reciprocal-rank fusion of typed-word and expansion rankings (k as in Cormack et al. 2009);
# an expansion's ranking counts a little less so that ties go to the query's own language
# (0.9 measured worse: it pushed each language's best expansion hit below rank 7).
RRF_K = 60
FUSION_EXPANSION_WEIGHT = 0.98

Ranked = list[tuple[dict, float]]


@dataclass(frozen=True)
class Ranking:
    """One ranked list of the fusion: its weight, its query plan, and its parts."""
    weight: float
    query: Node
    parts: list[Part]


def with_prior(scored: Ranked) -> Ranked:
    """Relevance weighted by the series prior, best first."""
    out = [(f, sc * SERIES_PRIOR.get(f.get("series", ""), 1.0)) for f, sc in scored]
    out.sort(key=lambda fs: -fs[1])
    return out


def top_with_prior(fetch: Callable[[int, int], Ranked], n: int,
                   depth: int = PRIOR_DEPTH) -> Ranked:
    """The top n passages by relevance times series prior, near copies folded, reading
    candidates (`fetch(limit, offset)`, in relevance order) only as far as needed, at most
    `depth`. Priors are at most 1, so no candidate not yet read can weigh more than the last
    one read scored: once n distinct passages weigh at least that, they are the top n.
    Reading a fixed 200 per list took a third of a search (stored records decoded)."""
    batch = max(2 * n, 20)
    # Deep pages read deeper: a cap below 2n ended a 100-a-page list at its second page.
    depth = max(depth, 2 * n)
    raw: Ranked = []
    while True:
        got = fetch(batch, len(raw))
        raw.extend(got)
        weighted = with_prior(raw)
        if len(got) < batch or len(raw) >= depth:
            return unique(weighted, limit=n)
        bound = raw[-1][1]
        settled = [(dict(f), sc) for f, sc in weighted if sc >= bound]  # copies: unique
        if len(unique(settled, limit=n)) >= n:  # ... adds to the records it folds into
            return unique(weighted, limit=n)
        batch *= 2


def share(have: Container, parts: list[Part], n_words: int) -> float:
    """The share of the typed words a passage with the (field, term) pairs `have` stands
    for (a concept's variant wording counts its weight of the concept's words)."""
    covered: dict[int, float] = {}
    for part in parts:
        value = part.value(have)
        for i in part.covers:
            covered[i] = max(covered.get(i, 0.0), value)
    return sum(covered.values()) / n_words


def fuse(lists: list[tuple[Ranking, Ranked]], n: int, n_words: int,
         matched: Callable[[dict], Container] | None) -> Ranked:
    """Reciprocal-rank fusion of the typed words' ranking and each other language's
    expansion ranking, so that the best passages in the query's language and the best in
    each other language all reach the first page. Summing BM25 scores instead let a long
    expansion phrase outweigh the very paragraph the user typed.

    With `n_words` typed words, a passage's rank counts in proportion to the share of the
    words it stands for (`matched(fields)` gives its (field, term) pairs): the typed words it
    has, or in an expansion list the words of the concepts whose terms it has. Otherwise the
    first places went to passages with one of the words, or with one of several concepts,
    ahead of passages with them all. Each list keeps its own order (a share only lowers the
    places after it): the BM25 order within a list is not undone."""
    fused: dict[str, list] = {}
    for ranking, ranked in lists:
        cap = float("inf")
        use_share = matched is not None and ranking.parts and n_words > 1
        for rank, (fields, _score) in enumerate(ranked):
            part = (share(matched(fields), ranking.parts, n_words)
                    if use_share and matched is not None else 1.0)
            cap = min(cap, ranking.weight * part / (RRF_K + rank + 1))
            entry = fused.setdefault(wording(fields), [fields, 0.0])
            # max, not sum: a passage both lists find (a French article matching an English
            # query's words through the accent-folded field) is not doubled.
            entry[1] = max(entry[1], cap)
    ordered = sorted(fused.values(), key=lambda e: -e[1])
    # Each list is folded on its own; near copies from different lists meet here.
    return unique([(fields, score) for fields, score in ordered[:n]])


def wording(fields: dict) -> str:
    """A passage's wording without its own label (case, spacing and punctuation ignored):
    `20. Promote faster, safer…` in the GCM's list of objectives and the heading
    `Objective 20: Promote faster, safer…` are the same text. Kept in `fields`."""
    if "_wording" not in fields:
        fields["_wording"] = _wording(fields.get("content", ""), fields.get("label") or "")
    return fields["_wording"]


# Remembered by text: the same passages come up in a query's several lists and in the next
# queries, each time as a fresh copy of their record (a string's hash is computed once).
@lru_cache(maxsize=5_000)
def _wording(content: str, label: str) -> str:
    words = re.findall(r"\w+", content.casefold())
    label_words = re.findall(r"\w+", label.casefold())
    if label_words and words[:len(label_words)] == label_words and len(words) > len(label_words):
        words = words[len(label_words):]
    return " ".join(words)


@lru_cache(maxsize=5_000)
def _shingles(text: str) -> tuple[frozenset[int], tuple[int, ...]]:
    """A wording's word 3-shingles, each as a number, and the prefix of them that the
    near-copy test indexes (see unique).

    A shingle's number is its 56-bit hash (within a process two different shingles of two
    passages share one about never; set operations on numbers are several times faster than
    on tuples of words), under its letters' count, negated, in the top byte: in number order
    the longest shingles come first. Long shingles (`comprehensive intergovernmental
    negotiations`) are rare and short ones (`of the united`) common, so prefixes made of
    long ones seldom meet."""
    words = text.split()
    # (the same in C-level maps: a generator over the shingles took most of the time)
    lengths = list(map(len, words))
    letters = map(add, map(add, lengths, lengths[1:]), lengths[2:])
    rank = map(lshift, map(max, map(sub, repeat(255), letters), repeat(0)), repeat(56))
    hashes = map(and_, map(hash, zip(words, words[1:], words[2:], strict=False)), repeat(_LOW))
    found = frozenset(map(or_, rank, hashes))
    if not found:
        found = frozenset([hash(tuple(words)) & _LOW])
    size = len(found)
    # Two wordings whose Jaccard is NEAR_DUPLICATE or more share at least
    # floor(NEAR_DUPLICATE * size) shingles, so they share one among the first
    # size - that + 1 of each in any fixed order (prefix filtering, Chaudhuri et al. 2006):
    # only those are indexed and looked up.
    keep = size - max(1, int(NEAR_DUPLICATE * size)) + 1
    return found, tuple(sorted(found)[:keep])


_LOW = (1 << 56) - 1


def unique(ranked: Ranked, limit: int | None = None) -> Ranked:
    """Fold passages whose wording repeats, or nearly repeats (NEAR_DUPLICATE), one ranked
    above into it: a document indexed twice or extracted twice, a heading repeated in a list
    under another label, a paragraph a later resolution repeats. The folded passages are
    kept in the survivor's fields as `_copies` (see Hit.copies). Stops once `limit`
    passages are kept.

    A passage folds into the first passage kept above whose shingles it overlaps that much,
    among the first NEAR_DUPLICATE_DEPTH kept. Comparing each with all of those before it
    was most of the ranking's time; only those sharing a shingle of the prefixes (see
    _shingles) can overlap that much, and only they are compared."""
    first: dict[str, int] = {}  # wording -> its place in `out`
    compared: list[tuple[int, frozenset, int]] = []  # (shingle count, shingles, place)
    # a prefix shingle -> the first compared passage holding it (dictionary operations in
    # bulk: most shingles are one passage's), and the others holding it
    by_prefix: dict[int, int] = {}
    more: dict[int, list[int]] = {}
    out: Ranked = []
    for fields, score in ranked:
        key = wording(fields)
        place = first.get(key)
        if place is None and len(compared) < NEAR_DUPLICATE_DEPTH:
            held = fields.get("_shingles")
            if held is None:  # kept: fusion folds the same passages again
                held = fields["_shingles"] = _shingles(key)
            shingles, prefix = held
            size = len(shingles)
            best = None
            shared = by_prefix.keys() & prefix
            if shared:
                near = {by_prefix[sh] for sh in shared}
                for sh in shared:
                    near.update(more.get(sh, ()))
                for j in sorted(near):  # the first that overlaps enough
                    other_size, other, _place = compared[j]
                    # Jaccard >= NEAR_DUPLICATE needs the smaller set to be at least that
                    # share of the larger: most pairs are ruled out by size alone.
                    if NEAR_DUPLICATE * max(size, other_size) > min(size, other_size):
                        continue
                    n = len(shingles & other)
                    if n >= NEAR_DUPLICATE * (size + other_size - n):
                        best = j
                        break
            if best is not None:
                place = compared[best][2]
            else:
                j = len(compared)
                compared.append((size, shingles, len(out)))
                new = dict.fromkeys(prefix, j)
                for sh in shared:
                    del new[sh]
                    more.setdefault(sh, []).append(j)
                by_prefix.update(new)
        if place is not None:
            kept = out[place][0]
            listed = kept.setdefault("_copies", [])
            # Copies folded in an earlier pass come along (one of them may be `kept` itself).
            known = {kept["passage_id"], *(c["passage_id"] for c in listed)}
            for folded in [fields, *fields.pop("_copies", [])]:
                if len(listed) < COPIES_LISTED and folded["passage_id"] not in known:
                    known.add(folded["passage_id"])
                    listed.append(folded)
            continue
        if limit is not None and len(out) >= limit:
            break
        first[key] = len(out)
        out.append((fields, score))
    return out


def fold_language_versions(ranked: Ranked, prefer_lang: str = "") -> Ranked:
    """One place per paragraph (same work, same label), at its best-ranked language version's
    rank; the others are linked from it as `versions`. The version shown is the one in the
    query's language when it is among the ranked passages."""
    place: dict[tuple[str, str], int] = {}
    out: Ranked = []
    for fields, score in ranked:
        key = fields.get("label_key", "")
        if not key:
            out.append((fields, score))
            continue
        ident = (fields.get("work", ""), key)
        if ident not in place:
            place[ident] = len(out)
            out.append((fields, score))
        elif prefer_lang and fields.get("lang") == prefer_lang:
            i = place[ident]
            if out[i][0].get("lang") != prefer_lang:
                out[i] = (fields, out[i][1])
    return out
