"""Cross-references in a passage: the UN documents it cites, each resolved to a symbol.

`extract(text, lang, own_symbols)` finds, left to right:

- symbols written out: `A/73/286`, `A/C.3/73/L.59`, `S/PRST/2006/15`, `A/CONF.157/24 (Part I)`,
  with their addenda and corrigenda (`A/49/210 and Add.1`), joint symbols (`A/49/765-S/1994/1399`
  is one document) and summary-record lists (`A/C.2/39/SR.28-33, 38-41 and 54-56`);
- resolution and decision numbers, every number of a list: `resolution 70/1`,
  `resolutions 71/280 of 6 April 2017, 72/244 … and 72/308`, `resolution 2200 A (XXI)`,
  `resolution 1325 (2000)`, `Economic and Social Council resolution 2004/2`,
  `Human Rights Council resolution 5/1`, `resolution S-10/2`, `decision 73/547`;
- named instruments from `data/instruments.json` (en/fr/es): `the 2030 Agenda`,
  `the Sendai Framework`, `the Universal Declaration of Human Rights` …;
- pinpoints: `paragraph 23 of resolution 71/1`, `paragraphs 5 and 6 of …`, `target 10.c`,
  `Sustainable Development Goal 10`, `objective 23` (of the Global Compact for Migration),
  `article 14 of the Universal Declaration`, `A/31/8/Add.26, para. 12`.

Each `Reference` keeps the words and their offsets in `text` (for highlighting), the symbol
(`normalize_symbol`: the index's `symbol_key` form, "" when the cited body's symbols are not
known), the pinpoint label, and the clause verb of the preambular or operative paragraph it
stands in (an English key and the words as written).

How a bare number maps to a symbol: `NN/MM` with a session of 31 or more is a General
Assembly resolution (`A/RES/NN/MM`, the Assembly numbers by session since 1976); `NNNN (YYYY)`
is the Security Council's (`S/RES/NNNN(YYYY)`); `YYYY/NN` is the Economic and Social
Council's (`E/RES/YYYY/NN`) unless the Commission on Human Rights (`E/CN.4/RES/…`) or another
body is named; `NNN (ROMAN)` is an older Assembly resolution (`A/RES/NNN(ROMAN)`, sessions I to
XXX and special sessions). A body named before the number (`Human Rights Council resolution
5/1`, `the Security Council in its resolution …`) or after it (`résolution 70/1 de
l’Assemblée générale`) decides; a body whose symbols we do not know gives "". A document's
own symbols, link targets (`https://undocs.org/…`) and running heads (`A/39/755 English`) are
not references.

Text recognised from paper is read with tolerance for its usual damage, where only a symbol or
a number can stand: a comma or a space beside a slash, letters read for digits (`3I/72`,
`A/C.I/39`), a footnote mark glued to an old session's document number (`A/39/2641`).

`find_references(passages, …)` sets every passage's references as ingest does (`prepare`),
each read with the paragraph that introduces it and the passage before it as context.

Pure functions: the only I/O is reading the instruments table once.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from indexer import DATA_DIR
from indexer.models import Passage, Reference
from indexer.symbols import normalize_symbol, official_link

__all__ = ["Reference", "clause_verbs", "extract", "find_references", "normalize_symbol",
           "official_link", "with_context"]

DATA_PATH = DATA_DIR / "instruments.json"


# ------------------------------------------------------------------------------ symbols

_ORGANS = (r"(?:A|E|S|ST|TD|UNEP|HRC|CCPR|CEDAW|CRC|CERD|CMW|ECE|ESCAP|FCCC|ICCD|CD|NPT|DP"
           r"|UNW|TRADE|SG)")
# one element after a slash: `73`, `C.2`, `L.66`, `RES`, `CONF.157`, `Rev.1`, `SR.28-33`,
# `ES-10`, with an optional parenthesised part: `(Part I)`, `(2000)`, `(XXI)`, `(Vol. I)`
_ELEMENT = (r"(?:[A-Z]{1,6}(?:\.\d{1,4})?|\d{1,5}(?:-\d{1,3})?|[A-Z]{1,5}-?\d{1,3}|"
            r"(?:[A-Z]{1,5}\.)?\d{1,4}(?:-\d{1,4})?|[A-Za-z]{1,4}\.\d{1,3}(?:-\d{1,3})?)"
            r"(?:\s?\((?:[Pp]arts?|[Vv]ols?\.)\s?[IVX]+(?:\s?(?:-|and|to)\s?(?:[Pp]art\s)?[IVX]+)?\)|"
            r"\s?\((?:[IVXL]+|\d{4})\))?")
# text recognised from paper puts a comma or a space beside a slash: `A,/39/525`, `A/39 /544`
_SLASH = r"(?:,?/|\s/(?=\d)|/\s(?=\d))"
_SYMBOL_BODY = rf"{_ORGANS}(?:{_SLASH}{_ELEMENT}){{1,7}}(?![\w/]|\.\w|-(?!{_ORGANS}/)\w)"
_SYMBOL = re.compile(_SYMBOL_BODY)
_SYMBOL_AFTER_DASH = re.compile(_SYMBOL_BODY)  # the second symbol of `A/49/765-S/1994/1399`
_TWO_PARTS = re.compile(r"\s?\([Pp]arts?\s?([IVX]+)\s?(?:and|et|y)\s?(?:[Pp]art\s)?([IVX]+)\)$")
_URL = re.compile(r"(?:https?://|www\.)\S+")
# `A/39/755 English Page 7` and its OCR readings (`Englirh`, `Enqlieh`, `Engli sh`)
# (read from paper, the head's symbol may be split: `A/39 /7 55 English`)
_RUNNING_HEAD = re.compile(r"\s*(?:\d{1,3}\s+)?\*?\s*(?:E[nr][gq]\s?[a-zI1]{0,3}\s?[a-z]{1,4}\b|"
                           r"Page\s+\d)")
_JOINT = re.compile(rf"-(?={_ORGANS}/)")
_CONTINUATION = re.compile(
    r"(?:\s*,)?\s+(?:and|et|y)\s+(Corr|Add|Rev)\.\s?(\d{1,2})((?:\s+(?:and|et|y)\s+\d{1,2})*)")
_RECORDS = re.compile(r"/(?:SR|PV)\.\d+(?:-\d+)?$")
_MEETINGS = re.compile(r"(?:,\s*|\s+(?:and|et|y)\s+)(\d{1,3})(?:-\d{1,3})?(?![\w/.])")

# ------------------------------------------------------------------------------ bodies

_BODIES = [  # (key, pattern); the longest names first
    ("ecosoc", r"Economic and Social Council|Conseil économique et social|Consejo Económico y "
               r"Social|ECOSOC"),
    ("hrc", r"Human Rights Council|Conseil des droits de l[’']homme|Consejo de Derechos Humanos"),
    ("chr", r"Commission on Human Rights|Commission des droits de l[’']homme|Comisión de "
            r"Derechos Humanos"),
    ("sc", r"Security Council|Conseil de sécurité|Consejo de Seguridad"),
    ("ga", r"General Assembly|Assemblée générale|Asamblea General|Assembly"),
    ("other", r"Commission on (?:Population and Development|the Status of Women|Social "
              r"Development|Sustainable Development|Narcotic Drugs|Crime Prevention and "
              r"Criminal Justice|Science and Technology for Development)|Sub-Commission[^,;]{0,80}"
              r"|(?:Economic|Social|Statistical) Commission[^,;]{0,60}|Trade and Development "
              r"Board|Governing Council[^,;]{0,40}|Executive Board[^,;]{0,40}|Conference[^,;]{0,80}"
              r"|World Health Assembly|Board of Governors|Commission"),
    ("council", r"Council|Conseil|Consejo"),
]
_BODY_BEFORE = re.compile(
    r"(?:" + "|".join(f"(?P<{k}>{p})" for k, p in _BODIES) + r")"
    r"(?:[’']s)?(?:\s+(?:in|by|dans|en|por)\s+(?:its|sa|son|su))?\s+(?:its\s+|sa\s+|son\s+|su\s+)?$")
_BODY_AFTER = re.compile(
    r"^(?:\s+(?:of|du|de|del)\s+\d{1,2}(?:er)?\s+\w+\s+\d{4})?,?\s+(?:of\s+the|adopted\s+by\s+the"
    r"|de\s+l[’']|de\s+la|du|del)\s+(?:" + "|".join(f"(?P<{k}>{p})" for k, p in _BODIES) + r")")
_IN_REPORT = re.compile(r"(?:chap|sect|part)\.?\s+[\w.]+,\s*(?:[\w.]+,\s*)?$", re.I)

# ------------------------------------------------------------------------------ resolutions

_KEYWORD = (r"(?P<kw>[Rr]esolutions?|[Dd]ecisions?|[Rr]ésolutions?|[Dd]écisions?|"
            r"[Rr][ea][sa]olut[l1]ons?|"  # read from paper: `resolutlon`, `reaolution`
            r"[Rr]esoluci(?:ón|ones)|[Dd]ecisi(?:ón|ones))")
_LETTERS = r"(?:\s?[A-Z](?:(?:\s?,\s?|\s+(?:and|to|et|à|y|a)\s+)[A-Z])*)(?![\w/])"
_ITEM = (r"(?:(?P<special>E?S-\d{1,2}/\d{1,3})"
         r"|(?P<sn>\d{1,4})(?:(?<=\d\d)[,.])?\s?/\s?(?P<nn>\d{1,4})(?![\d/]|\.\d)"
         r"(?P<letters>" + _LETTERS + r")?"
         r"|(?P<rn>\d{1,4})(?P<rl>\s?[A-D])?\s?\((?P<roman>(?:S-)?[IVXL]{1,7})\)"
         r"|(?P<yn>\d{1,4})\s?\((?P<year>(?:19|20)\d\d)\))")
_ITEM_RE = re.compile(_ITEM)
# no lookbehind first: a pattern opening with a character class is scanned fast
_KEYWORD_RE = re.compile(r"[RrDd][ée]?(?:solu|cisi)|[Rr][ea][sa]olut")
_BARE_SC = re.compile(r"[Rr]esolution\s+(\d{3,4})(?![\d/\w]|\s?\()")
_FIRST = re.compile(
    _KEYWORD + r"(?P<gap>\s+(?:[Nn]os?\.\s*)?|,?\s+(?:including|in particular|notably|"
    r"inter alia|notamment|en particulier|en particular|incluidas?)\s+"
    r"|\s+[^.;:()\d/\n]{1,60}?\s[-–—:]\s|,\s+)(?=" + _ITEM + ")")
_NEXT = re.compile(
    r"(?:\s*(?:of|du|de|del)\s+\d{1,2}(?:er)?\s+[^\s,;()]+\s+\d{4}\d{0,2})?"  # of 6 April 2017
    r"(?:\s*\([^()]{1,40}\))?"  # (A/RES/70/1)
    r"(?:,?\s+(?:on|concerning|relating\s+to|regarding|sur|relative\s+à|sobre|relativa\s+a)"
    r"\s+[^;:\d/()“”\"«»]{1,120}?(?=,|\s+and\s|\s+et\s|\s+y\s))?"  # on international migration
    r"(?:,?\s+(?:entitled|intitulée?|titulada)\s+[“\"«][^”\"»]{1,200}[”\"»])?"
    r"\s*(?:,\s*\d{1,2}\s+|,\s*|;\s*|\s+)(?:(?:and|or|et|ou|y|o)\s+)?(?:its\s+)?(?=" + _ITEM + ")")
_GA_LAST_ROMAN_SESSION = 30  # the Assembly numbered resolutions by session from the 31st


def _roman(numeral: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50}
    total = 0
    for a, b in zip(numeral, numeral[1:] + " ", strict=True):
        v = values[a]
        total += -v if b != " " and values.get(b, 0) > v else v
    return total


def _letters(spec: str | None) -> list[str]:
    """` F and G` -> [F, G]; ` A to D` -> [A, B, C, D]; ` A, E and F` -> [A, E, F]."""
    if not spec:
        return [""]
    found = re.findall(r"[A-Z]", spec)
    if re.search(r"\b(?:to|à|a)\b", spec) and len(found) == 2:
        return [chr(c) for c in range(ord(found[0]), ord(found[1]) + 1)]
    return found


def _resolution_symbols(m: re.Match, body: str, decision: bool) -> list[str]:
    """The symbols of one numbered item for the body that adopted it ("" when unknown)."""
    kind = "DEC" if decision else "RES"
    if body in ("other", "report"):
        return [""]
    if m.group("special"):
        return [f"A/{kind}/{m.group('special')}"] if body in ("", "ga") else [""]
    if m.group("year"):
        n, year = int(m.group("yn")), int(m.group("year"))
        if body in ("", "sc", "council") and not decision and 1946 <= year <= 2100 and n <= 4000:
            return [f"S/RES/{n}({year})"]
        return [""]
    if m.group("roman"):
        n, roman = int(m.group("rn")), m.group("roman")
        session = _roman(roman.removeprefix("S-"))
        if body == "ecosoc" or (body == "council" and not roman.startswith("S-")
                                and session > _GA_LAST_ROMAN_SESSION):
            return [f"E/{kind}/{n}({roman})"]
        plausible = roman.startswith("S-") or (
            session <= _GA_LAST_ROMAN_SESSION and n >= 10 * (session - 1) and n <= 3600)
        if body in ("", "ga") and plausible:
            return [f"A/{kind}/{n}({roman})"]
        return [""]
    first, second = int(m.group("sn")), m.group("nn")
    letters = _letters(m.group("letters"))
    if 1946 <= first <= 2100:  # year-numbered: the Economic and Social Council and its bodies
        if body == "chr":
            return [f"E/CN.4/{kind}/{first}/{second}"]
        if body in ("", "ecosoc", "council"):
            return [f"E/{kind}/{first}/{second}"]
        return [""]
    if body == "hrc":
        return [f"A/HRC/{kind}/{first}/{second}"]
    if body in ("", "ga") and 31 <= first <= 99:
        return [f"A/{kind}/{first}/{second}{letter}" for letter in letters]
    return [""]


# ------------------------------------------------------------------------------ instruments

@dataclass(frozen=True)
class _Name:
    symbol: str
    name: str


@lru_cache(maxsize=1)
def _table() -> tuple[_Name, ...]:
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    out = []
    for item in data["instruments"]:
        for lang in ("en", "fr", "es"):
            for name in item.get(lang, []):
                out.append(_Name(normalize_symbol(item["symbol"]), f"{lang}:{name}"))
    return tuple(out)


def _name_pattern(name: str) -> str:
    """Flexible spacing, any dash, either apostrophe; words stay whole."""
    parts = []
    for ch in name:
        if ch == " ":
            parts.append(r"\s+")
        elif ch in "-–":
            parts.append(r"\s?[-–‑]\s?")
        elif ch in "’'":
            parts.append("[’']")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


# Each name is looked for only where its anchor word stands in the passage: the names are
# grouped by anchor (their longest word that is not common in UN texts), and a group's
# pattern runs when its anchor is one of the passage's words (one alternation of every name
# cost ~90 us a passage; a UNGA build has 236,000 passages).
# words of the names too common in UN texts to pick a name out (each in 0.5 % or more of
# 19,576 UNGA passages), the most frequent first: a name is looked for where its longest
# other word stands, or, when it has none, its least frequent common word
_COMMON_ORDER = (
    "with", "general", "united", "nations", "states", "international", "their", "assembly",
    "including", "report", "special", "other", "which", "from", "session", "implementation",
    "rights", "development", "nuclear", "countries", "human", "economic", "disarmament",
    "measures", "further", "declaration", "conference", "cooperation", "accordance",
    "activities", "peoples", "work", "peace", "against", "political", "social", "convention",
    "weapons", "national", "programme", "action", "order", "agenda", "first", "right",
    "independence", "charter", "world", "colonial", "treaty", "progress", "arms", "protection",
    "developing", "principles", "discrimination", "granting", "final", "document", "para",
    "governing", "status", "second", "military", "african", "comprehensive", "armed", "racial",
    "third", "sustainable", "agreement", "relating", "establishment", "persons", "trade",
    "institutions", "among", "high", "concerning", "they", "environment", "personnel",
    "office", "programmes", "elimination", "fourth", "children", "members", "bodies", "level",
    "conflict", "prevention", "future", "violence", "forms", "civil", "global", "decade",
    "cultural", "women", "framework", "prevent", "tenth", "plan", "especially", "country",
    "population", "criminal", "universal", "associated", "refugees", "relations", "outer",
    "crime", "space", "safety", "individuals", "year", "rules", "zone", "regular",
    "environmental", "dialogue", "small", "commissioner", "goals", "prohibition", "production",
    "developed", "combat", "indigenous", "land", "safe", "samoa", "financing", "barbados",
    "child", "island", "least", "making", "reduction", "court", "risk",
)
_COMMON_WORDS = {w: k for k, w in enumerate(_COMMON_ORDER)}


def _anchor(name: str) -> str:
    words = name.lower().translate(_NOT_LETTER).split()
    rare = [w for w in words if w not in _COMMON_WORDS and len(w) > 3
            and w not in ("with", "from", "that", "dans", "pour", "para", "sobre", "entre")]
    if rare:
        return max(rare, key=len)
    return max(words, key=lambda w: _COMMON_WORDS.get(w, -1))


@dataclass(frozen=True)
class _Group:
    loose: re.Pattern | None  # case-insensitive names
    exact: re.Pattern | None  # names matched in their own case
    before: int  # at most this many characters of a name stand before its anchor
    after: int  # … and after its anchor's start


@lru_cache(maxsize=8)
def _instrument_groups(lang: str) -> dict[str, _Group]:
    """Anchor word -> the names of `lang` containing it (all three languages when `lang` is
    another)."""
    langs = (lang,) if lang in ("en", "fr", "es") else ("en", "fr", "es")
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for entry in _table():
        code, name = entry.name.split(":", 1)
        if code not in langs:
            continue
        loose, exact = groups.setdefault(_anchor(name.lstrip("=")), ([], []))
        (exact if name.startswith("=") else loose).append(name.lstrip("="))

    def alternation(names: list[str], flags: int) -> re.Pattern | None:
        if not names:
            return None
        names = sorted(set(names), key=len, reverse=True)
        # a footnote number may stick to the name: `Declaration9`
        return re.compile(r"(?<![\w])(?:" + "|".join(_name_pattern(n) for n in names)
                          + r")(?![^\W\d_])", flags)

    out = {}
    for anchor, (loose, exact) in groups.items():
        offsets = [name.lower().find(anchor) for name in loose + exact]
        before = max(offsets)
        after = max(len(n) - o for n, o in zip(loose + exact, offsets, strict=True))
        # spacing and dashes may be written wider than in the table
        out[anchor] = _Group(alternation(loose, re.I), alternation(exact, 0),
                             before + before // 4 + 8, after + after // 4 + 8)
    return out


@lru_cache(maxsize=8)
def _anchor_bytes(lang: str) -> frozenset[bytes]:
    return frozenset(a.encode() for a in _instrument_groups(lang))


@lru_cache(maxsize=8)
def _instrument_symbols(lang: str) -> dict[str, str]:
    """Folded name -> symbol."""
    return {_fold_name(e.name.split(":", 1)[1].lstrip("=")): e.symbol for e in _table()}


def _fold_name(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.sub(r"\s*[-–‑]\s*", "-", re.sub(r"\s+", " ", text)).strip()


_ORGANIZATION_AFTER = re.compile(r"\s+Organi[sz]ation\b")
# the instrument names a body: `Special Committee on … the Implementation of the Declaration
# on …`, `Intergovernmental Working Group on the Effective Implementation of …`
_BODY_NAME_BEFORE = re.compile(
    r"\b(?:Committee|Commission|Working\s+Group|[Gg]roup\s+of\s+(?:[\w-]+\s+){0,3}experts|"
    r"Rapporteur|Comité|Groupe\s+de\s+travail|Grupo\s+de\s+Trabajo)\s+(?i:on|for|sur|sobre|"
    r"pour|para|chargé)\b[^.;,()]{0,100}$")
_ENTITLED = re.compile(r"(?:entitled|intitulée?s?|titulad[oa]s?)\s*[“\"«]", re.I)


def _in_title(text: str, at: int) -> bool:
    """`at` stands inside the quoted title that follows `entitled` (the quote not closed)."""
    before = text[max(0, at - 200):at]
    opened = [m.end() for m in _ENTITLED.finditer(before)]
    return bool(opened) and not re.search(r"[”»\"]", before[opened[-1]:])

# ------------------------------------------------------------------------------ pinpoints

_PARA_WORD = (r"(?:paragraphs?|paras?\.|paragraphes?|párrafos?|pár\.|\bpárrs?\.|"
              r"subparagraphs?|alinéas?|apartados?)")
_ARTICLE_WORD = r"(?:[Aa]rticles?|[Aa]rt\.|[Aa]rtículos?)"
_NUM = r"\d{1,3}(?:\.(?:\d{1,2}|[a-c]))?(?:\s?\([a-z]{1,4}\))*"
_LIST = rf"{_NUM}(?:\s*(?:,|-|–|and|or|to|et|ou|à|y|o|a)\s*{_NUM})*"
_OF = (r"\s+(?:of|in|de|du|des|del|de\s+la|de\s+l[’'])\s+(?:the\s+|its\s+|la\s+|l[’']|el\s+|"
       r"sa\s+|su\s+)?(?:(?:outcome\s+)?document(?:o|\s+final)?\s+)?[“\"«]?\s*")
_PINPOINT_BEFORE = re.compile(
    rf"(?:(?P<para>{_PARA_WORD})|(?P<art>{_ARTICLE_WORD})|(?P<target>targets?|cibles?|metas?)"
    rf"|(?P<goal>(?:Sustainable\s+Development\s+)?Goals?)|(?P<objective>objectives?|objectifs?|"
    rf"objetivos?))\s+(?P<list>{_LIST}){_OF}$", re.I)
_PINPOINT_AFTER = re.compile(
    rf"^\)?,\s*(?:(?P<annex>annex\s+[IVX]+|annexe\s+[IVX]+|anexo\s+[IVX]+),\s*)?"
    rf"(?:paras?\.|paragraphs?|párrs?\.|par\.)\s*(?P<list>{_LIST})", re.I)
_TARGET_NUMBER = r"\d{1,2}\.(?:\d{1,2}|[a-c])"
_TARGET = re.compile(rf"(?<![\w.])(?P<word>[Tt]argets?|[Cc]ibles?|[Mm]etas?)\s+(?P<list>"
                     rf"{_TARGET_NUMBER}(?:\s*(?:,|and|et|y)\s*{_TARGET_NUMBER})*)(?![\w.]\w)")
_GOAL = re.compile(r"(?<![\w])(?:(?P<sdg>Sustainable\s+Development\s+Goal|[Oo]bjectif\s+de\s+"
                   r"développement\s+durable|Objetivo\s+de\s+Desarrollo\s+Sostenible)|"
                   r"(?P<goal>Goals?))\s+(?P<list>\d{1,2}(?:\s*(?:,|and|et|y)\s*\d{1,2})*)"
                   r"(?![\w.]\w)")
_OBJECTIVE = re.compile(r"(?<![\w])(?:[Oo]bjectives?|[Oo]bjectifs?|[Oo]bjetivos?)\s+"
                        r"(?P<list>\d{1,2}(?:\s*(?:,|and|et|y)\s*\d{1,2})*)(?![\w./])")
_GCM_CONTEXT = re.compile(r"Global\s+Compact(?!\s+on\s+Refugees)|Pacte\s+mondial\s+pour\s+des\s+"
                          r"migrations|Pacto\s+Mundial\s+para\s+la\s+Migraci|\bGCM\b", re.I)
_SDG_CONTEXT = re.compile(r"Sustainable\s+Development|2030\s+Agenda|développement\s+durable|"
                          r"Desarrollo\s+Sostenible", re.I)
_DIGIT = re.compile(r"\d")
# the words that open a pinpoint, lowercased (looked for with `in`: a regex costs more)
_PINPOINT_CUES = ("par", "pár", "art", "target", "goal", "objecti", "objetivo", "cible", "meta",
                  "alin", "apartado")
_PINPOINT_WORDS = frozenset(  # the words of pinpoints that name no document (`target 10.c`)
    w.encode() for w in ("target", "targets", "cible", "cibles", "meta", "metas", "goal", "goals",
                         "objective", "objectives", "objectif", "objectifs", "objetivo",
                         "objetivos"))
_AGENDA = "A/RES/70/1"
_GCM = "A/RES/73/195"
_SC_YEAR = r"(?<![\d/]){n}\s?\(((?:19|20)\d\d)\)"


# between the numbers of a list; a letter in brackets is a subparagraph (`4 (a)`), not `a`
_NUMBER_GAP = re.compile(r"\s*(,|-|–|(?<![(\w])(?:and|or|to|et|ou|à|y|o|a)(?![)\w]))\s*")


def _numbers(spec: str) -> list[str]:
    """`5 and 6` -> [5, 6]; `1 to 6` / `102-124` -> [1-6]; `16 (a)` -> [16(a)]."""
    spec = re.sub(r"\s+\(", "(", spec.strip())
    out: list[str] = []
    tokens = _NUMBER_GAP.split(spec)
    items, seps = tokens[0::2], tokens[1::2]
    i = 0
    while i < len(items):
        item = items[i]
        if i < len(seps) and seps[i] in ("-", "–", "to", "à", "a") and i + 1 < len(items):
            out.append(f"{item}-{items[i + 1]}")
            i += 2
            continue
        if item:
            out.append(item)
        i += 1
    return out


def _para_labels(spec: str, annex: str = "") -> list[str]:
    prefix = f"{annex.lower()}, " if annex else ""
    return [f"{prefix}{'paras.' if '-' in n else 'para.'} {n}" for n in _numbers(spec)]


# ------------------------------------------------------------------------------ clause verbs

# English key, then the words that open a clause in en/fr/es (participle and finite forms).
_VERBS: dict[str, tuple[str, ...]] = {
    "recall": ("Recalling", "Recalls", "Rappelant", "Rappelle", "Recordando", "Recuerda"),
    "reaffirm": ("Reaffirming", "Reaffirms", "Réaffirmant", "Réaffirme", "Reafirmando", "Reafirma"),
    "welcome": ("Welcoming", "Welcomes", "Se félicitant", "Se félicite", "Accueillant avec "
                "satisfaction", "Accueille avec satisfaction", "Acogiendo con beneplácito",
                "Acoge con beneplácito", "Acogiendo", "Acoge"),
    "take note": ("Taking note", "Takes note", "Take note", "Prenant note", "Prend note",
                  "Tomando nota", "Toma nota"),
    "note": ("Noting", "Notes", "Notant", "Note", "Constatant", "Constate", "Observando",
             "Observa", "Señalando", "Señala"),
    "decide": ("Decides", "Deciding", "Décide", "Decide"),
    "request": ("Requests", "Requesting", "Prie", "Priant", "Solicita", "Pide"),
    "call upon": ("Calls upon", "Calls on", "Calling upon", "Calling on", "Calls for",
                  "Demande", "Demandant", "Exhorta", "Exhortando"),
    "urge": ("Urges", "Urging", "Engage", "Exhorte", "Demande instamment", "Insta"),
    "emphasize": ("Emphasizes", "Emphasizing", "Emphasising", "Souligne", "Soulignant",
                  "Destaca", "Destacando", "Pone de relieve", "Poniendo de relieve"),
    "stress": ("Stresses", "Stressing", "Insiste", "Insistant", "Subraya", "Subrayando"),
    "underline": ("Underlines", "Underlining", "Underscores", "Underscoring"),
    "recognize": ("Recognizes", "Recognizing", "Recognising", "Reconnaît", "Reconnaissant",
                  "Reconoce", "Reconociendo"),
    "acknowledge": ("Acknowledges", "Acknowledging"),
    "affirm": ("Affirms", "Affirming", "Affirme", "Affirmant", "Afirma", "Afirmando"),
    "reiterate": ("Reiterates", "Reiterating", "Réitère", "Réitérant", "Reitera", "Reiterando"),
    "express": ("Expresses", "Expressing", "Exprime", "Exprimant", "Expresa", "Expresando"),
    "invite": ("Invites", "Inviting", "Invite", "Invitant", "Invita", "Invitando"),
    "encourage": ("Encourages", "Encouraging", "Encourage", "Encourageant", "Alienta",
                  "Alentando", "Encouraged by"),
    "endorse": ("Endorses", "Endorsing", "Fait sienne", "Faisant sienne", "Hace suyo",
                "Haciendo suyo"),
    "adopt": ("Adopts", "Adopting", "Adopte", "Aprueba"),
    "approve": ("Approves", "Approving", "Approuve"),
    "support": ("Supports", "Supporting", "Appuie", "Apoya"),
    "commend": ("Commends", "Commending", "Félicite", "Encomia"),
    "condemn": ("Condemns", "Condemning", "Condamne", "Condamnant", "Condena", "Condenando"),
    "demand": ("Demands", "Demanding", "Exige", "Exigeant"),
    "declare": ("Declares", "Declaring", "Déclare", "Declara"),
    "determine": ("Determines", "Determining", "Determined"),
    "agree": ("Agrees", "Agreeing"),
    "recommend": ("Recommends", "Recommending", "Recommande", "Recomienda"),
    "regret": ("Regrets", "Regretting", "Regrette", "Lamenta"),
    "renew": ("Renews", "Renewing"),
    "consider": ("Considering", "Considers", "Having considered", "Considérant", "Ayant "
                 "examiné", "Considerando", "Habiendo examinado"),
    "examine": ("Having examined",),
    "bear in mind": ("Bearing in mind", "Bears in mind", "Ayant à l[’']esprit", "Teniendo "
                     "presente"),
    "take into account": ("Taking into account", "Takes into account", "Tenant compte",
                          "Teniendo en cuenta"),
    "guided by": ("Guided by", "Guidée? par", "Guiada por"),
    "mindful": ("Mindful",),
    "conscious": ("Conscious", "Conscient(?:e|s|es)?", "Consciente"),
    "aware": ("Aware",),
    "convinced": ("Convinced", "Convaincu(?:e|s|es)?", "Convencid[ao]s?"),
    "concerned": ("Concerned", "Préoccupé(?:e|s|es)?", "Preocupad[ao]s?"),
    "alarmed": ("Alarmed",),
    "appreciate": ("Appreciating", "Appreciates"),
}
_ADVERBS = (r"(?:(?:Also|Further|Furthermore|Again|Once\s+again|Strongly|Deeply|Gravely|"
            r"Seriously|Firmly|Fully|Particularly|Especially|Profoundly|Further\s+also|"
            r"Also\s+further|Aussi|En\s+outre|Également|Además|Asimismo|Igualmente|Très)\s+)?")
_VERB_KEYS = {v.lower(): key for key, forms in _VERBS.items() for v in forms}
_VERB_ALT = "|".join(sorted((v for forms in _VERBS.values() for v in forms), key=len,
                            reverse=True))
# a clause opens a paragraph (after its number or letter) or, when a preambular paragraph is
# run into the previous one, follows its comma: `…2014,5 Reaffirming its resolution …`. The
# places are found first; the verbs are tried only there.
_CLAUSE_START = re.compile(
    r"(?:^|\n|[,;:]\s*\d{0,3}\s+)[\s\"“'«]*(?:\(?[a-z]{1,4}\)\s+|\d{1,3}\.\s+)?(?=[A-ZÀ-Þ])")
_CLAUSE = re.compile(
    rf"(?P<words>{_ADVERBS}(?P<verb>{_VERB_ALT})(?:\s+(?:also|further|again|with\s+"
    rf"(?:appreciation|satisfaction|concern|interest)))?)(?![\w])")
# an operative paragraph may open with a phrase and state its verb after it:
# `24. In view of the need …, calls upon …`
_LATE_VERB = re.compile(r"(?<=[,;]\s)(?P<words>(?:also\s+|further\s+)?(?P<verb>"
                        r"calls upon|calls on|requests|decides|urges|invites|encourages|"
                        r"welcomes|recalls|reaffirms|notes|takes note))(?![\w])")


def _verb_key(words: str) -> str:
    verb = re.sub(r"^" + _ADVERBS, "", words).strip()
    verb = re.sub(r"\s+(?:also|further|again|with\s+\w+)$", "", verb)
    key = _VERB_KEYS.get(verb.lower())
    if key:
        return key
    for form, k in _VERB_KEYS.items():  # patterns with optional endings
        if re.fullmatch(form, verb, re.I):
            return k
    return ""


def clause_verbs(text: str) -> list[tuple[int, str, str]]:
    """(offset, English key, words as written) of each clause opening in `text`."""
    out = []
    for start in _CLAUSE_START.finditer(text):
        m = _CLAUSE.match(text, start.end())
        if m:
            key = _verb_key(m.group("words"))
            if key:
                out.append((m.start("words"), key, m.group("words")))
    if not out or out[0][0] > 12:
        head = text[:400]
        late = _LATE_VERB.search(head)
        if late and not re.match(r"\s*(?:\(?[a-z]{1,4}\)|\d{1,3}\.)?\s*[A-Z][a-z]+ing\b", head):
            out.insert(0, (0, _verb_key(late.group("verb").capitalize()) or "",
                           late.group("words")))
    return [v for v in out if v[1]]


# ------------------------------------------------------------------------------ extraction

@dataclass
class _Hit:
    start: int
    end: int
    symbol: str
    kind: str
    pinpoint: str = ""


# Letters read for digits in text recognised from paper, where only a digit can stand: `3I/72`
# and `L.4I` (I, l or | for 1), `4O0` (O for 0), `3g/162` (g for 9), `A/31/B` (B for 8),
# `A/C.I/39` and `A/C.L/39` (the committee's number). The same length, so the offsets of what
# is found hold.
_OCR_DIGITS = (
    (re.compile(r"(?<=\d)[Il|](?=[\d/),.;\s]|$)|(?<=[/.])[Il|](?=\d)"), "1"),
    (re.compile(r"(?<=\d)O(?=\d)|(?<=/\d)O(?=[/)\s])"), "0"),
    (re.compile(r"(?<=/\d)g(?=[/)\s.,])"), "9"),
    (re.compile(r"(?<=/\d\d/)B(?=[/)\s.,;]|$)"), "8"),  # `A/31/B/Add.1`: B for 8
    (re.compile(r"(?<=/[A-Z]\.)[IlL](?=/)"), "1"),
    (re.compile(r"(?<=[A-Z]/)c(?=\.\d)"), "C"),
)


def _ocr_fold(text: str) -> str:
    """`text` with the usual misreadings of digits in symbols and numbers set right (same
    length)."""
    for rx, digit in _OCR_DIGITS:
        text = rx.sub(digit, text)
    return text


def _mask_urls(text: str) -> str:
    return _URL.sub(lambda m: " " * len(m.group(0)), text)


def _symbols(text: str, own: frozenset[str]) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in _SYMBOL.finditer(text):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_/.-"):
            continue  # inside a word or another symbol
        raw = m.group(0).rstrip(".,;:-")
        if not _DIGIT.search(raw) or raw.count("/") < 1:
            continue
        start, end = m.start(), m.start() + len(raw)
        if _RUNNING_HEAD.match(text, end):
            continue  # a page's running head: `A/39/755 English Page 7`
        key = normalize_symbol(raw.replace(",/", "/") if ",/" in raw else raw)
        if not _complete(key):
            continue
        glued = _GLUED_NOTE.match(key)
        if glued:  # `A/39/2641`: document 264 and its footnote mark 1
            key, raw = glued.group(1), raw[:-1]
            end -= 1
        j = _JOINT.match(text, end)
        if j:  # `A/49/765-S/1994/1399`: one document with two symbols
            other = _SYMBOL_AFTER_DASH.match(text, end + 1)
            if other:
                end = other.end()
        if key in own:
            continue
        parts = _TWO_PARTS.search(raw)
        if parts:  # `A/56/23 (Part II and Part III)`: two documents
            base = normalize_symbol(raw[:parts.start()])
            hits += [_Hit(start, end, f"{base}(PART{p})", "symbol") for p in parts.groups()]
        else:
            hits.append(_Hit(start, end, key, "symbol"))
        pos = end
        while c := _CONTINUATION.match(text, pos):  # `and Corr.1`, `/Add.1 and 2` right after
            kind, nums = c.group(1).upper(), [c.group(2)] + re.findall(r"\d+", c.group(3))
            base = re.sub(rf"/{kind}\.\d+$", "", key)
            first = True
            for n in nums:
                s = c.start(2) - len(c.group(1)) - 1 if first else c.start(3) + c.group(3).find(n)
                e = c.end(2) if first else s + len(n)
                hits.append(_Hit(s, e, f"{base}/{kind}.{n}", "symbol"))
                first = False
            pos = c.end()
        if _RECORDS.search(key + raw[-4:]):
            stem = re.sub(r"\d+$", "", re.sub(r"-\d+$", "", key))
            while c := _MEETINGS.match(text, pos):  # `A/C.2/39/SR.28-33, 38-41 and 54-56`
                hits.append(_Hit(c.start(1), c.end(), f"{stem}{c.group(1)}", "symbol"))
                pos = c.end()
    return hits


# Until 1992 the Assembly's sessions had fewer than a thousand documents each: a four-digit
# document number there is a number and its footnote mark, glued when the text was read from
# paper (`A/39/2641` is A/39/264 and note 1).
_GLUED_NOTE = re.compile(r"^(A/(?:3[1-9]|4[0-7])/[1-9]\d{2})\d$")


def _complete(key: str) -> bool:
    """A whole document symbol, not its session (`A/39`, `A/C.2/39`, `E/1984`) or a bare
    organ and number (`A/3`): a two-element symbol is one of the old four- or five-digit
    series (`A/9726`, `S/12305`, `CD/1064`)."""
    parts = key.split("/")
    if len(parts) == 2:
        return re.fullmatch(r"\d{4,5}(?:\(.*\))?", parts[1]) is not None
    if re.fullmatch(r"[A-Z]", parts[-1]):  # cut short where the text was misread: `A/31/B`
        return False
    return not re.fullmatch(r"(?:[A-Z]+/)+(?:[A-Z]{1,4}\.\d{1,2}/)?(?:\d{1,2}|(?:19|20)\d\d)", key)


_BODY_CUE = re.compile(r"Council|Assembl|Commission|Conseil|Consejo|Asamblea|Comisi|Conference|"
                       r"Board|Sub-Commission|ECOSOC")


def _body_before(text: str, start: int) -> str:
    before = text[max(0, start - 110):start]
    if "." in before and _IN_REPORT.search(before):
        return "report"
    cue = _BODY_CUE.search(before)
    # a body's name starts at most 25 characters before its cue word (`Trade and Development
    # Board`); the end-anchored pattern is searched from there
    m = _BODY_BEFORE.search(before, max(0, cue.start() - 25)) if cue else None
    return next((key for key, _ in _BODIES if m.group(key)), "") if m else ""


def _body_after(text: str, end: int) -> str:
    m = _BODY_AFTER.match(text[end:end + 160])
    if not m:
        return ""
    return next((key for key, _ in _BODIES if m.group(key)), "")


_NEW_KEYWORD = re.compile(r"resolution|decision|résolution|décision|resoluci|decisi", re.I)
_OWNER = re.compile(  # the body's name before `resolution`: part of the reference's words
    r"(?:(?:Economic and Social|Human Rights|Security)\s+Council|General\s+Assembly|"
    r"Commission on Human Rights|Assembly|Council)\s+(?:in its\s+)?$")


def _resolutions(text: str, context: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for kw in _KEYWORD_RE.finditer(text):
        if kw.start() and text[kw.start() - 1].isalnum():
            continue
        first = _FIRST.match(text, kw.start())
        if first is None:
            continue
        decision = first.group("kw").lower().startswith(("dec", "déc"))
        body = _body_before(text, first.start())
        pos = first.end()
        items = []
        while True:
            m = _ITEM_RE.match(text, pos)
            if not m:
                break
            items.append(m)
            pos = m.end()
            nxt = _NEXT.match(text, pos)
            if not nxt:
                break
            # a new keyword starts a new list (its own body may differ)
            if _NEW_KEYWORD.search(text, pos, nxt.end()):
                break
            pos = nxt.end()
        if not items:
            continue
        if not body:
            body = _body_after(text, items[-1].end()) if len(items) == 1 else ""
        for k, m in enumerate(items):
            start = first.start() if k == 0 else m.start()
            if k == 0:
                lead = text[max(0, start - 50):start]
                owner = _OWNER.search(lead) if "Co" in lead or "Assembl" in lead else None
                if owner:
                    start -= len(owner.group(0))
            for symbol in _resolution_symbols(m, body, decision):
                hits.append(_Hit(start, m.end(), symbol, "resolution"))
    # `paragraph 6 of resolution 2360`: a Council number the passage (or its context) dates
    for m in _BARE_SC.finditer(text):
        if m.start() and text[m.start() - 1].isalnum():
            continue
        n = m.group(1)
        dated = re.search(_SC_YEAR.format(n=n), text) or re.search(_SC_YEAR.format(n=n), context)
        if dated:
            hits.append(_Hit(m.start(), m.end(), f"S/RES/{n}({dated.group(1)})", "resolution"))
    return hits


_NOT_LETTER = str.maketrans({c: " " for c in "0123456789.,;:()[]{}“”\"'’«»!?/-–—*"})
# The passage's words, to find the anchors among them, cut from its UTF-8 bytes (one C pass,
# a regex over the text costs twice as much): digits, ASCII punctuation and the bytes of
# `“”‘’–—…«»` become spaces. Lowercase Latin-1 letters (bytes C3 A0-BF) stay whole except
# ë and û (anchors have neither): at worst a word is cut in two, and the names' own
# patterns decide.
_GAP_BYTES = bytes(32 if b in b"0123456789.,;:()[]{}\"'!?/-*" or 0x80 <= b < 0xA0
                   or b in (0xC2, 0xE2, 0xAB, 0xBB) else b for b in range(256))


def _words(low: str) -> list[bytes]:
    return low.encode().translate(_GAP_BYTES).split()


def _instrument_matches(text: str, low: str, lang: str, anchors: set[bytes]) -> list[re.Match]:
    groups = _instrument_groups(lang)
    found = []
    for anchor in anchors:
        anchor = anchor.decode()
        group = groups[anchor]
        at = low.find(anchor)
        while at >= 0:  # look around each place the anchor stands, not through the passage
            lo, hi = max(0, at - group.before), min(len(text), at + group.after)
            for rx in (group.loose, group.exact):
                if rx is not None:
                    found += rx.finditer(text, lo, hi)
            at = low.find(anchor, at + len(anchor))
    return list({m.span(): m for m in found}.values())


def _instruments(text: str, low: str, lang: str, taken: list[_Hit],
                 anchors: set[bytes]) -> list[_Hit]:
    """The names of the instruments table whose anchor words (`anchors`) the passage has."""
    symbols = _instrument_symbols(lang)
    matches = sorted(_instrument_matches(text, low, lang, anchors),
                     key=lambda m: (m.start(), -m.end()))
    longest: list[re.Match] = []
    for m in matches:  # the longest name wins where two overlap
        if not longest or m.start() >= longest[-1].end():
            longest.append(m)
    hits = []
    for m in longest:
        if _ORGANIZATION_AFTER.match(text, m.end()):
            continue
        if _BODY_NAME_BEFORE.search(text[max(0, m.start() - 160):m.start()]):
            continue
        symbol = symbols.get(_fold_name(m.group(0)))
        if symbol is None:
            continue
        if m.group(0)[0].islower() and re.search(r"\b(?:an?|any|un|une|una)\s+$",
                                                 text[max(0, m.start() - 5):m.start()]):
            continue  # `a comprehensive nuclear-test-ban treaty`: not yet the Treaty
        if _in_title(text, m.start()) and any(
                h.symbol == symbol and h.end <= m.start() and m.start() - h.end < 300
                for h in taken):
            continue  # the title of a cited resolution: `70/1, entitled “… 2030 Agenda …”`
        hits.append(_Hit(m.start(), m.end(), symbol, "instrument"))
    return hits


def _pinpoints(text: str, hits: list[_Hit], context: str, own: frozenset[str]) -> list[_Hit]:
    """Attach `paragraph N of X` / `X, paras. N` to the reference X; add targets, goals and
    objectives that name no document (the 2030 Agenda's and the Global Compact's)."""
    out: list[_Hit] = []
    low = text.lower()
    cited = any(w in low for w in _PINPOINT_CUES)  # `paragraph`, `article`, `target` …
    paras = "par" in low or "pár" in low
    for h in hits:
        before = text[max(0, h.start - 80):h.start]
        m = None
        if cited and _DIGIT.search(before, len(before) - 45):
            lower = before.lower()
            cues = [i for i in (lower.find(w) for w in _PINPOINT_CUES) if i >= 0]
            if cues:  # the pattern ends where the reference starts: searched from 25 characters
                # before the first cue word (`Sustainable Development Goal`, `subparagraph`)
                m = _PINPOINT_BEFORE.search(before, max(0, min(cues) - 25))
        if m:
            start = h.start - len(before) + m.start()
            numbers = _numbers(m.group("list"))
            if m.group("para"):
                labels = _para_labels(m.group("list"))
            elif m.group("art"):
                labels = [f"Article {n}" for n in numbers]
            elif m.group("target"):
                labels = [f"target {n}" for n in numbers]
            elif m.group("goal") or (m.group("objective") and h.symbol == _AGENDA):
                labels = [f"Goal {n}" for n in numbers]
            else:
                labels = [f"Objective {n}" for n in numbers]
            for label in labels:
                out.append(_Hit(start, h.end, h.symbol, "pinpoint", label))
            continue
        after = _PINPOINT_AFTER.match(text[h.end:h.end + 80]) if paras else None
        if after and h.kind in ("symbol", "resolution"):
            for label in _para_labels(after.group("list"), after.group("annex") or ""):
                out.append(_Hit(h.start, h.end + after.end(), h.symbol, "pinpoint", label))
            continue
        out.append(h)
    taken = [(h.start, h.end) for h in out]

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    agenda, gcm = _AGENDA, _GCM
    for m in (_TARGET.finditer(text) if ("target" in low or "cible" in low or "meta" in low)
              else ()):
        if not free(m.start(), m.end()) or agenda in own:
            continue
        for n in re.findall(_TARGET_NUMBER, m.group("list")):
            out.append(_Hit(m.start(), m.end(), agenda, "pinpoint", f"target {n}"))
    sdg_context = None
    for m in (_GOAL.finditer(text) if ("goal" in low or "objecti" in low or "objetivo" in low)
              else ()):
        if not free(m.start(), m.end()) or agenda in own:
            continue
        if sdg_context is None:
            sdg_context = bool(_SDG_CONTEXT.search(text) or _SDG_CONTEXT.search(context))
        if m.group("goal") and not sdg_context:
            continue
        for n in re.findall(r"\d{1,2}", m.group("list")):
            if 1 <= int(n) <= 17:
                out.append(_Hit(m.start(), m.end(), agenda, "pinpoint", f"Goal {n}"))
    gcm_context = None
    for m in (_OBJECTIVE.finditer(text) if ("objecti" in low or "objetivo" in low) else ()):
        if not free(m.start(), m.end()):
            continue
        if gcm_context is None:
            gcm_context = bool(_GCM_CONTEXT.search(text) or _GCM_CONTEXT.search(context))
            sdg_context = bool(_SDG_CONTEXT.search(text) or _SDG_CONTEXT.search(context))
        word = m.group(0).split()[0].lower()
        numbers = [n for n in re.findall(r"\d{1,2}", m.group("list")) if 1 <= int(n) <= 23]
        if word.startswith(("objectif", "objetivo")) and sdg_context and not gcm_context:
            target, label = agenda, "Goal"  # `objectif 10` of the 2030 Agenda
        elif gcm_context and gcm not in own:
            target, label = gcm, "Objective"
        else:
            continue
        if target in own:
            continue
        for k, number in enumerate(re.finditer(r"\d{1,2}", m.group("list"))):
            if number.group(0) in numbers:  # `objectives 2` first, then `5`, `6` …
                start = m.start() if k == 0 else m.start("list") + number.start()
                out.append(_Hit(start, m.start("list") + number.end(), target, "pinpoint",
                                f"{label} {number.group(0)}"))
    return out


def extract(text: str, lang: str = "en", own_symbols: frozenset[str] = frozenset(),
            context: str = "") -> list[Reference]:
    """The references in one passage's `text`, left to right.

    `lang` chooses the instrument names (en, fr, es; any other language tries all three);
    `own_symbols` are the citing document's own symbols, in any form (its symbol, its
    adopted resolution's): references to them are dropped. `context` is text around the
    passage (the paragraph that introduces a list, the previous passage), read only to
    resolve what the passage leaves implicit: which document `objectives 2, 5` belong to,
    the year of `resolution 2360`."""
    own = _normalized(frozenset(own_symbols))
    low = text.lower()
    masked = _mask_urls(text) if ("http" in low or "www." in low) else text
    if "/" in masked:
        masked = _ocr_fold(masked)
    hits = _symbols(masked, own) if "/" in text else []
    if "resolu" in low or "résolu" in low or "decisi" in low or "décisi" in low:
        hits += [h for h in _resolutions(masked, context) if h.symbol not in own or not h.symbol]
    words = _words(low)
    anchors = _anchor_bytes(lang).intersection(words)
    if anchors:
        taken = sorted(hits, key=lambda h: h.start)
        hits += [h for h in _instruments(masked, low, lang, taken, anchors)
                 if h.symbol not in own]
    if not hits and _PINPOINT_WORDS.isdisjoint(words):
        return []
    hits = _dedupe(hits)
    hits = _pinpoints(masked, hits, context, own)
    if not hits:
        return []
    verbs = clause_verbs(text)
    out = []
    for h in sorted(hits, key=lambda h: (h.start, h.end, h.pinpoint)):
        verb = next(((k, w) for pos, k, w in reversed(verbs) if pos <= h.start), ("", ""))
        out.append(Reference(text=text[h.start:h.end], start=h.start, end=h.end, symbol=h.symbol,
                             pinpoint=h.pinpoint, verb=verb[0], verb_text=verb[1], kind=h.kind))
    return out


@lru_cache(maxsize=64)
def _normalized(symbols: frozenset[str]) -> frozenset[str]:
    return frozenset(normalize_symbol(s) for s in symbols if s)


def _dedupe(hits: list[_Hit]) -> list[_Hit]:
    """A span found twice (an instrument name inside a resolution's own words) counts once;
    a symbol inside a longer reference's span is that reference."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[_Hit] = []
    by_symbol: dict[str, list[_Hit]] = {}
    for h in hits:
        same = by_symbol.setdefault(h.symbol, [])
        if any(o.start <= h.start and h.end <= o.end for o in same):
            continue
        same.append(h)
        out.append(h)
    return out


_PARENT = re.compile(r"\s?\([^()]*\)$")


def with_context(passages: list[Passage]) -> Iterator[tuple[Passage, str]]:
    """Each passage with the text ingest gives `extract` as its context: the paragraph that
    introduces it (`16` for `16(a)`, `21(b)` for `21(b)(ii)`) and the passage before it (the
    year of a bare Security Council number, whose `objective 23` it is)."""
    by_label: dict[str, str] = {}
    previous = ""
    for p in passages:
        parent = _PARENT.sub("", p.label) if p.label.endswith(")") else ""
        lead = by_label.get(parent, "") if parent and parent != p.label else ""
        yield p, (lead + "\n" + previous).strip() if lead != previous else previous
        by_label[p.label] = p.text
        previous = p.text


def find_references(passages: list[Passage], default_lang: str = "en",
                    own_symbols: Iterable[str] = ()) -> None:
    """Set each passage's `references` (ingest: `prepare`), read in its own language (the
    document's when it has none), with the document's own symbols left out: its symbol and
    the resolution it was adopted as."""
    own = frozenset(s for s in own_symbols if s)
    for p, context in with_context(passages):
        p.references = extract(p.text, p.lang or default_lang, own, context=context)
