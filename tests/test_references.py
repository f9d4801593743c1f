"""Cross-references (`indexer.ingest.references`): each kind in en/fr/es, what is not a reference,
properties over real passages, and the measured accuracy on the hand-labelled set of
tests/data/references (skipped when ../shared is absent)."""

from __future__ import annotations

import importlib.util
import random
import sys

import pytest
from conftest import PROJECT, SHARED, shared_path

from indexer import config
from indexer.errors import IngestRefused
from indexer.ingest.parsers import parse_file
from indexer.ingest.passages import split_passages
from indexer.ingest.references import (
    Reference,
    clause_verbs,
    extract,
    normalize_symbol,
    official_link,
)


def refs(text: str, lang: str = "en", own: frozenset[str] = frozenset(),
         context: str = "") -> list[tuple[str, str, str, str]]:
    """(words, symbol, pinpoint, verb key) of each reference; checks the offsets."""
    out = []
    for r in extract(text, lang, own, context=context):
        assert text[r.start:r.end] == r.text
        out.append((r.text, r.symbol, r.pinpoint, r.verb))
    return out


def symbols(text: str, lang: str = "en", **kw) -> list[str]:
    return [s for _, s, _, _ in refs(text, lang, **kw)]


# ------------------------------------------------------------------------------ normalize

@pytest.mark.parametrize("written, key", [
    ("A/RES/70/1", "A/RES/70/1"),
    ("a/res/70/1", "A/RES/70/1"),
    ("A/C.3/73/L.59", "A/C.3/73/L.59"),
    ("A/73/L.66", "A/73/L.66"),
    ("S/RES/1325 (2000)", "S/RES/1325(2000)"),
    ("A/RES/2200 A (XXI)", "A/RES/2200(XXI)"),  # the document holds all its parts
    ("A/RES/217 (III)", "A/RES/217(III)"),  # the corpus's UDHR
    ("A/73/12 (Part II)", "A/73/12(PARTII)"),
    ("A/CONF.157/24 (Part I)", "A/CONF.157/24(PARTI)"),
    ("A/C.2/39/SR.28-33", "A/C.2/39/SR.28"),  # a range of records: its first
    ("A/49/210/Add.1", "A/49/210/ADD.1"),
    ("A/CONF.62/122 (vols. I-III)", "A/CONF.62/122"),
])
def test_normalize_symbol(written, key):
    assert normalize_symbol(written) == key
    assert normalize_symbol(key) == key  # idempotent


def test_official_link():
    assert official_link("A/RES/70/1") == "https://undocs.org/A/RES/70/1"
    assert official_link("") == ""


# ------------------------------------------------------------------------------ symbols

def test_symbols_written_out():
    text = ("Taking note of the report of the Secretary-General (A/73/286), of document "
            "A/C.3/73/L.59 and of the presidential statement S/PRST/2006/15,")
    assert symbols(text) == ["A/73/286", "A/C.3/73/L.59", "S/PRST/2006/15"]
    assert refs(text)[0][3] == "take note"


def test_joint_symbol_is_one_reference():
    text = "the letter contained in document A/49/765-S/1994/1399 of 14 December 1994"
    (r,) = extract(text, "en")
    assert r.text == "A/49/765-S/1994/1399" and r.symbol == "A/49/765"


def test_addenda_corrigenda_and_meeting_lists():
    assert symbols("See A/49/210 and Corr.1 and Add.1 and 2.") == [
        "A/49/210", "A/49/210/CORR.1", "A/49/210/ADD.1", "A/49/210/ADD.2"]
    assert symbols("See A/C.2/39/SR.28-33, 38-41 and 54-56.") == [
        "A/C.2/39/SR.28", "A/C.2/39/SR.38", "A/C.2/39/SR.54"]


def test_two_parts_are_two_documents():
    assert symbols("the report of the Committee (A/56/23 (Part II and Part III))") == [
        "A/56/23(PARTII)", "A/56/23(PARTIII)"]


def test_not_symbols():
    # own symbols, in any form
    assert symbols("Draft resolution A/C.3/73/L.59 as orally revised",
                   own=frozenset({"A/C.3/73/L.59"})) == []
    assert symbols("Recalling resolution 73/195,", own=frozenset({"A/RES/73/195"})) == []
    # link targets, running heads, sessions, page furniture
    assert symbols("Available from https://undocs.org/A/RES/70/1.") == []
    assert symbols("A/39/755 English Page 7") == []
    assert symbols("Official Records of the General Assembly, Seventy-third Session, "
                   "Supplement No. 12 (A/73)") == []
    assert symbols("18-21786 6/35") == []
    # other organizations' numbers
    assert symbols("Recalling Council Decision 2010/413/CFSP of 26 July 2010,") == []
    assert symbols("Advisory Opinion OC-16/99 of the Inter-American Court") == []


