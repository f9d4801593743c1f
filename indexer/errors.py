"""User-safe errors raised at the edges. Anything else is a bug and should fail loudly.

A message is written as a gettext message id with named parameters,
`QueryError("unknown language %(code)r: use one of %(known)s", code=..., known=...)`: `str()`
is the English text (logs, the command line, the JSON API), and the web pages translate the
id into the reader's language (search_app/messages.py) and fill in the same parameters. The
indexer never imports Flask or Babel; the ids are extracted from the source with the
keywords in EXTRACT_KEYWORDS (search_app/translations/compile.py says how).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plural:
    """A message id with a plural form, chosen by `n` (ngettext's arguments, unevaluated);
    `%(num)s` in either form is `n`."""

    singular: str
    plural: str
    n: int

    def english(self) -> str:
        return self.singular if self.n == 1 else self.plural


# Babel keyword specs of the calls whose literal arguments are message ids.
EXTRACT_KEYWORDS = {"QueryError": (1,), "Plural": (1, 2)}


class DialogueSearchError(Exception):
    """Base for errors whose message is written for a person, not a developer: `msgid` (a
    string or a Plural) with `params` for its `%(name)s` placeholders."""

    def __init__(self, msgid: str | Plural = "", **params: object):
        text = msgid
        if isinstance(msgid, Plural):
            text = msgid.english()
            params = {"num": msgid.n, **params}
        # only a message with parameters is a format string (a bare one may hold a "%")
        super().__init__(text % params if params else text)
        self.msgid = msgid
        self.params = params


class IngestRefused(DialogueSearchError):
    """A file cannot be indexed (encrypted, empty, no text layer, unsupported type ...).

    Recorded per file and reported; never leaves anything half-indexed.
    """

    def __init__(self, reason: str, file: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.file = file


class ReaderStopped(IngestRefused):
    """The process reading a file stopped before it was read through: a limit (memory, time),
    the system (a kill), a crash or a bug in a reader. The file is refused with what happened
    and what to do; `cause` says which: memory | time | killed | crashed | depth | error."""

    def __init__(self, reason: str, file: str = "", cause: str = "error"):
        super().__init__(reason, file)
        self.cause = cause


class DiskFull(DialogueSearchError):
    """A write failed for want of disk space (or of the process's file-size allowance). What
    that write had begun is undone; the message says what could not be written."""


class DuplicateDocument(DialogueSearchError):
    """The same content is already stored; nothing new is indexed."""

    def __init__(self, doc_id: str, file: str = ""):
        super().__init__(f"same content as document {doc_id} already in the index")
        self.doc_id = doc_id
        self.file = file


class QueryError(DialogueSearchError):
    """A query that cannot be run; the message is safe to show to the user (HTTP 400)."""


class NotFound(DialogueSearchError):
    """An unknown document or passage id (HTTP 404)."""


class Withdrawn(DialogueSearchError):
    """A document staff moved to the trash: its public pages answer "withdrawn" (HTTP 410)."""


class WriteBusy(DialogueSearchError):
    """Another process holds the write lock for longer than the configured timeout."""


class IndexOutOfDate(DialogueSearchError):
    """The on-disk index was built with another schema version: it must be rebuilt."""


class PassageMoved(NotFound):
    """A passage id from before a rebuild that relabelled its paragraph: the same text now has
    another id (`passage_id`). Pages and the API answer with a permanent redirect."""

    def __init__(self, old_id: str, passage_id: str):
        super().__init__(f"passage {old_id!r} is now {passage_id!r}")
        self.passage_id = passage_id
