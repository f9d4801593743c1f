"""Real .docx files for the tests, made with python-docx plus the WordprocessingML python-docx
does not write itself: automatic numbering (numbering.xml), tracked changes, footnotes and
comments. The numbers Word prints are not in the paragraph text: only the numbering
definitions carry them, as in documents staff receive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

W_NS = nsdecls("w")

# A UN-style list: 1. / (a) / (i), as resolutions print their operative paragraphs.
_LEVELS = (("decimal", "%1."), ("lowerLetter", "(%2)"), ("lowerRoman", "(%3)"))
_ABSTRACT = (f'<w:abstractNum {W_NS} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
             + "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                       f'<w:lvlText w:val="{text}"/></w:lvl>'
                       for i, (fmt, text) in enumerate(_LEVELS))
             + "</w:abstractNum>")
_BULLETS = f"""<w:abstractNum {W_NS} w:abstractNumId="91">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
</w:abstractNum>"""
LIST, BULLETS = "90", "91"


def _numbering(document) -> None:
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(_BULLETS))
    numbering.insert(0, parse_xml(_ABSTRACT))
    numbering.append(parse_xml(f'<w:num {W_NS} w:numId="{LIST}"><w:abstractNumId '
                               f'w:val="90"/></w:num>'))
    numbering.append(parse_xml(f'<w:num {W_NS} w:numId="{BULLETS}"><w:abstractNumId '
                               f'w:val="91"/></w:num>'))


def numbered(document, text: str, level: int = 0, num_id: str = LIST):
    """A paragraph numbered automatically (its number is not in its text)."""
    p = document.add_paragraph(text)
    ppr = p._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="{level}"/><w:numId '
                         f'w:val="{num_id}"/></w:numPr>'))
    return p


def tracked(document, before: str, deleted: str, inserted: str, after: str):
    """A paragraph with a tracked deletion and a tracked insertion (not yet accepted)."""
    p = document.add_paragraph(before)
    attrs = 'w:id="{}" w:author="Editor" w:date="2018-07-13T00:00:00Z"'
    p._p.append(parse_xml(f'<w:del {W_NS} {attrs.format(1)}><w:r><w:delText xml:space="preserve">'
                          f'{deleted}</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:ins {W_NS} {attrs.format(2)}><w:r><w:t xml:space="preserve">'
                          f'{inserted}</w:t></w:r></w:ins>'))
    p.add_run(after)
    return p


def footnote(document, paragraph, note_id: int, text: str) -> None:
    """A footnote reference at the end of `paragraph`, and the note in footnotes.xml."""
    part = _notes_part(document)
    part.element.append(parse_xml(
        f'<w:footnote {W_NS} w:id="{note_id}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
        f'</w:footnote>'))
    paragraph._p.append(parse_xml(f'<w:r {W_NS}><w:footnoteReference w:id="{note_id}"/>'
                                  f'</w:r>'))


class _XmlPart(Part):
    """A part whose XML is kept as an element and serialised on save."""

    def __init__(self, partname, content_type, element, package):
        super().__init__(partname, content_type, package=package)
        self.element = element

    @property
    def blob(self):
        from lxml import etree

        return etree.tostring(self.element, xml_declaration=True, encoding="UTF-8",
                              standalone=True)


def _notes_part(document):
    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            return rel.target_part
    element = parse_xml(
        f'<w:footnotes {W_NS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r>'
        f'<w:separator/></w:r></w:p></w:footnote></w:footnotes>')
    part = _XmlPart(PackURI("/word/footnotes.xml"),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml."
                    "footnotes+xml", element, document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    return part


def comment(document, paragraph, text: str) -> None:
    """A reviewer's comment anchored on `paragraph` (comments.xml)."""
    element = parse_xml(f'<w:comments {W_NS}><w:comment w:id="7" w:author="Reviewer">'
                        f'<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:comment></w:comments>')
    part = _XmlPart(PackURI("/word/comments.xml"),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml."
                    "comments+xml", element, document.part.package)
    document.part.relate_to(part, RT.COMMENTS)
    paragraph._p.insert(1, parse_xml(f'<w:commentRangeStart {W_NS} w:id="7"/>'))
    paragraph._p.append(parse_xml(f'<w:commentRangeEnd {W_NS} w:id="7"/>'))
    paragraph._p.append(parse_xml(f'<w:r {W_NS}><w:commentReference w:id="7"/></w:r>'))


