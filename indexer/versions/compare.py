"""Paragraph alignment and word diff between two versions of a text (pure; no store, no engine).

`align(a, b)` pairs each passage of document A with its counterpart in document B:

1. **Similarity.** Each passage becomes a set of word bigrams (lower-cased, accents folded, its
   leading number `23.` or `(c)` left out, so renumbering alone changes nothing). Two passages
   score by the Dice coefficient of their bigram sets. Bigrams rather than a character ratio
   (difflib, Levenshtein): they are cheap to compare through an inverted index (only passages
   sharing a bigram are ever scored, so a 400 x 400 pair costs thousands of comparisons, not
   160,000 string alignments), they ignore a paragraph's moved clauses but not its changed
   words, and containment (`|A ∩ B| / |B|`) over the same sets tells a split or merged
   paragraph. The same label (by `label_key`) and section add a small bonus: hints that break
   ties between near-equal candidates, never a match alone.
2. **Order-preserving alignment.** The heaviest chain of candidate pairs increasing in both
   documents (a weighted longest common subsequence over the sparse candidates, with a
   Fenwick tree: O(k log n)).
3. **Moved paragraphs.** Among what is left, the best remaining pairs, greedily by score.
4. **Split and merged paragraphs.** A leftover passage of B mostly contained in a paired
   passage of A is a part of it split off (and the reverse for a merge).
5. What is still unpaired is "removed" (A only) or "added" (B only).

Then a word-level diff inside each pair (difflib over word and punctuation tokens).
Everything is deterministic: ties are broken by position, never by hashing or set order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import chain

from indexer.analysis import fold_accents
from indexer.labels import label_key
from indexer.models import Passage

MATCH = 0.5  # Dice of bigrams for two passages to be the same paragraph (in order)
MOVED = 0.6  # ... out of order: a stricter bar, so that boilerplate does not pair at random
CONTAIN = 0.75  # ... or: share of the smaller one's bigrams found in the larger (in order only)
PART = 0.6  # share of a leftover passage's bigrams found in a paired one: split or merge
LABEL_BONUS = 0.05
SECTION_BONUS = 0.02

STATUSES = ("unchanged", "changed", "added", "removed")

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s])")  # a word or a mark, with the spaces before it
# A paragraph's own number at its start: `23.`, `10.7`, `(c)`, `16(a)`, `IV.`, `Article 14.`
_LEADING_LABEL = re.compile(
    r"^\s*(?:(?:\d+(?:\.\d+)*\.?(?:\s*\([a-z]{1,4}\))?)|\([a-z0-9]{1,5}\)|[IVXLC]{1,6}\.)\s+",
    re.IGNORECASE)


def body(text: str) -> str:
    """The passage's text without its leading paragraph number."""
    return _LEADING_LABEL.sub("", text, count=1)


def fold(text: str) -> str:
    """Lower-cased, accents folded (also decomposed ones), for matching words."""
    return fold_accents(unicodedata.normalize("NFC", text).lower())


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def shingles(text: str) -> frozenset:
    w = words(body(text))
    if len(w) < 2:
        return frozenset(w)
    return frozenset(zip(w, w[1:], strict=False))


@dataclass
class Pair:
    """One row of a comparison: a passage of A, of B, or both."""

    status: str  # unchanged | changed | added | removed
    a: Passage | None
    b: Passage | None
    similarity: float = 0.0
    moved: bool = False  # paired out of the documents' common order
    part: str = ""  # "split" (A's paragraph became several in B) | "merged" (the reverse)
    diff: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"status": self.status, "a": _side(self.a), "b": _side(self.b),
                "diff": self.diff, "similarity": round(self.similarity, 3),
                "moved": self.moved, "part": self.part or None}


def _side(p: Passage | None) -> dict | None:
    if p is None:
        return None
    return {"passage_id": p.passage_id, "label": p.label, "text": p.text,
            "section": p.section, "page": p.page_label}


@dataclass
class Comparison:
    a: str  # doc ids
    b: str
    pairs: list[Pair]

    def summary(self, pairs: list[Pair] | None = None) -> dict:
        pairs = self.pairs if pairs is None else pairs
        out = {s: 0 for s in STATUSES}
        for p in pairs:
            out[p.status] += 1
        out["moved"] = sum(p.moved for p in pairs)
        out["split"] = sum(p.part == "split" for p in pairs)
        out["merged"] = sum(p.part == "merged" for p in pairs)
        return out

    def only(self, phrase: str) -> list[Pair]:
        """The pairs where either side has the words of `phrase` in a row (case and accents
        ignored; each word may be the start of a longer one: `authorit` finds both forms)."""
        want = words(phrase)
        if not want:
            return list(self.pairs)
        return [p for p in self.pairs
                if any(x is not None and _has_run(words(x.text), want) for x in (p.a, p.b))]

    def to_json(self, only: str = "") -> dict:
        pairs = self.only(only) if only.strip() else self.pairs
        out = {"a": self.a, "b": self.b, "summary": self.summary(pairs),
               "pairs": [p.to_json() for p in pairs]}
        if only.strip():
            out["only"] = only.strip()
            out["summary_all"] = self.summary()
        return out


