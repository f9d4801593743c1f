"""The text/Markdown and HTML parsers on real files written to disk."""

from __future__ import annotations

import pytest

from indexer.errors import IngestRefused
from indexer.ingest.parsers import html, parse_file, text

GCM_LIKE = """\
 United Nations  A/73/L.66

General Assembly  Distr.: Limited

18-21786 (E)    141218

*1821786*

Draft resolution submitted by the President of the General Assembly

Global Compact for Safe, Orderly and Regular Migration

1. This Global Compact rests on the purposes and principles of the Charter.

2. It also rests on the Universal Declaration of Human Rights and a multi-
stakeholder approach to develop-
ment.

A/73/L.66

18-21786 2/3

3. Discussions about international migration at the global level are not new, and
they continue across the page

3/3 18-21786

break into the third page.

  Objective 1: Collect and utilize accurate and disaggregated data

17. We commit to strengthen the global evidence base.

 (a) Elaborate and implement a comprehensive strategy;
"""


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def all_blocks(doc):
    return [(p.number, b.kind, b.text) for p in doc.pages for b in p.blocks]


def test_un_page_furniture_becomes_page_numbers(tmp_path):
    doc = parse_file(write(tmp_path, "A_73_L.66-EN.txt", GCM_LIKE))
    assert doc.meta.symbol == "A/73/L.66"
    blocks = all_blocks(doc)
    texts = " ".join(t for _, _, t in blocks)
    for furniture in ("18-21786", "2/3", "3/3", "*1821786*"):
        assert furniture not in texts
    page_of = {t.split()[0]: n for n, _, t in blocks}
    assert page_of["1."] == 1 and page_of["3."] == 2 and page_of["17."] == 3
    assert "multi-stakeholder approach to development." in texts


def test_title_guessed_after_draft_resolution(tmp_path):
    doc = parse_file(write(tmp_path, "x.txt", GCM_LIKE))
    assert doc.meta.title == "Global Compact for Safe, Orderly and Regular Migration"


def test_cp1252_with_crlf_is_decoded(tmp_path):
    data = "Les autorités locales – « cohérence » des politiques.\r\n\r\n2. Deuxième.\r\n"
    doc = parse_file(write(tmp_path, "note.txt", data.encode("cp1252")))
    assert "autorités locales – « cohérence »" in doc.text()
    assert "\r" not in doc.text()
    assert any("cp1252" in w for w in doc.warnings)


def test_utf16_with_bom_is_decoded(tmp_path):
    doc = parse_file(write(tmp_path, "u16.txt", "Migración y desarrollo.".encode("utf-16")))
    assert "Migración" in doc.text()


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"   \n\n  ", "empty"),
    (b"\x00\x01\x02binary\x00stuff", "binary"),
])
def test_bad_text_files_are_refused(tmp_path, data, reason):
    with pytest.raises(IngestRefused) as err:
        parse_file(write(tmp_path, "bad.txt", data))
    assert reason in err.value.reason


def test_unsupported_type_names_supported_list(tmp_path):
    with pytest.raises(IngestRefused) as err:
        parse_file(write(tmp_path, "sheet.xlsx", b"PK\x03\x04 not really"))
    assert "'.xlsx'" in err.value.reason and ".pdf" in err.value.reason


def test_type_is_sniffed_from_bytes_not_name(tmp_path):
    doc = parse_file(write(tmp_path, "misnamed.txt",
                           "<!DOCTYPE html><html lang='fr'><body><p>Bonjour le monde entier."
                           "</p></body></html>"))
    assert doc.format == "html" and doc.meta.lang == "fr"


@pytest.mark.parametrize("name,symbol", [
    ("A_C.2_73_L.46-EN.txt", "A/C.2/73/L.46"),
    ("A_C-1_57_L-34-EN.txt", "A/C.1/57/L.34"),
    ("A_33_445_Add-4-EN.txt", "A/33/445/Add.4"),
    ("notes.txt", ""),
])
def test_symbol_from_file_name(name, symbol):
    assert text.symbol_from_filename(name) == symbol


def test_markdown_headings_links_and_front_matter(tmp_path):
    md = ("---\nlayout: page\n---\n# Module 4\n\n## Key messages\n\nSee the [handbook](http://x.org)"
          " and ![icon](i.png){: style=\"float\"} **local** partners.\n")
    doc = parse_file(write(tmp_path, "m.md", md))
    blocks = all_blocks(doc)
    assert (1, "heading", "Module 4") in blocks
    para = [t for _, k, t in blocks if k == "para"][0]
    assert para == "See the handbook and local partners."
    assert "layout" not in doc.text()