# ------------------------------------------------------------------------------ resolutions

def test_resolution_lists_every_number():
    text = ("Recalling its resolutions 71/280 of 6 April 2017, 72/244 of 22 December 2017 "
            "and 72/308 of 24 July 2018,")
    assert refs(text) == [("resolutions 71/280", "A/RES/71/280", "", "recall"),
                          ("72/244", "A/RES/72/244", "", "recall"),
                          ("72/308", "A/RES/72/308", "", "recall")]


@pytest.mark.parametrize("text, symbol", [
    ("Recalling its resolution 70/1 of 25 September 2015,", "A/RES/70/1"),
    ("Recalling resolution 2200 A (XXI) of 16 December 1966,", "A/RES/2200(XXI)"),
    ("Recalling its resolution 1514 (XV) of 14 December 1960,", "A/RES/1514(XV)"),
    ("Recalling resolution 45/158 of 18 December 1990,", "A/RES/45/158"),
    ("Reaffirming Security Council resolution 1325 (2000) of 31 October 2000,",
     "S/RES/1325(2000)"),
    ("Taking note of Economic and Social Council resolution 2004/2 of 21 July 2004,",
     "E/RES/2004/2"),
    ("Recalling Human Rights Council resolution 5/1 of 18 June 2007,", "A/HRC/RES/5/1"),
    ("Recalling Commission on Human Rights resolution 2005/47 of 19 April 2005,",
     "E/CN.4/RES/2005/47"),
    ("Recalling the Final Document, resolution S-10/2,", "A/RES/S-10/2"),
    ("Recalling its decision 73/547 of 22 December 2018,", "A/DEC/73/547"),
    ("Rappelant sa résolution 70/1 du 25 septembre 2015,", "A/RES/70/1"),
    ("Rappelant la résolution 1325 (2000) du Conseil de sécurité,", "S/RES/1325(2000)"),
    ("Recordando su resolución 73/195, de 19 de diciembre de 2018,", "A/RES/73/195"),
    ("Recordando la resolución 2004/2 del Consejo Económico y Social,", "E/RES/2004/2"),
])
def test_resolution_numbers(text, symbol):
    assert symbols(text) == [symbol]


def test_resolution_letters_and_bodies_without_symbols():
    assert symbols("Recalling resolution 45/62 F and G of 4 December 1990,") == [
        "A/RES/45/62F", "A/RES/45/62G"]
    # a body whose symbols are not known: found, not resolved
    assert symbols("Recalling Commission on Population and Development resolution 2014/1,") \
        == [""]


def test_council_number_dated_by_context():
    assert symbols("paragraph 6 of resolution 2360", context="resolution 2360 (2017)") == [
        "S/RES/2360(2017)"]
    assert symbols("paragraph 6 of resolution 2360") == []  # no year: no symbol to give


# ------------------------------------------------------------------------------ instruments

@pytest.mark.parametrize("lang, text, symbol", [
    ("en", "Reaffirming the 2030 Agenda for Sustainable Development,", "A/RES/70/1"),
    ("en", "the Addis Ababa Action Agenda of the Third International Conference on "
     "Financing for Development", "A/RES/69/313"),
    ("en", "the Sendai Framework for Disaster Risk Reduction 2015-2030", "A/RES/69/283"),
    ("en", "the New Urban Agenda", "A/RES/71/256"),
    ("en", "the New York Declaration for Refugees and Migrants", "A/RES/71/1"),
    ("en", "the Global Compact for Safe, Orderly and Regular Migration", "A/RES/73/195"),
    ("en", "the global compact on refugees", "A/73/12(PARTII)"),
    ("en", "the Universal Declaration of Human Rights", "A/RES/217(III)"),
    ("en", "the Convention on the Rights of the Child", "A/RES/44/25"),
    ("en", "the International Convention on the Protection of the Rights of All Migrant "
     "Workers and Members of Their Families", "A/RES/45/158"),
    ("fr", "le Programme de développement durable à l’horizon 2030", "A/RES/70/1"),
    ("fr", "le Cadre de Sendai pour la réduction des risques de catastrophe (2015-2030)",
     "A/RES/69/283"),
    ("fr", "la Déclaration universelle des droits de l’homme", "A/RES/217(III)"),
    ("fr", "le Pacte mondial pour des migrations sûres, ordonnées et régulières",
     "A/RES/73/195"),
    ("es", "la Agenda 2030 para el Desarrollo Sostenible", "A/RES/70/1"),
    ("es", "la Declaración Universal de Derechos Humanos", "A/RES/217(III)"),
    ("es", "la Convención sobre los Derechos del Niño", "A/RES/44/25"),
])
def test_instruments(lang, text, symbol):
    (r,) = extract(text, lang)
    assert (r.symbol, r.kind) == (symbol, "instrument")
    assert r.text[0].isupper() or r.text[0].isdigit() or r.text.startswith("global")