def _has_run(text_words: list[str], want: list[str]) -> bool:
    n = len(want)
    for i in range(len(text_words) - n + 1):
        if all(text_words[i + k].startswith(want[k]) for k in range(n)):
            return True
    return False


# ------------------------------------------------------------------ alignment

def _dice(x: frozenset, y: frozenset, common: int) -> float:
    total = len(x) + len(y)
    return 2 * common / total if total else 1.0


def _candidates(sa: list[frozenset], sb: list[frozenset]) -> dict[tuple[int, int], int]:
    """(i, j) -> number of shared bigrams, for the pairs sharing a bigram that is not common
    to many passages ("of the", "calls upon States": every pair would share them), with the
    exact count then taken by set intersection."""
    where: dict = {}
    for j, s in enumerate(sb):
        for g in s:
            where.setdefault(g, []).append(j)
    frequent = max(8, (len(sa) + len(sb)) // 40)
    where = {g: js for g, js in where.items() if len(js) <= frequent}
    common: dict[tuple[int, int], int] = {}
    empty: list[int] = []
    for i, s in enumerate(sa):
        shared = Counter(chain.from_iterable(where.get(g, empty) for g in s))
        # a pair that can reach the bars below shares at least a few rare bigrams
        need = 1 if len(s) < 12 else 2
        for j in sorted(j for j, n in shared.items() if n >= need):
            common[(i, j)] = len(s & sb[j])
    return common


def _heaviest_chain(points: list[tuple[int, int, float]], nb: int) -> list[tuple[int, int]]:
    """The set of points (i, j, weight), strictly increasing in i and j, of greatest total
    weight (ties: the earlier point wins). Fenwick tree over j of (best total, point)."""
    tree: list[tuple[float, int]] = [(0.0, -1)] * (nb + 1)

    def query(j: int) -> tuple[float, int]:  # best chain ending at some j' < j
        best = (0.0, -1)
        while j > 0:
            if tree[j][0] > best[0]:
                best = tree[j]
            j -= j & -j
        return best

    def update(j: int, value: tuple[float, int]) -> None:
        j += 1
        while j <= nb:
            if value[0] > tree[j][0]:
                tree[j] = value
            j += j & -j

    back: list[int] = []
    totals: list[float] = []
    order = sorted(range(len(points)), key=lambda k: (points[k][0], points[k][1]))
    k = 0
    while k < len(order):
        # points of one row of A are all computed before any is added: i strictly increases
        row_end = k
        while row_end < len(order) and points[order[row_end]][0] == points[order[k]][0]:
            row_end += 1
        found = []
        for idx in order[k:row_end]:
            _, j, w = points[idx]
            prev_total, prev = query(j)
            found.append((idx, prev_total + w, prev))
        for idx, total, prev in found:
            while len(totals) <= idx:
                totals.append(0.0)
                back.append(-1)
            totals[idx], back[idx] = total, prev
            update(points[idx][1], (total, idx))
        k = row_end
    if not totals:
        return []
    end = max(range(len(totals)), key=lambda x: (totals[x], -x))
    chain = []
    while end != -1:
        chain.append((points[end][0], points[end][1]))
        end = back[end]
    return chain[::-1]


def align(a: list[Passage], b: list[Passage], doc_a: str = "", doc_b: str = "") -> Comparison:
    """Pair the passages of A (in reading order) with those of B; see the module's docstring."""
    sa = [shingles(p.text) for p in a]
    sb = [shingles(p.text) for p in b]
    common = _candidates(sa, sb)
    score: dict[tuple[int, int], float] = {}  # Dice of the pairs that may be the same
    contained: dict[tuple[int, int], float] = {}  # overlap coefficient of the same pairs
    for (i, j), c in common.items():
        s = _dice(sa[i], sb[j], c)
        smaller = min(len(sa[i]), len(sb[j]))
        # A paragraph that grew (a longer list of resolutions recalled) or that the PDF's
        # text broke in two keeps most of its words in the other: it may pair in order.
        if s >= MATCH or (smaller >= 3 and c / smaller >= CONTAIN):
            score[(i, j)] = s
            contained[(i, j)] = c / smaller
    # passages with no words (a lone number, a rule) pair only with the same empty text
    for i, x in enumerate(a):
        if not sa[i]:
            for j, y in enumerate(b):
                if not sb[j] and body(x.text).strip() == body(y.text).strip():
                    score[(i, j)] = 1.0

    def weight(i: int, j: int) -> float:
        w = (score[(i, j)] + contained.get((i, j), 1.0)) / 2
        if a[i].label and label_key(a[i].label) == label_key(b[j].label):
            w += LABEL_BONUS
        if a[i].section and a[i].section == b[j].section:
            w += SECTION_BONUS
        return w

    points = sorted((i, j, weight(i, j)) for (i, j) in score)
    a_to_b: dict[int, int] = {}
    b_to_a: dict[int, int] = {}
    for i, j in _heaviest_chain(points, len(b)):
        a_to_b[i], b_to_a[j] = j, i
    moved: set[int] = set()
    # moved paragraphs: the best pairs among the leftovers
    rest = sorted(((-weight(i, j), i, j) for (i, j), s in score.items()
                   if s >= MOVED and i not in a_to_b and j not in b_to_a))
    for _, i, j in rest:
        if i not in a_to_b and j not in b_to_a:
            a_to_b[i], b_to_a[j] = j, i
            moved.add(i)
    # split (a leftover B inside a paired A) and merged (a leftover A inside a paired B)
    split_of: dict[int, int] = {}  # j -> i
    merged_into: dict[int, int] = {}  # i -> j
    # The part must bring words its paragraph's partner lacks: a leftover that only repeats
    # the pair's shared wording (boilerplate, a duplicate) is added or removed, not a part.
    for (i, j), c in sorted(common.items()):
        if c < PART * min(len(sa[i]), len(sb[j])):
            continue
        if j not in b_to_a and i in a_to_b:
            novel = len((sb[j] & sa[i]) - sb[a_to_b[i]])
            if novel >= PART * len(sb[j]) and (j not in split_of or c > common[(split_of[j], j)]):
                split_of[j] = i
        if i not in a_to_b and j in b_to_a:
            novel = len((sa[i] & sb[j]) - sa[b_to_a[j]])
            if novel >= PART * len(sa[i]) and (
                    i not in merged_into or c > common[(i, merged_into[i])]):
                merged_into[i] = j

    pairs = _in_reading_order(a, b, a_to_b, b_to_a, moved, split_of, merged_into, score,
                              common, sa, sb)
    return Comparison(doc_a, doc_b, pairs)


def _contained(common: dict, sets: list, i: int, j: int, size: int) -> float:
    """Share of a split or merged part's bigrams found in the paragraph it belongs to."""
    return common.get((i, j), 0) / size if size else 0.0


def _in_reading_order(a, b, a_to_b, b_to_a, moved, split_of, merged_into, score,
                      common, sa, sb) -> list[Pair]:
    """Rows in B's reading order (the newer text), with A's removed passages placed after
    the row of their nearest preceding A passage, and split/merged parts next to their
    paragraph."""
    extra_b: dict[int, list[int]] = {}  # i -> B parts split off A[i]
    for j, i in sorted(split_of.items()):
        extra_b.setdefault(i, []).append(j)
    extra_a: dict[int, list[int]] = {}  # j -> A parts merged into B[j]
    for i, j in sorted(merged_into.items()):
        extra_a.setdefault(j, []).append(i)

    rows: list[Pair] = []
    placed_a: set[int] = set()

    def emit_removed_after(i_last: int) -> None:
        """Removed passages of A that follow A[i_last] and precede the next paired one."""
        k = i_last + 1
        while k < len(a) and k not in a_to_b:
            if k not in merged_into and k not in placed_a:
                rows.append(Pair("removed", a[k], None))
                placed_a.add(k)
            k += 1

    emit_removed_after(-1)
    for j, y in enumerate(b):
        if j in split_of:
            continue  # shown with the paragraph it was split from
        if j not in b_to_a:
            rows.append(Pair("added", None, y))
            continue
        i = b_to_a[j]
        parts_b = [j] + extra_b.get(i, [])
        parts_a = [i] + extra_a.get(j, [])
        if len(parts_b) > 1:
            for jj in parts_b:
                sim = score.get((i, jj)) or _contained(common, sb, i, jj, len(sb[jj]))
                rows.append(_pair(a[i], b[jj], sim, i in moved, "split",
                                  whole_b=[b[x] for x in parts_b]))
        elif len(parts_a) > 1:
            for ii in parts_a:
                sim = score.get((ii, j)) or _contained(common, sa, ii, j, len(sa[ii]))
                rows.append(_pair(a[ii], y, sim, i in moved, "merged",
                                  whole_a=[a[x] for x in parts_a]))
            placed_a.update(parts_a)
        else:
            rows.append(_pair(a[i], y, score[(i, j)], i in moved))
        placed_a.add(i)
        if i not in moved:
            emit_removed_after(i)
    for k in range(len(a)):  # anything not yet placed (after a moved paragraph)
        if k not in placed_a and k not in a_to_b and k not in merged_into:
            rows.append(Pair("removed", a[k], None))
    return rows


def _pair(x: Passage, y: Passage, similarity: float, moved: bool, part: str = "",
          whole_a: list[Passage] | None = None, whole_b: list[Passage] | None = None) -> Pair:
    if part == "split" and whole_b:
        diff = _part_diff(body(x.text), [body(p.text) for p in whole_b],
                          whole_b.index(y), side="b")
    elif part == "merged" and whole_a:
        diff = _part_diff(body(y.text), [body(p.text) for p in whole_a],
                          whole_a.index(x), side="a")
    else:
        diff = word_diff(body(x.text), body(y.text))
    same = not part and all(op["op"] == "equal" for op in diff)
    return Pair("unchanged" if same else "changed", x, y, similarity, moved, part, diff)


# ------------------------------------------------------------------ word diff

def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _keys(toks: list[str]) -> list[str]:
    """What is compared: the token without its spaces (`life - saving` = `life-saving`, a
    line-break artefact of the PDF text, is no change)."""
    return [t.strip() for t in toks]


def word_diff(old: str, new: str) -> list[dict]:
    """[{"op": "equal" | "delete" | "insert", "text"}], words and punctuation compared as
    written (a changed comma is a change; a different run of spaces is not)."""
    return _ops(tokens(old), tokens(new))


def _ops(ta: list[str], tb: list[str]) -> list[dict]:
    key_a, key_b = _keys(ta), _keys(tb)
    if key_a == key_b:
        return [{"op": "equal", "text": "".join(tb).strip()}] if tb else []
    sm = SequenceMatcher(None, key_a, key_b, autojunk=False)
    out: list[dict] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1]["op"] == op:
            out[-1]["text"] += text
        else:
            out.append({"op": op, "text": text})

    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            add("equal", "".join(tb[j1:j2]))
        else:
            add("delete", "".join(ta[i1:i2]))
            add("insert", "".join(tb[j1:j2]))
    return _tidy(out)


