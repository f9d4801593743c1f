"""An item as people and programs read it, wherever it is delivered: HTML (the feed's
content, the e-mail's HTML part), plain text (the e-mail's text part), JSON (the API and the
webhook). Everything from a document or a query is escaped (the highlighted text comes from
highlight.snippet, which escapes every piece it marks)."""

from __future__ import annotations

from html import escape

from indexer.alerts.store import Item
from indexer.search.highlight import snippet


def title(item: Item) -> str:
    """"document, label": the feed entry's title."""
    d = item.data
    where = d.get("locator") or d.get("label") or ""
    return f"{d.get('title', '')}, {where}" if where else d.get("title", "")


def highlighted(item: Item, tag: str = "mark") -> str:
    """The passage's whole text as HTML, its matched words in <mark> (or `tag`: feed
    readers and mail programs drop <mark>, an HTML5 element, and keep <strong>)."""
    text = item.data.get("text", "")
    spans = [tuple(s) for s in item.data.get("spans", [])]
    html = snippet(text, spans, width=max(len(text), 1))
    if tag != "mark":  # the text is escaped: every literal <mark> is snippet's own
        html = html.replace("<mark>", f"<{tag}>").replace("</mark>", f"</{tag}>")
    return html


def reasons(item: Item, _) -> list[str]:
    """Why the item arrived, in sentences (plain text; escape for HTML)."""
    d = item.data
    out = []
    if d.get("words"):
        out.append(_("Matched words: %(words)s", words=", ".join(d["words"])))
    for c in d.get("concepts", []):
        out.append(_("Through the concept “%(query)s”: %(term)s (%(lang)s)",
                     query=c["query"], term=c["term"], lang=c["lang"]))
    if d.get("change") == "changed":
        out.append(_("This paragraph changed in a new revision of the document."))
    elif d.get("change") == "added":
        out.append(_("This paragraph is new in a revision of the document."))
    return out


def html(item: Item, _, permalink: str, link_for=None) -> str:
    """The item as an HTML fragment (escaped), for feeds and e-mails: matches in
    <strong>."""
    d = item.data
    parts = [f'<p lang="{escape(d.get("lang", ""))}">{highlighted(item, "strong")}</p>']
    for line in reasons(item, _):
        parts.append(f"<p><em>{escape(line)}</em></p>")
    versions = d.get("versions") or {}
    if versions and link_for is not None:
        links = ", ".join(f'<a href="{escape(link_for(pid))}" hreflang="{escape(lang)}">'
                          f'{escape(lang)}</a>' for lang, pid in sorted(versions.items()))
        parts.append(f"<p>{escape(_('Same paragraph in:'))} {links}</p>")
    parts.append(f"<p>{escape(_('Citation:'))} {escape(d.get('citation', ''))}</p>")
    parts.append(f'<p><a href="{escape(permalink)}">{escape(_("Passage and citation"))}'
                 f"</a></p>")
    return "\n".join(parts)


def text(item: Item, _, permalink: str) -> str:
    """The item as plain text (an e-mail's text part)."""
    d = item.data
    lines = [title(item), "", d.get("text", ""), ""]
    lines += reasons(item, _)
    lines += [_("Citation:") + " " + d.get("citation", ""), permalink]
    return "\n".join(lines)


def as_json(item: Item, permalink: str) -> dict:
    d = item.data
    return {"id": item.entry_id, "passage_id": item.passage_id, "doc_id": item.doc_id,
            "title": title(item), "document": d.get("title", ""),
            "symbol": d.get("symbol", ""), "paragraph": d.get("label", ""),
            "locator": d.get("locator", ""), "lang": item.lang, "url": permalink,
            "text": d.get("text", ""), "highlighted": highlighted(item),
            "citation": d.get("citation", ""), "matched": d.get("words", []),
            "concepts": d.get("concepts", []), "change": d.get("change", "new"),
            "versions": d.get("versions", {}), "created": item.created}