def test_not_instruments():
    # no sure UN symbol: the Charter, the Refugee Convention
    assert symbols("Recalling the Charter of the United Nations and the Convention relating "
                   "to the Status of Refugees,") == []
    # not yet the document
    assert symbols("Stressing the need for a comprehensive nuclear-test-ban treaty,") == []
    # a name inside a body's name
    assert symbols("the Special Committee on the Situation with regard to the Implementation "
                   "of the Declaration on the Granting of Independence to Colonial Countries "
                   "and Peoples") == []
    # the document itself
    assert symbols("the 2030 Agenda for Sustainable Development",
                   own=frozenset({"A/RES/70/1"})) == []


def test_title_of_a_cited_resolution_is_not_a_second_reference():
    text = ("Recalling its resolution 70/1 of 25 September 2015, entitled “Transforming our "
            "world: the 2030 Agenda for Sustainable Development”,")
    assert refs(text) == [("resolution 70/1", "A/RES/70/1", "", "recall")]


# ------------------------------------------------------------------------------ pinpoints

@pytest.mark.parametrize("lang, text, expected", [
    ("en", "Recalling paragraph 23 of resolution 71/1,",
     [("paragraph 23 of resolution 71/1", "A/RES/71/1", "para. 23", "recall")]),
    ("en", "Recalling paragraphs 5 and 6 of resolution 71/1,",
     [("paragraphs 5 and 6 of resolution 71/1", "A/RES/71/1", "para. 5", "recall"),
      ("paragraphs 5 and 6 of resolution 71/1", "A/RES/71/1", "para. 6", "recall")]),
    ("en", "4. Decides that the measures in paragraph 8 (a) (iii) of resolution 1718 (2006) apply",
     [("paragraph 8 (a) (iii) of resolution 1718 (2006)", "S/RES/1718(2006)", "para. 8(a)(iii)",
       "decide")]),
    ("en", "the measures imposed in paragraphs 8 (a) and 8 (b) of resolution 1718 (2006)",
     [("paragraphs 8 (a) and 8 (b) of resolution 1718 (2006)", "S/RES/1718(2006)", "para. 8(a)",
       ""),
      ("paragraphs 8 (a) and 8 (b) of resolution 1718 (2006)", "S/RES/1718(2006)", "para. 8(b)",
       "")]),
    ("en", "Recalling article 14 of the Universal Declaration of Human Rights,",
     [("article 14 of the Universal Declaration of Human Rights", "A/RES/217(III)",
       "Article 14", "recall")]),
    ("en", "as stated in the report (A/31/8/Add.26, para. 12),",
     [("A/31/8/Add.26, para. 12", "A/31/8/ADD.26", "para. 12", "")]),
    ("en", "4. Urges States to achieve target 10.c and Sustainable Development Goal 10,",
     [("target 10.c", "A/RES/70/1", "target 10.c", "urge"),
      ("Sustainable Development Goal 10", "A/RES/70/1", "Goal 10", "urge")]),
    ("fr", "Réaffirmant le paragraphe 23 de la résolution 71/1,",
     [("paragraphe 23 de la résolution 71/1", "A/RES/71/1", "para. 23", "reaffirm")]),
    ("fr", "5. Prie le Secrétaire général de lui faire rapport sur la cible 10.7,",
     [("cible 10.7", "A/RES/70/1", "target 10.7", "request")]),
    ("es", "Recordando el párrafo 23 de la resolución 71/1,",
     [("párrafo 23 de la resolución 71/1", "A/RES/71/1", "para. 23", "recall")]),
    ("es", "3. Solicita al Secretario General que informe sobre la meta 10.7,",
     [("meta 10.7", "A/RES/70/1", "target 10.7", "request")]),
])
def test_pinpoints(lang, text, expected):
    assert refs(text, lang) == expected


