"""The query language people type, parsed into a small syntax tree (no engine, no analysis).

    plain words          ranked; passages with more of the words first
    "exact phrase"       the words in this order
    a AND b, a OR b      both / either (AND binds tighter than OR, OR than plain juxtaposition)
    NOT a, -a            passages without a (excluded from the whole group)
    +a                   a is required
    word*                words starting with `word`
    word~, word~2        words within 1 (or 2) edits
    ( … )                grouping

Malformed input never fails: a stray parenthesis or quote is closed or ignored, a dangling
operator dropped. Filters (`lang:fr` …) are taken out before (search.split_filters).
A search refuses a query nested deeper than the `max_query_nesting` setting before parsing
it (indexer/query/limits.py, from `shape`); the parser itself reads parentheses past SAFE_DEPTH as
absent, so no caller can overflow Python's stack with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN_RE = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
OPERATORS = ("AND", "OR", "NOT")
# Parentheses deeper than this are ignored by the parser (each level is five Python frames;
# 200 levels overflowed the stack). Far above any sane query: the setting refuses first.
SAFE_DEPTH = 100


@dataclass(frozen=True)
class Shape:
    nesting: int  # deepest parenthesis level
    patterns: int  # wildcard and fuzzy words


def shape(text: str) -> Shape:
    """How deep a query nests and how many wildcard or fuzzy words it holds, from its tokens
    alone (no parse: this is what decides whether it is parsed)."""
    depth = deepest = patterns = 0
    for tok in _TOKEN_RE.findall(text or ""):
        if tok == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif tok == ")":
            depth = max(0, depth - 1)
        elif not tok.startswith('"'):
            node = _atom_text(tok.lstrip("+-") if len(tok) > 1 else tok)
            if isinstance(node, Word) and (node.prefix or node.fuzzy):
                patterns += 1
    return Shape(deepest, patterns)


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False  # word*
    fuzzy: int = 0  # word~N: edits allowed


@dataclass(frozen=True)
class Quoted:
    text: str  # the words inside the quotes, as typed


@dataclass(frozen=True)
class Group:
    """Items ORed (`any`: plain juxtaposition or OR) or ANDed (`all`), minus `excluded`;
    `required` items must match too."""
    kind: str  # "any" | "all"
    items: tuple = ()
    required: tuple = ()
    excluded: tuple = ()


Clause = Word | Quoted | Group  # a node of the syntax tree


@dataclass
class _Stream:
    tokens: list[str]
    i: int = 0
    depth: int = 0
    notes: list[str] = field(default_factory=list)

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        self.i += 1
        return self.tokens[self.i - 1]


def parse(text: str) -> Group:
    """The syntax tree of a query (an empty `any` group when nothing is searchable)."""
    stream = _Stream(_TOKEN_RE.findall(text or ""))
    node = _sequence(stream)
    return node if isinstance(node, Group) else Group("any", (node,))


def _sequence(s: _Stream):
    """Juxtaposed clauses up to the end or a closing parenthesis: an `any` group."""
    items: list[Clause] = []
    required: list[Clause] = []
    excluded: list[Clause] = []
    while True:
        tok = s.peek()
        if tok is None:
            break
        if tok == ")":
            if s.depth > 0:
                break
            s.take()  # a stray closing parenthesis
            continue
        if tok in ("AND", "OR"):  # nothing on their left
            s.take()
            continue
        kind, node = _or_clause(s)
        if node is None:
            continue
        {"plain": items, "required": required, "excluded": excluded}[kind].append(node)
    return _group("any", items, required, excluded)


def _group(kind: str, items: list, required: list, excluded: list):
    if len(items) == 1 and not required and not excluded:
        return items[0]
    return Group(kind, tuple(items), tuple(required), tuple(excluded))


def _or_clause(s: _Stream):
    kind, node = _and_clause(s)
    alternatives = [(kind, node)]
    while s.peek() == "OR":
        s.take()
        if s.peek() in (None, ")"):
            break
        alternatives.append(_and_clause(s))
    if len(alternatives) == 1:
        return kind, node
    # `a OR NOT b` has no useful meaning: a NOT among alternatives is dropped.
    kept = [n for k, n in alternatives if n is not None and k != "excluded"]
    if not kept:
        return "plain", None
    return "plain", kept[0] if len(kept) == 1 else Group("any", tuple(kept))


def _and_clause(s: _Stream):
    kind, node = _unary(s)
    if s.peek() != "AND":
        return kind, node
    items: list[Clause] = []
    excluded: list[Clause] = []
    (excluded if kind == "excluded" else items).append(node)
    while s.peek() == "AND":
        s.take()
        if s.peek() in (None, ")"):
            break
        k, n = _unary(s)
        if n is not None:
            (excluded if k == "excluded" else items).append(n)
    items = [n for n in items if n is not None]
    if not items and excluded:
        return "excluded", excluded[0] if len(excluded) == 1 else Group("any", tuple(excluded))
    if not items:
        return "plain", None
    return "plain", _group("all", items, [], excluded)


def _unary(s: _Stream):
    tok = s.peek()
    if tok == "NOT":
        while s.peek() == "NOT":  # `NOT NOT a` excludes a, as one NOT does (no recursion)
            s.take()
        if s.peek() in (None, ")", "AND", "OR"):
            return "plain", None  # a dangling NOT
        _kind, node = _unary(s)
        return "excluded", node
    if tok is not None and len(tok) > 1 and tok[0] in "-+" and tok[1] not in "-+":
        s.take()
        node = _atom_text(tok[1:])
        return ("excluded" if tok[0] == "-" else "required"), node
    return "plain", _atom(s)


def _atom(s: _Stream):
    tok = s.take()
    if tok == "(" and s.depth >= SAFE_DEPTH:
        return None  # read as absent (see SAFE_DEPTH)
    if tok == "(":
        s.depth += 1
        node = _sequence(s)
        s.depth -= 1
        if s.peek() == ")":
            s.take()
        return node
    return _atom_text(tok)


def _atom_text(tok: str):
    if tok.startswith('"'):
        inner = tok[1:-1] if len(tok) > 1 and tok.endswith('"') else tok[1:]
        return Quoted(inner) if re.search(r"\w", inner) else None
    m = re.fullmatch(r"(.+?)~(\d?)", tok)
    if m and re.search(r"\w", m.group(1)):
        return Word(m.group(1), fuzzy=min(2, int(m.group(2) or 1)))
    if tok.endswith("*") and re.search(r"\w", tok[:-1]):
        return Word(tok.rstrip("*"), prefix=True)
    tok = re.sub(r"\^[\d.]+$", "", tok)  # a Lucene-style boost: ignored
    return Word(tok) if re.search(r"\w", tok) else None
