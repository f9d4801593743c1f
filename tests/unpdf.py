"""PDFs laid out like UN documents, written with fpdf2 for the layout tests.

A running header with the symbol, a footer with the job number and the `6/35` page counter,
a masthead with the date line, a bold title, centred bold chapter headings (`Chapter I` over
`Introduction`), numbered paragraphs with a hanging indent, lettered sub-paragraphs indented
further, preamble clauses opening with italic words, small-print footnotes under a rule, and
optionally two columns. Each item of the body is (kind, text):

    title      bold, larger, at the left
    chapter    bold, centred; a "\\n" puts the heading on two lines
    heading    bold, at the left
    para       `16. text` (number in the margin, text indented) or running text
    sub        `(a) text`, indented one step more
    preamble   first word(s) before `|` in italics: "Recalling| its resolution 70/1,"
    plain      a short unnumbered line ("The General Assembly,")
    footnote   printed small at the foot of the current page
    page       a page break
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

MARGIN = 25
BODY = 10
LEAD = 5.2  # mm between lines of a paragraph
GAP = 3.0  # mm between paragraphs


class _UNDoc(FPDF):
    def __init__(self, symbol: str, job: str):
        super().__init__(format="A4", unit="mm")
        self.core_fonts_encoding = "windows-1252"  # œ, ’, « » as in real French texts
        self.symbol, self.job = symbol, job
        self.notes: list[str] = []
        self.set_margins(MARGIN, 22, MARGIN)
        self.set_auto_page_break(True, margin=45)  # room for the footnotes
        self.alias_nb_pages("{nb}")

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("Times", "B", 10)
        self.set_y(10)
        align = "L" if self.page_no() % 2 == 0 else "R"
        self.cell(0, 5, self.symbol, align=align)
        self.ln(12)

    def footer(self) -> None:
        if self.notes:
            self.set_y(-40)
            self.set_font("Times", "", 8)
            self.cell(40, 3, "_" * 20, new_x="LMARGIN", new_y="NEXT")
            for note in self.notes:
                self.multi_cell(0, 4.2, note, new_x="LMARGIN", new_y="NEXT")
            self.notes = []
        self.set_y(-18)
        self.set_font("Times", "", 9)
        if self.page_no() % 2:
            self.cell(0, 5, f"{self.job} {self.page_no()}/{{nb}}", align="R")
        else:
            self.cell(0, 5, f"{self.page_no()}/{{nb}} {self.job}", align="L")


def un_pdf(path: Path, body: list[tuple[str, str]], *, symbol: str = "A/77/123",
           job: str = "22-01234", date: str = "12 March 2023", lang: str = "en",
           title: str | None = None) -> Path:
    """Write a UN-like document; `title` (None: none) goes into the file's info."""
    pdf = _UNDoc(symbol, job)
    if title is not None:
        pdf.set_title(title)
    pdf.set_lang(lang)
    pdf.add_page()
    masthead = {"en": ("United Nations", "General Assembly", "Distr.: General"),
                "fr": ("Nations Unies", "Assemblée générale", "Distr. générale"),
                "es": ("Naciones Unidas", "Asamblea General", "Distr. general")}[lang]
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(90, 8, masthead[0])
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, symbol, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 10, masthead[1], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Times", "", 9)
    pdf.set_x(140)
    pdf.multi_cell(0, 4.5, f"{masthead[2]}\n{date}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for kind, text in body:
        _item(pdf, kind, text)
    path = Path(path)
    pdf.output(str(path))
    return path


def _item(pdf: _UNDoc, kind: str, text: str) -> None:
    width = pdf.w - 2 * MARGIN
    if kind == "page":
        pdf.add_page()
        return
    if kind == "footnote":
        pdf.notes.append(text)
        return
    if kind == "title":
        pdf.set_font("Times", "B", 15)
        pdf.multi_cell(width - 30, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(GAP + 2)
    elif kind == "chapter":
        pdf.ln(GAP)
        pdf.set_font("Times", "B", 12)
        for line in text.split("\n"):
            pdf.cell(width, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(GAP)
    elif kind == "heading":
        pdf.set_font("Times", "B", BODY)
        pdf.multi_cell(width, LEAD, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(GAP)
    elif kind in ("para", "sub"):
        pdf.set_font("Times", "", BODY)
        indent = 10 if kind == "para" else 20
        number, _, rest = text.partition(" ")
        numbered = number[:1].isdigit() or number.startswith("(")
        if numbered:
            pdf.set_x(MARGIN + indent - 10)
            pdf.cell(10, LEAD, number)
            pdf.multi_cell(width - indent, LEAD, rest, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_x(MARGIN + indent)
            pdf.multi_cell(width - indent, LEAD, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(GAP)
    elif kind == "preamble":
        head, _, rest = text.partition("|")
        pdf.set_x(MARGIN + 10)
        pdf.set_font("Times", "", BODY)
        pdf.multi_cell(width - 10, LEAD, f"__{head}__{rest}", markdown=True,
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(GAP)
    elif kind == "plain":
        pdf.set_x(MARGIN + 10)
        pdf.set_font("Times", "", BODY)
        pdf.cell(width - 10, LEAD, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(GAP)
    else:
        raise ValueError(f"unknown kind {kind!r}")


def two_column_pdf(path: Path, paragraphs: list[str], *, title: str) -> Path:
    """A two-column article: a centred title over two columns of paragraphs with indented
    first lines and no space between them (LaTeX's layout), written column by column."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Times", "", 16)
    pdf.set_xy(20, 25)
    pdf.cell(170, 8, title, align="C")
    pdf.set_font("Times", "", BODY)
    col_w, lead = 80, 4.6
    lines: list[tuple[bool, str]] = []  # (first line of a paragraph, text)
    for para in paragraphs:
        words, line, first = para.split(), "", True
        for w in words:
            trial = f"{line} {w}".strip()
            limit = col_w - (4 if first else 0)
            if pdf.get_string_width(trial) > limit - 1 and line:
                lines.append((first, line))
                line, first = w, False
            else:
                line = trial
        lines.append((first, line))
    per_col = (len(lines) + 1) // 2
    cols = [lines[:per_col], lines[per_col:]]
    placed = []  # (x, y, text) in column order
    for c, col in enumerate(cols):
        for r, (first, text) in enumerate(col):
            placed.append((20 + c * 90 + (4 if first else 0), 45 + r * lead, text))
    for x, y, text in placed:
        pdf.text(x, y, text)
    path = Path(path)
    pdf.output(str(path))
    return path