def test_objectives_belong_to_the_compact_named_around_them():
    text = ("Recalling the Global Compact for Safe, Orderly and Regular Migration, in "
            "particular objectives 2 and 23,")
    assert [(s, p) for _, s, p, _ in refs(text)] == [
        ("A/RES/73/195", ""), ("A/RES/73/195", "Objective 2"), ("A/RES/73/195", "Objective 23")]
    # no compact in the passage or its context: an objective is not a reference
    assert refs("in line with objective 23 of the strategy") == []
    assert symbols("implementing objective 23", context="the Global Compact for Migration") \
        == ["A/RES/73/195"]


def test_goals_need_the_2030_agenda_around_them():
    assert symbols("Goal 10 of the 2030 Agenda for Sustainable Development") == ["A/RES/70/1"]
    assert symbols("the goal 10 of the organization") == []


# ------------------------------------------------------------------------------ verbs

@pytest.mark.parametrize("lang, text, key, words", [
    ("en", "Recalling also its resolution 70/1,", "recall", "Recalling also"),
    ("en", "Reaffirming its resolution 70/1,", "reaffirm", "Reaffirming"),
    ("en", "Welcoming the adoption of resolution 70/1,", "welcome", "Welcoming"),
    ("en", "Taking note of resolution 70/1,", "take note", "Taking note"),
    ("en", "3. Decides to review resolution 70/1;", "decide", "Decides"),
    ("en", "4. Requests the Secretary-General to implement resolution 70/1;", "request",
     "Requests"),
    ("en", "5. Urges States to implement resolution 70/1;", "urge", "Urges"),
    ("en", "6. Calls upon States to implement resolution 70/1;", "call upon", "Calls upon"),
    ("en", "7. Notes resolution 70/1;", "note", "Notes"),
    ("en", "8. Emphasizes resolution 70/1;", "emphasize", "Emphasizes"),
    ("en", "24. In view of the need for coherence, calls upon States to implement "
     "resolution 70/1;", "call upon", "calls upon"),
    ("fr", "Rappelant sa résolution 70/1,", "recall", "Rappelant"),
    ("fr", "Réaffirmant sa résolution 70/1,", "reaffirm", "Réaffirmant"),
    ("fr", "Se félicitant de la résolution 70/1,", "welcome", "Se félicitant"),
    ("fr", "Prenant note de la résolution 70/1,", "take note", "Prenant note"),
    ("fr", "3. Décide d’examiner la résolution 70/1;", "decide", "Décide"),
    ("fr", "4. Prie le Secrétaire général d’appliquer la résolution 70/1;", "request", "Prie"),
    ("fr", "5. Demande aux États d’appliquer la résolution 70/1;", "call upon", "Demande"),
    ("es", "Recordando su resolución 70/1,", "recall", "Recordando"),
    ("es", "Reafirmando su resolución 70/1,", "reaffirm", "Reafirmando"),
    ("es", "Acogiendo con beneplácito la resolución 70/1,", "welcome",
     "Acogiendo con beneplácito"),
    ("es", "Tomando nota de la resolución 70/1,", "take note", "Tomando nota"),
    ("es", "3. Decide examinar la resolución 70/1;", "decide", "Decide"),
    ("es", "4. Solicita al Secretario General que aplique la resolución 70/1;", "request",
     "Solicita"),
    ("es", "5. Pide a los Estados que apliquen la resolución 70/1;", "request", "Pide"),
])
def test_clause_verbs(lang, text, key, words):
    (r,) = extract(text, lang)
    assert (r.verb, r.verb_text) == (key, words)


def test_run_in_preambular_clause_changes_the_verb():
    text = ("Recalling its resolution 70/1 of 25 September 2015,5 Reaffirming its resolution "
            "71/1 of 19 September 2016,")
    assert [(s, v) for _, s, _, v in refs(text)] == [("A/RES/70/1", "recall"),
                                                     ("A/RES/71/1", "reaffirm")]
    assert [k for _, k, _ in clause_verbs(text)] == ["recall", "reaffirm"]


def test_no_verb_outside_a_clause():
    (r,) = extract("The report of the Secretary-General (A/73/286) describes it.", "en")
    assert (r.verb, r.verb_text) == ("", "")


