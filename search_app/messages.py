"""The indexer's messages (refusal reasons, warnings, errors) in the UI's language.

An error raised with a message id and parameters (indexer/errors.py: QueryError and the other
user-safe errors) is translated from its id (`error_message`). The indexer's older messages,
stored as English text (refusal reasons and warnings in the job table and the store), are
matched against the known forms below and given a translatable template; the variable parts
(page numbers, sizes, document ids, a PDF library's own words) are kept. An unknown message
is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException

from indexer.errors import DialogueSearchError, IndexOutOfDate, Plural


def _file_type(english: str) -> str:
    """What a file really is (indexer/ingest/parsers/filetype.py), in the UI language."""
    names = {
        "plain text": lambda: _("plain text"),
        "an HTML page": lambda: _("an HTML page"),
        "an XML file": lambda: _("an XML file"),
        "a PNG image": lambda: _("a PNG image"),
        "a JPEG image": lambda: _("a JPEG image"),
        "a GIF image": lambda: _("a GIF image"),
        "a TIFF image": lambda: _("a TIFF image"),
        "a JPEG 2000 image": lambda: _("a JPEG 2000 image"),
        "an RTF document": lambda: _("an RTF document"),
        "a PostScript file": lambda: _("a PostScript file"),
        "a gzip archive": lambda: _("a gzip archive"),
        "a RAR archive": lambda: _("a RAR archive"),
        "a 7-Zip archive": lambda: _("a 7-Zip archive"),
        "a DjVu document": lambda: _("a DjVu document"),
        "a video or audio file (MP4)": lambda: _("a video or audio file (MP4)"),
        "a legacy Office file (.doc, .xls or .ppt)":
            lambda: _("a legacy Office file (.doc, .xls or .ppt)"),
        "a ZIP package (a Word, Excel or PowerPoint file, or a ZIP archive)":
            lambda: _("a ZIP package (a Word, Excel or PowerPoint file, or a ZIP archive)"),
    }
    return names[english]() if english in names else english


# (pattern over the English message, translated template filled with the match's groups)
_FORMS: list[tuple[str, Callable[..., str]]] = [
    (r"the file is empty", lambda: _("the file is empty")),
    (r"the file contains no text", lambda: _("the file contains no text")),
    (r"this looks like a binary file, not text",
     lambda: _("this looks like a binary file, not text")),
    (r"no passages of text could be found in the file",
     lambda: _("no passages of text could be found in the file")),
    (r"the HTML page has no readable text", lambda: _("the HTML page has no readable text")),
    (r"the PDF has no pages", lambda: _("the PDF has no pages")),
    (r"no text layer — the PDF is scanned images and needs OCR before it can be indexed\. "
     r"Tesseract OCR is not installed: on Debian or Ubuntu, `(?P<command>[^`]*)`",
     lambda command: _("no text layer: the PDF is scanned images and needs OCR (text "
                       "recognition), and Tesseract OCR is not installed on the server: "
                       "on Debian or Ubuntu, %(command)s", command=command)),
    (r"no text layer — the PDF is scanned images and needs OCR before it can be indexed",
     lambda: _("no text layer: the PDF is scanned images and needs OCR (text recognition) "
               "before it can be indexed")),
    (r"the PDF is encrypted \(password-protected\); save an unprotected copy and add that",
     lambda: _("the PDF is encrypted (password-protected); save an unprotected copy and add "
               "that")),
    (r"the PDF is encrypted with AES.*",
     lambda: _("the PDF is encrypted (AES); save an unprotected copy and add that")),
    (r"the PDF is damaged and cannot be read: (?P<detail>.*)",
     lambda detail: _("the PDF is damaged and cannot be read (%(detail)s)", detail=detail)),
    (r"unsupported file type (?P<kind>'[^']*') \(the content is not PDF, Word, HTML or "
     r"text\).*",
     lambda kind: _("unsupported file type %(kind)s: the content is not PDF, Word, HTML or "
                    "text", kind=kind)),
    (r"the Word file is protected by a password.*",
     lambda: _("the Word file is protected by a password: remove the password in Word (File "
               "> Info > Protect Document > Encrypt with Password, clear it), save, and "
               "upload it again")),
    (r"this is a legacy Word 97-2003 \.doc file.*",
     lambda: _("this is a legacy Word 97-2003 .doc file, which is not read: open it in Word "
               "or LibreOffice and save it as .docx (Word Document) or PDF, then upload "
               "that")),
    (r"this is an old-format Office file.*",
     lambda: _("this is an old-format Office file (not a Word document): save it as PDF and "
               "upload that")),
    (r"this is not a Word document \(\.docx\).*",
     lambda: _("this is not a Word document (.docx): its content is of another kind; check "
               "the file or export it again from Word")),
    (r"the Word file is damaged and cannot be read \((?P<detail>.*)\); open it.*",
     lambda detail: _("the Word file is damaged and cannot be read (%(detail)s); open it in "
                      "Word, save it again and upload the new copy", detail=detail)),
    (r"the Word document has no text", lambda: _("the Word document has no text")),
    # limits of a parser (indexer/ingest/parsers/limits.py)
    (r"the Word file unpacks to more than it may: its part (?P<part>'[^']*') is "
     r"(?P<size>[\d,.]+ [KM]B), over the (?P<limit>[\d,.]+ [KM]B) limit; .*",
     lambda part, size, limit: _(
         "the Word file unpacks to more than it may: its part %(part)s is %(size)s, over the "
         "%(limit)s limit; it may be a \"zip bomb\" (a small file made to fill the server's "
         "memory); if it is a real document, save it again from Word or as PDF and add that",
         part=part, size=size, limit=limit)),
    (r"the Word file unpacks to more than it may: its part (?P<part>'[^']*') grows "
     r"(?P<times>[\d,]+) times when unpacked \((?P<packed>[\d,.]+ [KM]B) to "
     r"(?P<size>[\d,.]+ [KM]B)\), over the limit of (?P<limit>\d+) times; .*",
     lambda part, times, packed, size, limit: _(
         "the Word file unpacks to more than it may: its part %(part)s grows %(times)s times "
         "when unpacked (%(packed)s to %(size)s), over the limit of %(limit)s times; it may "
         "be a \"zip bomb\" (a small file made to fill the server's memory); if it is a real "
         "document, save it again from Word or as PDF and add that",
         part=part, times=times, packed=packed, size=size, limit=limit)),
    (r"the Word file unpacks to more than it may: its parts come to over "
     r"(?P<limit>[\d,.]+ [KM]B) together, the limit; .*",
     lambda limit: _(
         "the Word file unpacks to more than it may: its parts come to over %(limit)s "
         "together, the limit; it may be a \"zip bomb\" (a small file made to fill the "
         "server's memory); if it is a real document, save it again from Word or as PDF and "
         "add that", limit=limit)),
    (r"the HTML page nests its elements more than (?P<limit>\d+) levels deep, .*",
     lambda limit: _(
         "the HTML page nests its elements more than %(limit)s levels deep, which is not a "
         "readable page (browsers stop nesting at 512); save it again from a browser or as "
         "PDF and add that", limit=limit)),
    (r"the HTML page is damaged and cannot be read \((?P<detail>.*)\); save it again.*",
     lambda detail: _(
         "the HTML page is damaged and cannot be read (%(detail)s); save it again from a "
         "browser or as PDF and add that", detail=detail)),
    # the process that reads a file (indexer/ingest/reader.py)
    (r"reading the file needed more than the (?P<limit>\d+) MB of memory a file may use, .*",
     lambda limit: _(
         "reading the file needed more than the %(limit)s MB of memory a file may use, and "
         "was stopped: the file may be damaged, or too large for this server; split it, or "
         "save it again (for instance as PDF), and add that", limit=limit)),
    (r"reading the file took longer than (?P<seconds>[\d.]+) s and was stopped.*",
     lambda seconds: _(
         "reading the file took longer than %(seconds)s s and was stopped: the file may be "
         "damaged or unusually complex; save it again (for instance as PDF) or split it, and "
         "add that", seconds=seconds)),
    (r"reading the file was stopped by the system \(signal SIGKILL\).*",
     lambda: _(
         "reading the file was stopped by the system (signal SIGKILL), which does this when "
         "the server runs out of memory: try again when the server is less busy, or split "
         "the file and add the parts")),
    (r"the reader crashed on this file \(signal (?P<signal>\w+)\).*",
     lambda signal: _(
         "the reader crashed on this file (signal %(signal)s): the file may be damaged; save "
         "it again (for instance as PDF) and add that; the server log has the details",
         signal=signal)),
    (r"the reader stopped with an error on this file \(exit status (?P<status>-?\d+)\).*",
     lambda status: _(
         "the reader stopped with an error on this file (exit status %(status)s): save it "
         "again (for instance as PDF) and add that; the server log has the details",
         status=status)),
    (r"the file could not be read: the reader met an unexpected error \((?P<detail>.*)\); "
     r"save it again.*",
     lambda detail: _(
         "the file could not be read: the reader met an unexpected error (%(detail)s); save "
         "it again (for instance as PDF) and add that, and report the problem (the log has "
         "the details)", detail=detail)),
    (r"the file's structure is nested too deeply to be read.*",
     lambda: _("the file's structure is nested too deeply to be read: it may be damaged; "
               "save it again (for instance as PDF) and add that")),
    # a full disk (indexer/diskfull.py)
    (r"the disk is full \((?P<detail>[^)]*)\): the new index could not be written.*",
     lambda detail: _(
         "the disk is full (%(detail)s): the new index could not be written and was "
         "removed; the previous one stays in use. Free space on the disk that holds the data "
         "directory, then build again", detail=detail)),
    (r"the disk is full \((?P<detail>[^)]*)\): (?P<file>.+) could not be stored, and "
     r"nothing of it was kept.*",
     lambda detail, file: _(
         "the disk is full (%(detail)s): %(file)s could not be stored, and nothing of it was "
         "kept. Free space on the disk that holds the data directory, then add it again",
         detail=detail, file=file)),
    (r"the disk is full \((?P<detail>[^)]*)\): (?P<file>.+) is stored but not yet "
     r"searchable.*",
     lambda detail, file: _(
         "the disk is full (%(detail)s): %(file)s is stored but not yet searchable. Free "
         "space on the disk that holds the data directory, then run `index.py check`, which "
         "finishes it", detail=detail, file=file)),
    (r"recognising text \(OCR\): page (?P<done>\d+) of (?P<total>\d+) done",
     lambda done, total: _("recognising text (OCR): page %(done)s of %(total)s done",
                           done=done, total=total)),
    (r"text recognised by OCR on (?P<pages>.+) \(mean confidence (?P<conf>\d+) %\)",
     lambda pages, conf: _("text recognised by OCR on %(pages)s (mean confidence %(conf)s "
                           "%%): check it against the original before confirming",
                           pages=pages, conf=conf)),
    (r"page (?P<page>\d+): text recognition \(OCR\) took longer than (?P<s>[\d.]+) s and "
     r"was stopped",
     lambda page, s: _("page %(page)s: text recognition (OCR) took longer than %(s)s s and "
                       "was stopped", page=page, s=s)),
    (r"the file is (?P<size>\d+) MB, over the (?P<limit>\d+) MB limit",
     lambda size, limit: _("the file is %(size)s MB, over the %(limit)s MB limit", size=size,
                           limit=limit)),
    (r"the file is over the (?P<limit>\d+) MB limit",
     lambda limit: _("the file is over the %(limit)s MB limit", limit=limit)),
    (r"cannot read the file: (?P<detail>.*)",
     lambda detail: _("cannot read the file (%(detail)s)", detail=detail)),
    (r"the file claims to be UTF-16 but is not: (?P<detail>.*)",
     lambda detail: _("the file claims to be UTF-16 but is not (%(detail)s)", detail=detail)),
    (r"read as (?P<encoding>[\w-]+)",
     lambda encoding: _("read as %(encoding)s (not UTF-8): check accented letters",
                        encoding=encoding)),
    (r"page (?P<pages>\d+) has no text layer \(scanned\?\)",
     lambda pages: _("page %(pages)s has no text layer (scanned?)", pages=pages)),
    (r"pages (?P<pages>.+) have no text layer \(scanned\?\)",
     lambda pages: _("pages %(pages)s have no text layer (scanned?)", pages=pages)),
    (r"page (?P<page>\d+) could not be read \((?P<detail>.*)\)",
     lambda page, detail: _("page %(page)s could not be read (%(detail)s)", page=page,
                            detail=detail)),
    (r"very little text in the PDF \((?P<letters>\d+) letters\)",
     lambda letters: _("very little text in the PDF (%(letters)s letters)", letters=letters)),
    (r"the page labels could not be read \((?P<detail>[^)]*)\).*",
     lambda detail: _("the printed page numbers could not be read (%(detail)s); physical "
                      "page numbers are used", detail=detail)),
    (r"the (?:document information \(title\)|document language|XMP metadata) could not be "
     r"read \((?P<detail>.*)\)",
     lambda detail: _("part of the PDF's metadata could not be read (%(detail)s)",
                      detail=detail)),
    (r"the file is not a PDF: its content is of an unknown kind.*",
     lambda: _("the file is not a PDF: its content is of an unknown kind")),
    (r"the file is not a PDF: its content is (?P<real>.+)",
     lambda real: _("the file is not a PDF: its content is %(real)s", real=_file_type(real))),
    (r"the document date could not be read \((?P<detail>.*)\)",
     lambda detail: _("part of the PDF's metadata could not be read (%(detail)s)",
                      detail=detail)),
    (r"pypdf: (?P<detail>.*)",
     lambda detail: _("PDF reader note: %(detail)s", detail=detail)),
    (r"same file as document (?P<doc>\w+) \(in the trash: restore it instead\)",
     lambda doc: _("same file as document %(doc)s, which is in the trash: restore it instead",
                   doc=doc)),
    (r"same (?:file|content) as document (?P<doc>\w+)",
     lambda doc: _("same file as document %(doc)s", doc=doc)),
    (r"processing took over (?P<seconds>\d+) s and was stopped.*",
     lambda seconds: _("processing took over %(seconds)s s and was stopped; the file may be "
                       "damaged or unusually complex", seconds=seconds)),
    (r"processing the file was stopped by the system \(signal SIGKILL\).*",
     lambda: _("processing the file was stopped by the system (signal SIGKILL), which does "
               "this when the server runs out of memory: try again when the server is less "
               "busy, or split the file")),
    (r"processing the file was stopped by signal (?P<signal>\w+).*",
     lambda signal: _("processing the file was stopped by signal %(signal)s: try again; if "
                      "it happens again, the server log has the details", signal=signal)),
    (r"processing the file stopped with an error in the program.*",
     lambda: _("processing the file stopped with an error in the program (not in the file): "
               "the server log has the details; please report it")),
    (r"the file could not be processed .*",
     lambda: _("the file could not be processed (the reader stopped with an error; the "
               "server log has the details)")),
    (r"another change to the index is in progress.*",
     lambda: _("another change to the index is in progress; try again in a moment")),
    (r"discarded before indexing", lambda: _("discarded before indexing")),
    (r"document (?P<doc>\w+) is already in the trash",
     lambda doc: _("document %(doc)s is already in the trash", doc=doc)),
    (r"document (?P<doc>\w+) is not in the trash.*",
     lambda doc: _("document %(doc)s is not in the trash", doc=doc)),
    (r"document (?P<doc>\w+) is not in the index.*",
     lambda doc: _("document %(doc)s is not searchable (in the trash or replaced)", doc=doc)),
    (r"document (?P<doc>\w+) has been withdrawn from the service",
     lambda doc: _("document %(doc)s has been withdrawn from the service", doc=doc)),
    (r"no document with id .*", lambda: _("no such document")),
    (r"no passage with id .*", lambda: _("no such passage")),
    (r"no upload .*", lambda: _("no such upload")),
    (r"upload \w+ is not waiting for review \(it is \w+\)",
     lambda: _("this upload is no longer waiting for review: reload the page to see where it "
               "is")),
    (r"upload \w+ cannot be discarded now \(it is \w+\)",
     lambda: _("this upload can no longer be discarded: reload the page to see where it is")),
    (r"the original file of (?P<doc>\w+) is not in the store",
     lambda doc: _("the original file of document %(doc)s is not in the store", doc=doc)),
]
_COMPILED = [(re.compile(p), f) for p, f in _FORMS]


def translate(message: str) -> str:
    """`message` in the UI language when its form is known; as it is otherwise."""
    text = str(message or "")
    # Repeated warnings carry a count: "… (×3)".
    count = ""
    m = re.fullmatch(r"(.*) \(×(\d+)\)", text, re.S)
    if m:
        text, count = m.group(1), f" (×{m.group(2)})"
    for pattern, render in _COMPILED:
        m = pattern.fullmatch(text)
        if m:
            return render(**m.groupdict()) + count
    return text + count


def error_message(exc: BaseException, english: str) -> str:
    """What an error page says of `exc` in the UI language; `english` is what the JSON API
    says (the exception's own text, or an HTTP error's description)."""
    if isinstance(exc, HTTPException):
        return _http_message(exc, english)
    if isinstance(exc, IndexOutOfDate):
        # the English names server paths: readers get this, the API and `index.py` the detail
        return _("The search index is not ready: it has to be built, or rebuilt for this "
                 "version of the program, on the server (python index.py build; python "
                 "index.py check repairs it).")
    msgid = getattr(exc, "msgid", "") if isinstance(exc, DialogueSearchError) else ""
    params = getattr(exc, "params", {})
    if isinstance(msgid, Plural):
        text = ngettext(msgid.singular, msgid.plural, msgid.n,
                        **{k: v for k, v in params.items() if k != "num"})
    else:
        text = _(msgid, **params) if msgid else english
    # an id the catalogs do not know comes back in English: perhaps one of the forms above
    return translate(text) if text == english else text


def _http_message(exc: HTTPException, english: str) -> str:
    """Werkzeug's own descriptions are English sentences for developers: each status people
    meet gets one of ours. A description the app gave (abort(401, description=_(...))) is
    already in the UI language."""
    from flask_wtf.csrf import CSRFError

    if isinstance(exc, CSRFError):
        return _("The form could not be accepted: it has expired or did not come from this "
                 "site. Go back, reload the page and try again.")
    if english != type(exc).description and exc.code != 500:
        return english
    own = {400: _("The request could not be understood."),
           404: _("There is no page at this address. Check the address, or search for the "
                  "text."),
           405: _("This address does not accept this kind of request."),
           413: _("The request is too large."),
           500: _("Something went wrong on the server; the error has been recorded in the "
                  "server log.")}
    return own.get(exc.code or 500, _("The request could not be handled (error %(status)s).",
                                      status=exc.code))