HTML = """<!DOCTYPE html><html lang="es"><head><title>Agenda 2030</title>
<style>p {color: red}</style><script>var x = "<p>not text</p>";</script></head>
<body><nav><a href="/">Inicio</a></nav><header>Site header</header>
<h1>Agenda 2030</h1><h2>Objetivo 10. Reducir la desigualdad</h2>
<p id="t">10.7 Facilitar la migración y la movilidad ordenadas, seguras, regulares</p>
<ul><li>Primer punto de la lista</li><li>Segundo <b>punto</b></li></ul>
<table><tr><td>Celda uno</td><td>Celda dos</td></tr></table>
<footer>Pie de página</footer></body></html>"""


def test_html_blocks_headings_and_chrome(tmp_path):
    doc = html.parse(write(tmp_path, "a.html", HTML))
    assert doc.meta.lang == "es" and doc.meta.title == "Agenda 2030"
    blocks = all_blocks(doc)
    kinds = [(k, t) for _, k, t in blocks]
    assert ("heading", "Objetivo 10. Reducir la desigualdad") in kinds
    assert ("para", "Segundo punto") in kinds and ("para", "Celda dos") in kinds
    alltext = doc.text()
    for chrome in ("Inicio", "Site header", "Pie de página", "not text", "color"):
        assert chrome not in alltext


def test_html_broken_markup_still_parses(tmp_path):
    doc = html.parse(write(tmp_path, "b.html", "<html><body><p>Unclosed <b>bold <p>Second"
                                                 " paragraph<div>tail text</body>"))
    assert "Second paragraph" in doc.text() and "tail text" in doc.text()


def test_html_without_text_is_refused(tmp_path):
    with pytest.raises(IngestRefused):
        html.parse(write(tmp_path, "c.html", "<html><body><script>x()</script></body></html>"))


def test_html_nested_past_the_limit_is_refused_and_below_it_read(tmp_path, settings):
    """100,000 nested elements overflowed the recursive walk (RecursionError stopped the whole
    build); the page is refused with the reason, and a deep page within the limit (a setting)
    is read all through, without recursion."""
    from dataclasses import replace

    from badfiles import deep_html

    from indexer.ingest.parsers.limits import ParseLimits

    with pytest.raises(IngestRefused, match="nests its elements more than 512 levels deep"):
        parse_file(deep_html(tmp_path / "deep.html", 100_000))
    deep_ok = deep_html(tmp_path / "deep-ok.html", 1_500)
    with pytest.raises(IngestRefused, match="more than 512 levels"):
        parse_file(deep_ok)
    roomy = ParseLimits.of(replace(settings, max_markup_depth=2_000))
    assert "Local authorities coordinate" in parse_file(deep_ok, limits=roomy).text()
    assert "Local authorities" in parse_file(deep_html(tmp_path / "d.html", 400)).text()


def test_html_the_parser_rejects_is_refused(tmp_path):
    """Python's html.parser gives up on some markup (bs4's ParserRejectedMarkup; found by the
    mutation fuzz): a refusal with its words, not an error that reaches the build."""
    page = write(tmp_path, "r.html", "<html><body><p>Text</p><![CD-- x ]]></body></html>")
    with pytest.raises(IngestRefused, match=r"^the HTML page is damaged and cannot be read "
                                            r"\(AssertionError: unknown status keyword"):
        parse_file(page)


def test_html_decomposed_accents_are_normalised(tmp_path):
    page = "<html lang='fr'><body><p>Les autorite\u0301s locales</p></body></html>"
    doc = html.parse(write(tmp_path, "d.html", page))
    assert "autorités" in doc.text()


def test_a_page_mixing_double_and_single_spacing_is_grouped_region_by_region():
    """UN texts extracted to text: a resolution's double-spaced preamble, then a single-spaced
    block on the same page. Judged as a whole the page is neither, and each line became a
    'paragraph'; and the undocs.org link lists at a page's foot are not text."""
    from indexer.ingest.cleanup import lines_to_blocks

    preamble = [
        " Stressing the need, in the implementation of the 2030 Agenda for Sustainable ", "",
        "Development, to benefit from and build on experiences, success stories, best ", "",
        "practices, challenges and the lessons learned from the previous agreements on ", "",
        "sustainable development,  ", "",
        " Stressing further the need to determine gaps, obstacles, synergies and challenges ",
        "",
        "in the implementation of commitments and instruments in the sustainable ", "",
        "development field, in a coherent and integrated manner, and with a view to pursuing ",
        "",
        "and achieving policy coherence as well as identifying new opportunities and emerging ",
        "",
        "challenges for international cooperation on the path towards sustainable development,",
        "",
    ]
    dense = [
        "1. Takes note of the report of the Secretary-General on the implementation of",
        "Agenda 21 and the outcomes of the World Summit on Sustainable Development and of",
        "the United Nations Conference on Sustainable Development;",
        "2. Also takes note of the report of the Secretary-General on the mainstreaming of",
        "the three dimensions of sustainable development throughout the United Nations",
        "system, and of the recommendations contained therein;",
        "3. Reaffirms the outcome document of the United Nations Conference on Sustainable",
        "Development, held in Rio de Janeiro, Brazil, from 20 to 22 June 2012;",
        "",
        "https://undocs.org/en/A/RES/74/4 https://undocs.org/en/A/RES/69/313",
    ]
    blocks = [b.text for b in lines_to_blocks(preamble + dense)]
    assert blocks[0].startswith("Stressing the need") and blocks[0].endswith("development,")
    assert blocks[1].startswith("Stressing further") and "achieving policy coherence" in \
        blocks[1]
    assert [b[:3] for b in blocks[2:]] == ["1. ", "2. ", "3. "]
    assert not any("undocs.org" in b for b in blocks)