@pytest.mark.parametrize("text, words, symbol", [
    # text read from paper (sessions up to 1992): commas and spaces beside slashes, letters
    # for digits, a footnote mark glued to a document number
    ("the report (A,/39/525) of the Committee", "A,/39/525", "A/39/525"),
    ("see document A/39 /544 and", "A/39 /544", "A/39/544"),
    ("see document A/39/ 493 and", "A/39/ 493", "A/39/493"),
    ("draft resolution A/C.I/39/L.16 was", "A/C.I/39/L.16", "A/C.1/39/L.16"),
    ("draft resolution A/C.L/39/L.34 was", "A/C.L/39/L.34", "A/C.1/39/L.34"),
    ("the report A/3g/162 of", "A/3g/162", "A/39/162"),
    ("the letter (A/39/2641) from", "A/39/264", "A/39/264"),
    ("in its resolution 38,/188 J of", "resolution 38,/188 J", "A/RES/38/188J"),
    ("in its resolutlon 3I/72 of", "resolutlon 3I/72", "A/RES/31/72"),
    ("in its resolution 31./90 of", "resolution 31./90", "A/RES/31/90"),
    ("its report (A/31/B/Add.1 and", "A/31/B/Add.1", "A/31/8/ADD.1"),
])
def test_misreadings_of_text_read_from_paper(text, words, symbol):
    [(found, key, _pin, _verb)] = refs(text)
    assert (found, key) == (words, symbol)


def test_what_paper_misreadings_do_not_make_references():
    assert refs("A/39 /7 55 English\n\nAgainst: Australia") == []  # a split running head
    assert refs("document A/C.1/39/L, was") == []  # cut short where the text was misread
    assert refs("in its resolution 3./208 of") == []  # a digit lost
    # born digital: a four-digit document number of a recent session is a number
    assert [k for _, k, _, _ in refs("the report A/73/1001 of")] == ["A/73/1001"]


# ------------------------------------------------------------------------------ real passages

def _passages(path, lang):
    settings = config.load()
    try:
        parsed = parse_file(path)
    except IngestRefused:
        return
    for p in split_passages(parsed, "d", max_words=settings.max_passage_words,
                            min_words=settings.min_passage_words):
        yield p.text


@pytest.mark.shared
def test_properties_over_real_passages():
    corpus = shared_path("corpus")
    files = [p for p in sorted(corpus.rglob("*")) if p.is_file() and p.suffix != ".tsv"]
    unga = sorted((SHARED / "unga" / "texts").glob("*.txt"))
    files += random.Random(7).sample(unga, min(60, len(unga)))
    found = 0
    for path in files:
        lang = next((code for code in ("fr", "es") if f".{code}." in path.name), "en")
        for text in _passages(path, lang):
            for r in extract(text, lang):
                found += 1
                assert isinstance(r, Reference)
                assert text[r.start:r.end] == r.text and r.text.strip() == r.text
                assert r.symbol == normalize_symbol(r.symbol)
                assert r.kind in ("symbol", "resolution", "instrument", "pinpoint")
                assert bool(r.pinpoint) == (r.kind == "pinpoint")
                assert "undocs.org" not in text[max(0, r.start - 20):r.start]
    assert found > 500


# ------------------------------------------------------------------------------ labelled set

def _bench():
    spec = importlib.util.spec_from_file_location(
        "eval_references", PROJECT / "bench" / "eval_references.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.shared
def test_accuracy_on_the_labelled_set():
    """The issue's goal (extraction P >= 0.97, R >= 0.95) on the texts with a text layer: the
    corpus and the UNGA documents born digital. The UNGA documents recognized from paper
    (sessions up to 1992) fall short of it in recall (their symbols and numbers are often
    garbled: `A/3l/l79`, `resolution 3l8l (XXVIIl)`); there only what is found must be right."""
    shared_path("unga", "texts")
    bench = _bench()
    groups, _ = bench.evaluate(SHARED)
    for name in ("corpus", "unga, born-digital"):
        p, r = groups[name].pr("extraction")
        assert p >= bench.GOAL_PRECISION and r >= bench.GOAL_RECALL, (name, p, r)
    p, _ = groups["unga, from paper (OCR)"].pr("detection")
    assert p >= 0.95
    s = groups["total"]
    assert s.verb_total and s.verb_right / s.verb_total >= 0.95
