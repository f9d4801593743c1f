"""A document's date (issue 22): from its properties only when plausible, else from the date
line it prints, else none - on real .docx files (python-docx) and PDFs (fpdf2)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import docx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from unpdf import un_pdf  # noqa: E402

from indexer.ingest import dates  # noqa: E402
from indexer.ingest.parsers import parse_file  # noqa: E402

BODY = [("title", "Report on international migration"),
        ("para", "1. Member States commit to cooperate internationally on migration.")]


@pytest.mark.parametrize(("when", "expected"), [
    (dt.datetime(2013, 12, 23, 23, 15), ""),  # python-docx's template
    (dt.datetime(1980, 1, 1), ""),
    (dt.datetime(1970, 1, 1), ""),
    (dt.datetime(1944, 5, 1), ""),  # before the United Nations
    (dt.datetime(2999, 1, 1), ""),  # after the upload
    (dt.datetime(1948, 12, 10, 9, 0), "1948-12-10"),
    (dt.date(2018, 12, 19), "2018-12-19"),
    (None, ""),
])
def test_plausible_property_dates(when, expected):
    assert dates.plausible(when) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("12 March 2023", "2023-03-12"), ("1er mars 2023", "2023-03-01"),
    ("12 mars 2023", "2023-03-12"), ("19 de diciembre de 2018", "2018-12-19"),
    ("31 February 2023", ""), ("12 March 2999", ""), ("In March 2023 we met", ""),
])
def test_date_lines(line, expected):
    assert dates.from_date_line(line) == expected


def _docx(path: Path, paragraphs: list[str], created: dt.datetime | None) -> Path:
    document = docx.Document()  # python-docx's template: created 2013-12-23
    if created is not None:
        document.core_properties.created = created
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_docx_template_date_is_not_the_documents(tmp_path):
    """The .docx of issue 22 got 2013-12-23 from python-docx's template."""
    plain = _docx(tmp_path / "a.docx", ["Migration and development in our cities."], None)
    assert docx.Document(str(plain)).core_properties.created.date() == dt.date(2013, 12, 23)
    assert parse_file(plain).meta.date == ""
    dated = _docx(tmp_path / "b.docx", ["United Nations", "A/77/123", "General Assembly",
                                        "12 March 2023", "Migration and development."], None)
    assert parse_file(dated).meta.date == "2023-03-12"  # the date line it prints
    real = _docx(tmp_path / "c.docx", ["Migration and development."],
                 dt.datetime(2019, 5, 2, 8, 0))
    assert parse_file(real).meta.date == "2019-05-02"


def test_pdf_date_from_its_date_line_else_a_plausible_creation_date(tmp_path):
    printed = un_pdf(tmp_path / "a.pdf", BODY, date="12 mars 2023", lang="fr")
    assert parse_file(printed).meta.date == "2023-03-12"

    def without_date_line(name: str, created: dt.datetime) -> Path:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.set_creation_date(created)
        pdf.add_page()
        pdf.set_font("Times", size=11)
        pdf.multi_cell(0, 6, "Member States commit to cooperate internationally on safe, "
                             "orderly and regular migration.")
        path = tmp_path / name
        pdf.output(str(path))
        return path

    utc = dt.UTC
    assert parse_file(without_date_line("b.pdf", dt.datetime(2019, 5, 2, tzinfo=utc))) \
        .meta.date == "2019-05-02"
    assert parse_file(without_date_line("c.pdf", dt.datetime(2999, 1, 1, tzinfo=utc))) \
        .meta.date == ""
    assert parse_file(without_date_line("d.pdf", dt.datetime(1900, 1, 1, tzinfo=utc))) \
        .meta.date == ""
