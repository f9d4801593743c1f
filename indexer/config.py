"""Every setting, declared once with its default and meaning.

Values come from the environment (`DIALOGUE_SEARCH_<NAME>`), then the defaults below.
Command-line options and the web app's config override them explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "DIALOGUE_SEARCH_"
# Settings naming a folder or file; a relative one is taken from the working directory when
# the settings are loaded (never from where the package is installed).
_PATHS = ("index_dir", "corpus_dir", "lexicon_file", "secret_key_file")


# The serving figures README's "Serving" section and the web_workers and web_threads help give:
# one sentence, here (tests/test_docs.py checks README has it word for word). From
# bench/README.md's runs of `make bench-load` on the UNGA-scale index.
SERVING_MEASURED = ("on 2 cores, 50 clients, result cache off (`make bench-load`, "
                    "bench/README.md): four sync processes (the default) answered 126-130 "
                    "req/s (p95 0.5 s), two processes of four threads 49")


def _setting(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    index_dir: str = _setting(
        "var/data",
        "Data directory: the store (SQLite + originals) and the search index derived from it.",
    )
    engine: str = _setting(
        "tantivy",
        "Search engine of new indexes: tantivy (default, fast) or whoosh (pure Python). An "
        "index keeps the engine it was built with; switching is a rebuild (`index.py build`).",
    )
    corpus_dir: str = _setting(
        "corpus", "Folder `build` reads when --corpus is not given; its catalog.toml lists the "
        "documents `fetch` and `seed` download into its fetched/ folder.",
    )
    languages: str = _setting(
        "en,fr,es,ru,ar,zh,pt,de",
        "Candidate languages for detection (comma-separated ISO 639-1 codes).",
    )
    default_lang: str = _setting("en", "Language assumed when detection has nothing to go on.")
    lexicon_file: str = _setting(
        "", "Word lists did-you-mean consults (indexer/search/lexicon.py), written by `build` and "
        "`serve` where missing. Empty: lexicon-wordfreq-<version>.sqlite3 in the user's cache "
        "folder ($XDG_CACHE_HOME or ~/.cache, dialogue-search/), shared by every data directory.",
    )
    write_lock_timeout: float = _setting(
        30.0, "Seconds a writer waits for another writer before giving up with a clear message."
    )
    max_passage_words: int = _setting(
        300, "Paragraphs longer than this are split at sentence boundaries."
    )
    min_passage_words: int = _setting(
        8, "Fragments shorter than this are merged with a neighbour (labels and headings kept)."
    )
    # -- bounds on the work one request may ask for (indexer/query/limits.py checks them before
    # any engine call; past one, the request is refused with the reason: HTTP 400, CLI
    # status 2)
    max_query_chars: int = _setting(
        1000, "Longer queries are refused (long queries are slow to plan and to run)."
    )
    max_query_words: int = _setting(
        200, "Most words a query may hold, quoted ones included (each becomes a term in "
        "several fields, and in every language the thesaurus expands it to).",
    )
    max_query_nesting: int = _setting(
        20, "Deepest nesting of parentheses and NOT a query may have: `((a))` is 2 (the "
        "parser recurses once a level; 200 levels overflowed Python's stack).",
    )
    max_query_patterns: int = _setting(
        10, "Most wildcard (`migra*`) and fuzzy (`migrant~`) words in one query: each is "
        "looked up in the index's vocabulary and stands for up to 50 indexed words.",
    )
    web_max_per_page: int = _setting(
        100, "Largest page of results the web pages and the API serve (`per_page`). The "
        "command line has its own, larger limit (cli_max_per_page).",
    )
    cli_max_per_page: int = _setting(
        1000, "Largest page of results `index.py search --limit` prints or exports; the "
        "search service refuses anything larger from any caller.",
    )
    max_result_depth: int = _setting(
        10_000, "Deepest result a search ranks: page x per_page (page 1,000 of 10). The "
        "engine is asked for twice that many candidates; page 1,000,000,000 made tantivy "
        "allocate 640 GB and abort the server process.",
    )
    export_max_hits: int = _setting(
        1000, "Most hits one CSV or JSON export of a search holds (/api/search.csv, "
        "/api/search.json `limit`).",
    )
    max_compare_chars: int = _setting(
        2_000_000, "Most characters of text two documents may hold together to be compared "
        "(the GCM holds 0.13 million, the largest UNGA text 1.1 million; a 50 MB "
        "document against the GCM took 12.8 s).",
    )
    max_compare_passages: int = _setting(
        10_000, "Most passages two documents may hold together to be compared (the "
        "alignment compares passages pairwise within windows).",
    )
    max_compare_filter_chars: int = _setting(
        200, "Longest words filter (`only`) of a comparison.",
    )
    max_file_bytes: int = _setting(100 * 1024 * 1024, "Largest file accepted for ingestion.")
    # -- limits on reading one file: each file is read in a child process under the first
    # two (indexer/ingest/reader.py), the parsers check the others before the work
    # (indexer/ingest/parsers/limits.py). Past one, the file is refused with the reason, and the
    # build or `add` goes on with the other files.
    reader_memory_mb: int = _setting(
        2048, "Most memory (MB of address space: resource.setrlimit RLIMIT_AS) of the child "
        "process that reads a file: parses it, splits it into passages and finds their "
        "languages (OCR's Tesseract processes too, each on its own). A file needing more is "
        "refused. 0: no limit.",
    )
    reader_seconds: float = _setting(
        300.0, "Seconds the child process may spend reading one file before it is stopped and "
        "the file refused. Each scanned page OCR finishes gives it that long again (OCR "
        "bounds each page itself: ocr_page_seconds). 0: no limit.",
    )
    zip_max_unpacked_mb: int = _setting(
        256, "Most MB a .docx may unpack to, all its parts together, read from the zip's "
        "directory before anything is inflated (a 1 MB file unpacking to a 1 GB "
        "document.xml had taken 2.1 GB of memory before it was refused).",
    )
    zip_max_part_mb: int = _setting(
        128, "Most MB any one part of a .docx may unpack to (python-docx reads every part "
        "into memory; lxml then needs several times a part's size to parse it).",
    )
    zip_max_ratio: int = _setting(
        200, "Most times a part of a .docx of 1 MB or more may grow when unpacked (Word's "
        "XML grows 5 to 20 times; a zip bomb of repeated bytes about 1,000 times).",
    )
    max_markup_depth: int = _setting(
        512, "Deepest nesting of elements an HTML page may have (browsers stop nesting at "
        "512; a page nested 100,000 levels deep overflowed the reader's stack).",
    )
    max_upload_bytes: int = _setting(
        100 * 1024 * 1024,
        "Largest upload request the web app accepts (all its files together); larger ones are "
        "refused from their Content-Length, before being read.",
    )
    ocr_page_seconds: float = _setting(
        120.0, "Seconds Tesseract may spend on one scanned page before it is stopped (the page "
        "is then left out, with a warning).",
    )
    job_timeout: float = _setting(
        600.0, "Seconds the upload worker gives one file (parsing or indexing) before stopping "
        "it and reporting the file as failed.",
    )
    secret_key_file: str = _setting(
        str(Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
            / "dialogue-search" / "secret_key"),
        "File holding the web app's session signing key, created (mode 600) on first use; "
        "outside the project so it is never committed. DIALOGUE_SEARCH_SECRET_KEY overrides it.",
    )
    secret_key: str = _setting("", "Session signing key; empty: read secret_key_file.")
    trusted_proxies: int = _setting(
        0, "Reverse proxies in front of the app whose X-Forwarded-Proto/-For to trust "
        "(so session cookies are Secure behind an HTTPS proxy).",
    )
    result_cache: int = _setting(
        512, "Search results each server process keeps for a repeated request (the same "
        "words, filters and page), dropped whenever the index changes. 0: none.",
    )
    web_workers: int = _setting(
        0, "Server processes of `index.py serve` (0: two per CPU core). Searching is CPU work "
        "under Python's GIL, so processes, not threads, use the cores; a second process per "
        f"core searches while another reads or writes the network. Measured {SERVING_MEASURED}"
        ". 1: a single waitress process.",
    )
    web_threads: int = _setting(
        1, "Threads per server process; 1: gunicorn sync workers (one request at a time, a "
        "process takes a connection only when free, so the load spreads evenly). More than "
        "one costs throughput: CPU-bound threads contend for the GIL (measured "
        f"{SERVING_MEASURED}).",
    )
    web_read_timeout: float = _setting(
        5.0, "Seconds a client of `index.py serve` (gunicorn sync processes) has to send its "
        "whole request head, and at most between two reads or writes after that; past it the "
        "connection is closed (0: no limit, gunicorn's own behaviour). Until its head has "
        "arrived a connection waits without holding a process (search_app/serve_worker.py): 20 "
        "clients sending half a request had stopped a 4-process server "
        "(bench/bench_slow_clients.py). A slow upload is not cut while its data keeps coming.",
    )
    references: int = _setting(
        1, "1: find the UN documents each passage cites (cross-references, "
        "indexer/ingest/references.py) when a file is read; 0: none are found (only to "
        "measure what finding them adds to a build: `make bench`).",
    )
    passage_lang_min_chars: int = _setting(
        120, "Passages shorter than this inherit the document language instead of being detected."
    )
    # -- alerts: saved searches that say what is new (indexer/alerts/, issue 24)
    public_url: str = _setting(
        "", "The service's address as people reach it (https://search.example.org): the links "
        "in e-mail digests and webhook payloads. E-mail digests need it.",
    )
    smtp_host: str = _setting(
        "", "SMTP server the e-mail digests of saved searches go through. Empty (or no "
        "smtp_from or public_url): no e-mail digests, and the pages do not offer them.",
    )
    smtp_port: int = _setting(587, "Port of smtp_host.")
    smtp_security: str = _setting(
        "starttls", "How the SMTP connection is secured: starttls, ssl (implicit TLS, port "
        "465) or none (a relay on the same machine or network only).",
    )
    smtp_user: str = _setting("", "SMTP login, if the server wants one.")
    smtp_password: str = _setting("", "SMTP password (set it in the environment).")
    smtp_from: str = _setting("", "From address of the digests: `Dialogue Search <a@b.org>`.")
    smtp_timeout: float = _setting(30.0, "Seconds an SMTP connection or reply may take.")
    alert_max_searches: int = _setting(
        10_000, "Saved searches the service keeps at most (anyone can save one, without an "
        "account; each is matched against every new document).",
    )
    alert_confirmations_per_day: int = _setting(
        3, "Confirmation e-mails one address receives a day at most, so the subscription form "
        "cannot be used to flood someone's mailbox.",
    )
    alert_batch_items: int = _setting(
        100, "Items one digest or webhook POST carries at most (more go in the next).",
    )
    alert_webhook_timeout: float = _setting(10.0, "Seconds a webhook receiver has to answer.")
    alert_retry_attempts: int = _setting(
        8, "Attempts at one delivery (webhook POST, digest) before it is given up and logged "
        "as failed.",
    )
    alert_retry_seconds: float = _setting(
        60.0, "Wait before the first retry of a failed delivery; each next wait doubles "
        "(1, 2, 4 ... minutes), capped at a day.",
    )
    alert_webhook_private: int = _setting(
        0, "1: webhooks may point at loopback and private network addresses (tests, an "
        "intranet receiver). 0: public addresses only, so that a saved search, which anyone "
        "can make, cannot have the server call machines of its own network.",
    )

    @property
    def language_list(self) -> list[str]:
        return [x.strip() for x in self.languages.split(",") if x.strip()]


def describe() -> list[tuple[str, object, str]]:
    """(name, default, meaning) for every setting: for docs and `--help`."""
    return [(f.name, f.default, f.metadata["help"]) for f in fields(Settings)]


def load(**overrides) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides on top."""
    values = {}
    for f in fields(Settings):
        env = os.environ.get(ENV_PREFIX + f.name.upper())
        if env is not None:
            values[f.name] = type(f.default)(env)
    values.update({k: v for k, v in overrides.items() if v is not None})
    for f in fields(Settings):
        value = values.get(f.name, f.default)
        if f.name in _PATHS and value:
            values[f.name] = os.path.abspath(os.path.expanduser(value))
    return Settings(**values)
