"""Saved searches that say what is new (issue 24): feeds, e-mail digests, webhooks.

    store.py     alerts.sqlite3: saved searches, known documents, items, deliveries
    plan.py      a saved search as the query plan search runs
    matching.py  a plan evaluated on a passage's own text; many searches through anchors
    collect.py   new documents -> items (revisions: changed paragraphs; language versions
                 as one item), in one transaction with marking them known
    searches.py  saving, renaming, pausing, deleting a search; its token
    preview.py   how many passages a search would have produced per month
    feed.py      the Atom feed of a saved search
    mail.py      e-mail digests (double opt-in, one-click unsubscribe) over SMTP
    webhooks.py  signed JSON POSTs
    delivery.py  `alert run`: what is due, retried with back-off, every attempt logged
    cli.py       `index.py alert add|list|remove|run`

The rest of the program calls one function, `documents_searchable`, where documents become
searchable (indexer/library: build.py, and changes.py's add and replace; staff uploads go
through add and replace).
"""

from __future__ import annotations


def documents_searchable(settings) -> None:
    """Match the documents that just became searchable against the saved searches (called
    under the write lock, after the commit that made them searchable)."""
    from indexer.alerts.collect import catch_up

    catch_up(settings)