RESOLUTION = {
    "en": {
        "title": "Global compact for safe, orderly and regular migration",
        "heading": "Our cooperative framework",
        "preamble": "Recalling the New York Declaration for Refugees and Migrants,",
        "paras": [
            ("We commit to strengthen the role of local authorities in migration governance.",
             ["Develop local integration plans with cities and municipalities;",
              "Ensure policy coherence between national and local levels, including:"],
             ["vertical coordination mechanisms;", "joint data collection."]),
            ("We commit to mainstream migration into development planning at all levels.",
             ["Include migration in national development plans;"], []),
        ],
    },
    "fr": {
        "title": "Pacte mondial pour des migrations sûres, ordonnées et régulières",
        "heading": "Notre cadre de coopération",
        "preamble": "Rappelant la Déclaration de New York pour les réfugiés et les migrants,",
        "paras": [
            ("Nous nous engageons à renforcer le rôle des autorités locales dans la "
             "gouvernance des migrations.",
             ["Élaborer des plans d’intégration locaux avec les villes et les communes ;",
              "Assurer la cohérence des politiques entre les niveaux national et local, "
              "notamment :"],
             ["des mécanismes de coordination verticale ;", "une collecte de données commune."]),
            ("Nous nous engageons à intégrer la migration dans la planification du "
             "développement à tous les niveaux.",
             ["Inclure la migration dans les plans nationaux de développement ;"], []),
        ],
    },
    "es": {
        "title": "Pacto Mundial para la Migración Segura, Ordenada y Regular",
        "heading": "Nuestro marco de cooperación",
        "preamble": "Recordando la Declaración de Nueva York para los Refugiados y los "
                    "Migrantes,",
        "paras": [
            ("Nos comprometemos a fortalecer el papel de las autoridades locales en la "
             "gobernanza de la migración.",
             ["Elaborar planes locales de integración con las ciudades y los municipios;",
              "Asegurar la coherencia de las políticas entre los niveles nacional y local, "
              "en particular:"],
             ["mecanismos de coordinación vertical;", "la recopilación conjunta de datos."]),
            ("Nos comprometemos a incorporar la migración en la planificación del desarrollo "
             "en todos los niveles.",
             ["Incluir la migración en los planes nacionales de desarrollo;"], []),
        ],
    },
}


def resolution(path: Path, lang: str = "en", symbol: str = "A/99/L.5") -> Path:
    """A UN-style resolution: title, symbol, a heading, a preambular paragraph, operative
    paragraphs numbered automatically with lettered and roman sub-items, a table, a
    footnote; core properties give the title, language and date."""
    text = RESOLUTION[lang]
    document = docx.Document()
    _numbering(document)
    props = document.core_properties
    props.title = text["title"]
    props.language = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}[lang]
    props.created = dt.datetime(2018, 7, 13, 10, 0, 0)
    document.add_paragraph(symbol)
    document.add_heading(text["title"], level=1)
    document.add_paragraph(text["preamble"])
    document.add_heading(text["heading"], level=2)
    for lead, items, subitems in text["paras"]:
        first = numbered(document, lead, 0)
        for i, item in enumerate(items):
            numbered(document, item, 1)
            if i == len(items) - 1:
                for sub in subitems:
                    numbered(document, sub, 2)
        if first is not None and lead is text["paras"][0][0]:
            footnote(document, first, 1, "See resolution 71/1 of 19 September 2016.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Indicator"
    table.cell(0, 1).text = "Source"
    table.cell(1, 0).text = "Remittance costs"
    table.cell(1, 1).text = "World Bank"
    document.save(str(path))
    return path