def _tidy(ops: list[dict]) -> list[dict]:
    """Runs of one kind merged, the first text without its leading spaces, empty ones
    dropped."""
    out: list[dict] = []
    for op in ops:
        text = op["text"] if out else op["text"].lstrip()
        if not text:
            continue
        if out and out[-1]["op"] == op["op"]:
            out[-1]["text"] += text
        else:
            out.append({"op": op["op"], "text": text})
    return out


def _part_diff(whole: str, parts: list[str], index: int, side: str) -> list[dict]:
    """The diff between one paragraph and several (split: side "b"; merged: side "a"),
    cut to the part `index`: the words of that part, with the changes that fall in it."""
    t_whole = tokens(whole)
    bounds, joined = [], []
    for part in parts:
        start = len(joined)
        joined.extend(tokens(part))
        bounds.append((start, len(joined)))
    lo, hi = bounds[index]
    ta, tb = (t_whole, joined) if side == "b" else (joined, t_whole)
    sm = SequenceMatcher(None, _keys(ta), _keys(tb), autojunk=False)
    out: list[dict] = []

    def add(op: str, text: str) -> None:
        if text:
            if out and out[-1]["op"] == op:
                out[-1]["text"] += text
            else:
                out.append({"op": op, "text": text})

    last = index == len(parts) - 1
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        # positions on the side that was cut into parts
        p1, p2 = (j1, j2) if side == "b" else (i1, i2)
        if p1 == p2:  # nothing on the cut side: it belongs to the part where it stands
            if not (lo <= p1 < hi or (last and p1 == hi)):
                continue
        elif p2 <= lo or p1 >= hi:
            continue
        cut = tb if side == "b" else ta
        other = ta[i1:i2] if side == "b" else tb[j1:j2]
        own = "".join(cut[max(p1, lo):min(p2, hi)])
        if tag == "equal":
            add("equal", own)
            continue
        other_text = "".join(other) if p1 >= lo or p1 == p2 else ""  # once, where it starts
        if side == "b":
            add("delete", other_text)
            add("insert", own)
        else:
            add("delete", own)
            add("insert", other_text)
    return _tidy(out)
