"""The Atom feed (RFC 4287) of a saved search: its newest items, each an entry with a stable
id, `updated`, the passage's permalink, the title "document, label", the highlighted text
and the citation (HTML content, escaped as RFC 4287 section 3.1.1.2 asks), why it matched.

Written with ElementTree, which escapes every text and attribute: nothing from a document or
a query reaches the XML as markup."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from indexer.alerts import render
from indexer.alerts.i18n import gettext
from indexer.alerts.store import Item, SavedSearch

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 100  # the newest items a feed lists


def atom(search: SavedSearch, items: list[Item], *, self_url: str, site_url: str,
         link_for) -> bytes:
    """The feed document. `link_for(passage_id)` is a passage's absolute permalink."""
    _ = gettext(search.ui_lang)
    ET.register_namespace("", ATOM)

    def sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": search.ui_lang})
    sub(feed, "id", f"urn:uuid:{search.uid}")  # the token can be replaced; the id stays
    sub(feed, "title", _("Dialogue Search: %(name)s", name=search.name))
    sub(feed, "subtitle", _("New passages matching your saved search"))
    sub(feed, "updated", _stamp(items[0].created if items else search.created))
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", type="text/html", href=site_url)
    author = sub(feed, "author")
    sub(author, "name", "Dialogue Search")
    sub(feed, "generator", "Dialogue Search")
    for item in items:
        link = link_for(item.passage_id)
        entry = sub(feed, "entry")
        sub(entry, "id", item.entry_id)
        sub(entry, "title", render.title(item))
        sub(entry, "updated", _stamp(item.created))
        sub(entry, "published", _stamp(item.created))
        sub(entry, "link", rel="alternate", type="text/html", href=link)
        for word in item.data.get("words", [])[:10]:
            sub(entry, "category", term=word)
        sub(entry, "summary", item.data.get("citation", ""))
        content = sub(entry, "content", render.html(item, _, link, link_for), type="html")
        content.set("xml:lang", item.lang or search.ui_lang)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _stamp(iso: str) -> str:
    """An RFC 3339 date-time (the store writes `2026-12-03T08:00:00+00:00`)."""
    return iso.replace("+00:00", "Z") if iso else "1970-01-01T00:00:00Z"
