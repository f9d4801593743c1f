"""PDF passages as printed: headings, paragraphs, preamble clauses, footnotes, columns and
tables found from the layout (indexer/ingest/parsers/pdf_layout.py), on PDFs laid out like UN
documents (tests/unpdf.py, written with fpdf2) and on the shared PDFs; and the HTML/PDF twin
property over ../shared/corpus and ../shared/corpus-pdf."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import SHARED

sys.path.insert(0, str(Path(__file__).resolve().parent))

from unpdf import two_column_pdf, un_pdf  # noqa: E402

from indexer.ingest.parsers import parse_file  # noqa: E402
from indexer.ingest.passages import split_passages  # noqa: E402
from indexer.labels import locator  # noqa: E402
from indexer.text import fold

EN = ("Member States commit to cooperate internationally on safe, orderly and regular "
      "migration, and to address its drivers in countries of origin, transit and "
      "destination alike.")
FR = ("Les États Membres s’engagent à coopérer au niveau international pour des migrations "
      "sûres, ordonnées et régulières, et à en traiter les causes dans les pays d’origine, "
      "de transit et de destination.")
ES = ("Los Estados Miembros se comprometen a cooperar a nivel internacional para una "
      "migración segura, ordenada y regular, y a abordar sus causas en los países de origen, "
      "tránsito y destino.")


def cited(path: Path) -> list[tuple[str, str, str, str]]:
    """(locator, section, page, text) of each passage, as a reader would cite it."""
    doc = parse_file(path)
    return [(locator(p.label, p.section), p.section, p.page_label, p.text)
            for p in split_passages(doc, "d")]


def report_en() -> list[tuple[str, str]]:
    return [
        ("title", "Report of the Secretary-General on international migration and "
                  "development"),
        ("chapter", "Chapter I\nIntroduction"),
        ("para", "1. " + EN + " " + EN),
        ("para", "2. The present report responds to the request of the General Assembly in "
                 "its resolution 75/1, in which it asked for:"),
        ("sub", "(a) An account of the progress made by Member States;"),
        ("sub", "(b) Recommendations for the next session of the Assembly, including on the "
                "follow-up to the Compact."),
        ("footnote", "1 See resolution 73/195, annex, on the Global Compact."),
        ("chapter", "Chapter II\nImplementation"),
        ("para", "3. " + EN),
        ("para", "4. " + " ".join([EN] * 5)),
        ("para", "5. " + " ".join([EN] * 6)),  # runs over the page break
        ("para", "6. " + EN),
        ("page", ""),
        ("chapter", "Annex"),
        ("chapter", "Draft resolution on international migration"),
        ("plain", "The General Assembly,"),
        ("preamble", "Recalling| its resolution 73/195 of 19 December 2018, in which it "
                     "endorsed the Global Compact for Safe, Orderly and Regular Migration,"),
        ("preamble", "Reaffirming| the Universal Declaration of Human Rights and the "
                     "commitments made in the 2030 Agenda for Sustainable Development,"),
        ("preamble", "Noting with concern| the number of migrants who lose their lives on "
                     "their journeys,"),
        ("para", "1. Decides to convene the second International Migration Review Forum in "
                 "2026;"),
        ("para", "2. Requests the Secretary-General to report on the implementation of the "
                 "present resolution."),
    ]


def test_un_report_labels_sections_and_pages(tmp_path):
    path = un_pdf(tmp_path / "report.pdf", report_en(), symbol="A/77/123", job="22-01234")
    doc = parse_file(path)
    assert doc.meta.title == ("Report of the Secretary-General on international migration "
                              "and development")
    assert doc.meta.symbol == "A/77/123"
    out = cited(path)
    title = doc.meta.title
    # the footnote printed at the foot of page 1 is cited as a footnote
    assert [c[:3] for c in out if c[1] == "Footnotes"] == [("footnote 1", "Footnotes", "1")]
    assert [(c[0], c[1]) for c in out if c[1] != "Footnotes"] == [
        ("para. 1", f"{title} > Chapter I Introduction"),
        ("para. 2", f"{title} > Chapter I Introduction"),
        ("para. 2(a)", f"{title} > Chapter I Introduction"),
        ("para. 2(b)", f"{title} > Chapter I Introduction"),
        ("para. 3", f"{title} > Chapter II Implementation"),
        ("para. 4", f"{title} > Chapter II Implementation"),
        ("para. 5", f"{title} > Chapter II Implementation"),
        ("para. 6", f"{title} > Chapter II Implementation"),
        ("annex, preamble, para. 1", "Annex > Draft resolution on international migration > "
                                     "The General Assembly,"),
        ("annex, preamble, para. 2", "Annex > Draft resolution on international migration > "
                                     "The General Assembly,"),
        ("annex, preamble, para. 3", "Annex > Draft resolution on international migration > "
                                     "The General Assembly,"),
        ("annex, para. 1", "Annex > Draft resolution on international migration > "
                           "The General Assembly,"),
        ("annex, para. 2", "Annex > Draft resolution on international migration > "
                           "The General Assembly,"),
    ]
    texts = {c[0]: c[3] for c in out}
    # whole paragraphs, each ending where it ends on the page, nothing glued to them
    assert texts["para. 2"].endswith("in which it asked for:")
    assert texts["para. 2(b)"].endswith("follow-up to the Compact.")
    assert texts["para. 5"] == "5. " + " ".join([EN] * 6)  # over the page break, in one
    assert texts["annex, preamble, para. 1"].startswith("Recalling its resolution 73/195")
    assert texts["annex, preamble, para. 3"] == ("Noting with concern the number of migrants "
                                                 "who lose their lives on their journeys,")
    assert texts["footnote 1"] == "1 See resolution 73/195, annex, on the Global Compact."
    everything = " ".join(c[3] for c in out)
    for furniture in ("22-01234", "Distr.", "United Nations", "/3"):
        assert furniture not in everything
    pages = {c[0]: c[2] for c in out}
    assert pages["para. 1"] == "1" and pages["annex, para. 2"] == pages["annex, preamble, para. 1"]
    assert int(pages["para. 5"]) < int(pages["annex, para. 1"])


def test_french_report_headings_are_not_paragraphs(tmp_path):
    """The staff upload of issue 22: `Chapitre premier` and the title were `¶ 1`, and
    paragraph 2 ended with `Chapitre II. Mise en œuvre`."""
    body = [
        ("title", "Rapport du Secrétaire général sur les migrations internationales et le "
                  "développement"),
        ("chapter", "Chapitre premier\nIntroduction"),
        ("para", "1. " + FR),
        ("para", "2. Le présent rapport rend compte des initiatives des États et des "
                 "initiatives des migrants."),
        ("chapter", "Chapitre II\nMise en œuvre"),
        ("para", "3. " + FR + " " + FR),
        ("sub", "a) Les autorités locales ont un rôle à jouer dans l’accueil des migrants ;"),
        ("sub", "b) Les organisations de la société civile aussi."),
        ("page", ""),
        ("chapter", "Annexe"),
        ("plain", "L’Assemblée générale,"),
        ("preamble", "Considérant| que la reconnaissance de la dignité inhérente à tous les "
                     "membres de la famille humaine est le fondement de la liberté,"),
        ("preamble", "Rappelant| sa résolution 73/195 du 19 décembre 2018,"),
        ("para", "1. Décide de convoquer le deuxième Forum d’examen des migrations "
                 "internationales en 2026 ;"),
    ]
    path = un_pdf(tmp_path / "rapport.pdf", body, lang="fr", date="12 mars 2023")
    doc = parse_file(path)
    assert doc.meta.title.startswith("Rapport du Secrétaire général")
    out = cited(path)
    assert [c[0] for c in out] == ["para. 1", "para. 2", "para. 3", "para. 3(a)", "para. 3(b)",
                                   "annex, preamble, para. 1", "annex, preamble, para. 2",
                                   "annex, para. 1"]
    texts = {c[0]: c[3] for c in out}
    assert texts["para. 2"].endswith("initiatives des migrants.")
    assert all("Chapitre" not in c[3] for c in out)
    assert out[2][1].endswith("> Chapitre II Mise en œuvre")
    assert texts["annex, preamble, para. 2"] == ("Rappelant sa résolution 73/195 du "
                                                 "19 décembre 2018,")


def test_spanish_resolution_preamble_clauses_one_passage_each(tmp_path):
    body = [
        ("title", "Migración internacional y desarrollo"),
        ("chapter", "Capítulo I\nIntroducción"),
        ("para", "1. " + ES),
        ("para", "2. " + ES),
        ("chapter", "Anexo"),
        ("plain", "La Asamblea General,"),
        ("preamble", "Considerando| que la libertad, la justicia y la paz en el mundo tienen "
                     "por base el reconocimiento de la dignidad intrínseca,"),
        ("preamble", "Recordando| su resolución 73/195, de 19 de diciembre de 2018,"),
        ("preamble", "Reafirmando| la Declaración Universal de Derechos Humanos,"),
        ("para", "1. Decide convocar el segundo Foro de Examen de la Migración Internacional;"),
    ]
    out = cited(un_pdf(tmp_path / "es.pdf", body, lang="es", date="12 de marzo de 2023"))
    assert [c[0] for c in out] == ["para. 1", "para. 2", "annex, preamble, para. 1",
                                   "annex, preamble, para. 2", "annex, preamble, para. 3",
                                   "annex, para. 1"]
    assert out[0][1] == "Migración internacional y desarrollo > Capítulo I Introducción"
    assert out[3][3] == "Recordando su resolución 73/195, de 19 de diciembre de 2018,"


LOREM = [
    "Migration is a defining feature of our globalized world, connecting societies within "
    "and across all regions, making us all countries of origin, transit and destination.",
    "We acknowledge our shared responsibilities to one another as Member States of the "
    "United Nations to address each other's needs and concerns over migration.",
    "This Global Compact is the product of an unprecedented review of evidence and data "
    "gathered during an open, transparent and inclusive process.",
    "It presents a non-legally binding, cooperative framework that builds on the "
    "commitments agreed upon by Member States in the New York Declaration.",
    "It fosters international cooperation among all relevant actors on migration, "
    "acknowledging that no State can address migration alone, and upholds the sovereignty "
    "of States and their obligations under international law.",
    "Our success rests on the mutual trust, determination and solidarity of States to "
    "fulfil the objectives and commitments contained in this Global Compact.",
] * 3


def test_two_columns_read_column_by_column(tmp_path):
    path = two_column_pdf(tmp_path / "cols.pdf", LOREM, title="Two columns on migration")
    doc = parse_file(path)
    blocks = [b for p in doc.pages for b in p.blocks]
    assert blocks[0].kind == "heading" and blocks[0].text == "Two columns on migration"
    assert [b.text for b in blocks[1:]] == LOREM  # whole paragraphs, in reading order


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "pdf-samples").exists(), reason="../shared absent")
def test_latex_two_column_sample_and_its_table():
    path = SHARED / "pdf-samples/026-latex-multicolumn/multicolumn.pdf"
    doc = parse_file(path)
    blocks = [b for p in doc.pages for b in p.blocks]
    assert doc.meta.title == "Two-Column Document with Lorem Ipsum"
    headings = [b.text for b in blocks if b.kind == "heading"]
    assert headings[0] == "Two-Column Document with Lorem Ipsum" and "Abstract" in headings
    text = {b.text[:40]: b for b in blocks}
    # the paragraph running from the foot of the left column to the top of the right one
    nulla = next(b.text for b in blocks if b.text.startswith("Nulla malesuada porttitor"))
    assert "Donec nonummy pellentesque ante." in nulla and nulla.endswith("felis eu massa.")
    assert any(t.startswith("Quisque ullamcorper placerat ipsum.") for t in text)
    table = [b for b in blocks if b.kind == "table"]
    assert len(table) == 1
    rows = table[0].text.split("\n")
    assert rows[-5:] == ["Austria 8.9 83,879 Vienna German",
                         "Belgium 11.5 30,689 Brussels Dutch, French, German",
                         "Czech Republic 10.7 78,866 Prague Czech",
                         "Denmark 5.8 42,951 Copenhagen Danish",
                         "Finland 5.5 338,424 Helsinki Finnish, Swedish"]


# ------------------------------------------------------------------ the twin property


def _words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", fold(text)))


def _same_words(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    return sum((wa & wb).values()) / max(1, sum(wa.values()), sum(wb.values()))


def _twins(html: Path, pdf: Path) -> tuple[list[str], list[str], int, int]:
    h = split_passages(parse_file(html), "h")
    p = split_passages(parse_file(pdf), "p")
    by_label_h = {x.label: x for x in h}
    by_label_p = {x.label: x for x in p}
    lonely_h = [x.label for x in h if x.label not in by_label_p
                or _same_words(x.text, by_label_p[x.label].text) < 0.9]
    lonely_p = [x.label for x in p if x.label not in by_label_h
                or _same_words(x.text, by_label_h[x.label].text) < 0.9]
    return lonely_h, lonely_p, len(h), len(p)


TWINS = [(stem, lang) for stem in ("udhr", "sdg-agenda2030-goals-targets")
         for lang in ("en", "fr", "es")]


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "corpus-pdf").exists(), reason="../shared absent")
@pytest.mark.parametrize(("stem", "lang"), TWINS)
def test_every_html_passage_has_a_pdf_twin_and_back(stem, lang):
    """Same label and >= 90 % of the same words, both ways, for every passage (main had 646
    of 672 HTML passages with a twin)."""
    lonely_h, lonely_p, n_h, n_p = _twins(SHARED / f"corpus/{stem}.{lang}.html",
                                          SHARED / f"corpus-pdf/{stem}.{lang}.pdf")
    assert n_h > 30 and n_p == n_h
    assert lonely_h == [] and lonely_p == []


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "corpus-pdf").exists(), reason="../shared absent")
def test_pdf_sections_follow_the_html_headings():
    for stem, lang in TWINS:
        h = split_passages(parse_file(SHARED / f"corpus/{stem}.{lang}.html"), "h")
        p = split_passages(parse_file(SHARED / f"corpus-pdf/{stem}.{lang}.pdf"), "p")
        assert [x.section for x in p] == [x.section for x in h], (stem, lang)