def test_older_un_page_furniture_splits_pages_and_ends_footnotes(tmp_path):
    """Texts to about 2014 print `12-56860 2` (no page total). Without the pages, all that
    followed the first footnote rule was taken as footnotes."""
    from indexer.ingest.cleanup import page_marker
    from indexer.ingest.parsers import text

    assert page_marker("12-56860 2") == (2, 0) and page_marker("3 12-56860") == (3, 0)
    assert page_marker("12-56860 (E)    011112") is None
    assert page_marker("18-21786 6/35") == (6, 35)
    body = (
        "A/C.2/67/L.3\n\nGeneral Assembly\n\n Recalling its resolutions on the "
        "international economic order and on sustainable development,1\n\n"
        "__________________\n\n 1  See resolution 55/2.\n\n"
        "A/C.2/67/L.3\n\n12-56860 2\n\n"
        " Stressing the need to fulfil all financing for development commitments, including "
        "those of the Monterrey Consensus,\n\n"
        "1. Takes note of the report of the Secretary-General on international challenges for "
        "sustainable development and on global financial stability;\n\n"
        "2. Decides to continue considering the international economic situation and its "
        "impact on development at its next session;\n"
    )
    path = tmp_path / "A_C.2_67_L.3.txt"
    path.write_text(body, encoding="utf-8")
    doc = text.parse(path)
    assert [p.number for p in doc.pages] == [1, 2]
    kinds = {b.text[:10]: b.kind for p in doc.pages for b in p.blocks}
    assert kinds["1 See reso"] == "footnote"
    assert kinds["Stressing "] == "para" and kinds["1. Takes n"] == "para"


def test_a_short_preambular_clause_ending_in_a_comma_is_a_paragraph(tmp_path):
    """`Recalling its resolution 54/166 of 17 December 1999,` on a line of its own is short
    and has no full stop: it was taken for a heading, and its words (and the resolution it
    cites) were in no passage. The enacting formula `The General Assembly,` stays a
    heading."""
    from indexer.ingest.passages import split_passages

    body = ("Protection of migrants\n\n The General Assembly,\n\n"
            " Recalling its resolution 54/166 of 17 December 1999,\n\n"
            " Recalling also its resolution 54/212 of 22 December 1999 on international "
            "migration and development, and the report of the Secretary-General thereon,\n\n"
            "1. Requests all Member States to promote and protect the human rights of all "
            "migrants, in conformity with the Universal Declaration of Human Rights;\n")
    doc = text.parse(write(tmp_path, "A_C.3_55_L.35.txt", body))
    kinds = {b.text: b.kind for p in doc.pages for b in p.blocks}
    assert kinds["Recalling its resolution 54/166 of 17 December 1999,"] == "para"
    passages = split_passages(doc, "d1")
    assert any("resolution 54/166" in p.text for p in passages)
    from indexer.ingest.cleanup import lines_to_blocks

    blocks = lines_to_blocks(["Protection of migrants", "", "", "The General Assembly,", "",
                              "", "Recalling its resolution 54/166 of 17 December 1999,"])
    assert [b.kind for b in blocks] == ["heading", "heading", "para"]


@pytest.mark.shared
def test_no_clause_of_the_unga_texts_is_read_as_a_heading():
    """Over 150 UNGA texts drawn with a fixed seed: no heading block ends in a comma but
    the enacting formula (`The General Assembly,`), so no preambular clause is lost."""
    import random

    from conftest import shared_path

    from indexer.ingest.cleanup import _ENACTING

    names = sorted(shared_path("unga", "texts").glob("*.txt"))
    wrong = []
    for path in random.Random(23).sample(names, 150):
        try:
            doc = parse_file(path, path.name)
        except IngestRefused:
            continue
        wrong += [(path.name, b.text) for p in doc.pages for b in p.blocks
                  if b.kind == "heading" and b.text.rstrip().endswith(",")
                  and not _ENACTING.match(b.text)]
    assert not wrong, wrong[:10]
