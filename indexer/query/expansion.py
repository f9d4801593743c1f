"""Cross-language expansion: the thesaurus concepts a query names, as one query plan per
other language, with what each concept stands for of the typed words (for the fusion's
shares, ranking.py)."""

from __future__ import annotations

import re

from indexer.query import syntax as syn
from indexer.query.fields import OTHER_FIELD, text_field
from indexer.query.plan import And, AndNot, Filter, MatchNone, Node, Or, Part, Term, and_, or_
from indexer.query.planner import Planner
from indexer.query.thesaurus import load_thesaurus, tokenize

EXPANSION_TERMS_PER_LANG = 4  # per concept: official wording first; the rest are variants
# A concept's equivalents of the matched term (its official wording, and the term in the
# matched term's place) count in full; its other variants at EXPANSION_VARIANT_BOOST: they
# find passages without the equivalents, but do not add up to outrank them (0.5 let a page
# saying "local public authorities", "cities" and "municipalities" lead for `autorités
# locales`; 0.25 and 0.1 measured on the dev queries, 0.1 kept).
EXPANSION_VARIANT_BOOST = 0.1


def expand(plan: Planner, text: str, qlang: str, typed: str = ""
           ) -> tuple[dict[str, Node], dict[str, list[str]], dict[str, list[Part]]]:
    """Other-language terms of the thesaurus concepts the query names: one query per
    language (each is ranked on its own and fused with the typed words' ranking), the terms
    used per language (shown to the user), and per language the concepts as parts (their
    terms' words, and which of the `typed` words each concept stands for).

    The terms add up: a passage that says the thing several ways (UDHR Article 13: freedom
    of movement, the right to leave any country, to return to one's country) is about it
    (the best term only measured worse). Each concept brings its own terms."""
    typed_tokens = [set(tokenize(w)) for w in typed.split()]
    used: dict[str, list[str]] = {}
    per_lang: dict[str, list] = {}
    parts: dict[str, list[Part]] = {}
    for matched, concept_terms, n_equiv, quoted in concepts_named(text, qlang):
        span = set(matched)
        covers = frozenset(i for i, toks in enumerate(typed_tokens) if toks and toks <= span)
        for lang, terms in concept_terms.items():
            fieldname = text_field(lang)
            if fieldname == OTHER_FIELD:
                continue
            alternatives: list[Node] = []
            words_of: list[frozenset] = []
            boosts: list[float] = []
            for term in terms[:EXPANSION_TERMS_PER_LANG]:
                words = plan.words(fieldname, term)
                if not words:
                    continue
                boost = 1.0 if len(alternatives) < n_equiv else EXPANSION_VARIANT_BOOST
                boosts.append(boost)
                # All the words, not the phrase: reading positions for every passage
                # holding the words made expanded queries take seconds (Whoosh).
                if quoted:  # a quoted concept is its equivalents as phrases
                    phrase = plan.phrase(term, [fieldname])
                    alternatives.append(phrase if boost == 1.0 else Or((phrase,), boost))
                else:
                    alternatives.append(
                        Term(fieldname, words[0], boost) if len(words) == 1
                        else And(tuple(Term(fieldname, w) for w in words), boost))
                words_of.append(frozenset((fieldname, w) for w in words))
                bucket = used.setdefault(lang, [])
                if term not in bucket:
                    bucket.append(term)
            if alternatives:
                per_lang.setdefault(lang, []).append(
                    alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives)))
                parts.setdefault(lang, []).append(Part(words_of, covers, tuple(boosts)))
    queries = {lang: qs[0] if len(qs) == 1 else Or(tuple(qs)) for lang, qs in per_lang.items()}
    return queries, used, parts


def concepts_named(text: str, qlang: str):
    """(matched words, terms by language, equivalents, quoted) of the concepts the query
    names. A quoted phrase names a concept only when it is the concept's term, all of it
    (`"local authorities"`; not `"support local authorities in the identification"`, whose
    every hit must hold the phrase): its equivalents are then phrases too."""
    thesaurus = load_thesaurus()
    loose = re.sub(r'"[^"]*"?', " ", text)
    for found in thesaurus.concept_expansions(loose, qlang or None):
        yield (*found, False)
    for phrase in re.findall(r'"([^"]*)"', text):
        whole = tokenize(phrase)
        for found in thesaurus.concept_expansions(phrase, qlang or None):
            if tuple(found[0]) == whole:
                yield (*found, True)


def constrain(plan: Planner, typed: str, qlang: str, q: Node, expansions: dict[str, Node]
              ) -> tuple[Node, dict[str, Node]]:
    """The typed query's NOT and AND in every field and every expansion: `migration NOT
    refugees` leaves out a French passage on `réfugiés` that the expansion of `migration`
    finds, and `migrants AND remittances` keeps from each language only the passages with
    both (in any field, or through the thesaurus). The typed query already requires its
    words in its own fields; what it excludes is excluded everywhere."""
    tree = syn.parse(typed)
    if not isinstance(tree, syn.Group):
        return q, expansions
    required = [*tree.required, *(tree.items if tree.kind == "all" else ())]
    must = [_anywhere(plan, node, qlang) for node in required]
    negative = or_([_anywhere(plan, node, qlang) for node in tree.excluded])

    def apply(node: Node, require: bool) -> Node:
        if require and must:
            node = Filter(node, and_(must))
        if not isinstance(negative, MatchNone):
            node = AndNot(node, negative)
        return node

    return apply(q, False), {lang: apply(eq, True) for lang, eq in expansions.items()}


def _anywhere(plan: Planner, node, qlang: str) -> Node:
    """A syntax node's words in every language's field and the neutral one, or any of their
    thesaurus equivalents in any language."""
    text = _words_of(node)
    found, _used, _parts = expand(plan, text, qlang, text)
    return or_([plan.everywhere(node), *found.values()])


def _words_of(node) -> str:
    if isinstance(node, (syn.Word, syn.Quoted)):
        return node.text
    if isinstance(node, syn.Group):
        return " ".join(_words_of(n) for n in (*node.items, *node.required))
    return ""
