"""The command line: one small function per command; all work is done by indexer modules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from indexer import config, library
from indexer.errors import DialogueSearchError, QueryError
from indexer.ingest.metadata import read_sidecar, url_problem
from indexer.library import accounts
from indexer.models import SERIES, DocMeta, normalize_series
from indexer.query import limits
from indexer.search.service import SearchRequest, SearchService


def _settings(args) -> config.Settings:
    return config.load(index_dir=getattr(args, "index", None))


def _print_report(report: library.Report, out=None) -> int:
    out = out or sys.stdout  # looked up now: a default bound at import time goes stale
    Outcome = library.OutcomeStatus
    indexed, dups = report.of(Outcome.INDEXED), report.of(Outcome.DUPLICATE)
    refused = report.of(Outcome.REFUSED)
    print(f"indexed {len(indexed)} file(s), {report.passages} passage(s); "
          f"{len(dups)} duplicate(s); {len(refused)} refused", file=out)
    for o in dups:
        print(f"  duplicate  {o.file}: {o.reason}", file=out)
    for o in refused:
        print(f"  refused    {o.file}: {o.reason}", file=out)
    for o in indexed:
        for w in o.warnings:
            print(f"  warning    {o.file}: {w}", file=out)
    for note in report.notes:
        print(f"  note       {note}", file=out)
    return 1 if refused else 0


def cmd_build(args) -> int:
    from tqdm import tqdm

    settings = _settings(args)
    corpus = Path(args.corpus or settings.corpus_dir)
    if not corpus.is_dir():
        print(f"error: {corpus} is not a folder", file=sys.stderr)
        return 2
    files = library.corpus_files(corpus)
    bar = tqdm(total=len(files), unit="file", file=sys.stderr, disable=args.quiet,
               dynamic_ncols=True)
    passages = 0

    def progress(outcome: library.FileOutcome) -> None:
        nonlocal passages
        passages += outcome.passages
        bar.update(1)
        bar.set_postfix(passages=passages, refresh=False)

    try:
        report = library.build(corpus, settings, progress=progress, workers=args.workers)
    finally:
        bar.close()
    return _print_report(report)


def _sidecar(args) -> DocMeta | None:
    meta = read_sidecar(Path(args.meta)) if args.meta else DocMeta()
    flags = DocMeta(title=args.title or "", series=normalize_series(args.series or ""),
                    symbol=args.symbol or "", lang=(args.lang or "").lower(),
                    date=args.date or "", url=args.url or "", version=args.version or "",
                    work=getattr(args, "work", None) or "")
    merged = flags.merged_over(meta)
    return merged if merged != DocMeta() else None


def cmd_add(args) -> int:
    settings = _settings(args)
    paths = [Path(p) for p in args.files]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print("error: no such file: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    report = library.add(paths, settings, sidecar=_sidecar(args))
    return _print_report(report)


def cmd_remove(args) -> int:
    doc = library.remove(args.doc_id, _settings(args))
    print(f"removed {doc.doc_id} ({doc.meta.title or doc.file})")
    return 0


def cmd_restore(args) -> int:
    doc = library.restore(args.doc_id, _settings(args))
    print(f"restored {doc.doc_id} ({doc.meta.title or doc.file})")
    return 0


def cmd_purge(args) -> int:
    doc = library.purge(args.doc_id, _settings(args))
    print(f"purged {doc.doc_id} ({doc.meta.title or doc.file}) for good")
    return 0


def cmd_edit(args) -> int:
    changes = _sidecar(args) or DocMeta()
    if changes == DocMeta():
        print("error: nothing to change; give --title, --series, ... or --meta", file=sys.stderr)
        return 2
    doc = library.edit(args.doc_id, changes, _settings(args))
    print(f"edited {doc.doc_id}: {doc.meta.title}")
    return 0


def cmd_replace(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    outcome = library.replace(args.doc_id, path, _settings(args),
                               changes=_sidecar(args) or DocMeta())
    if outcome.status != library.OutcomeStatus.INDEXED:
        print(f"{outcome.status}: {outcome.reason}", file=sys.stderr)
        return 1
    print(f"{args.doc_id} replaced by {outcome.doc_id} ({outcome.passages} passages); "
          "the old revision is kept")
    for w in outcome.warnings:
        print(f"  warning    {outcome.file}: {w}")
    return 0


def _read_password(args) -> str:
    """From standard input with --password-stdin (scripts), else prompted twice."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise accounts.AccountError("the two passwords differ")
    return first


def cmd_user(args) -> int:
    settings = _settings(args)
    if args.action == "list":
        for u in accounts.list_users(settings):
            print(f"{u['name']:24} created {u['created']}  last login {u['last_login'] or '-'}")
        return 0
    if not args.name:
        print(f"error: user {args.action} needs a NAME", file=sys.stderr)
        return 2
    if args.action == "add":
        accounts.add_user(settings, accounts.check_name(args.name), _read_password(args))
        print(f"added staff user {args.name}")
    elif args.action == "password":
        accounts.set_password(settings, args.name, _read_password(args))
        print(f"new password for {args.name} (their sessions end now)")
    else:
        accounts.remove_user(settings, args.name)
        print(f"removed staff user {args.name} (their sessions end now)")
    return 0


def cmd_log(args) -> int:
    entries = library.audit_log(_settings(args), limit=args.limit)
    if args.json:
        print(json.dumps({"audit": entries}, ensure_ascii=False, indent=1))
        return 0
    for e in entries:
        title = (e["after"] or e["before"]).get("title", "")
        print(f"{e['at']}  {e['actor']:16} {e['action']:8} {e['doc_id']}  {title[:60]}")
    return 0


def cmd_list(args) -> int:
    docs = SearchService(_settings(args)).documents()
    if args.json:
        print(json.dumps({"documents": [{
            "doc_id": d.doc_id, "title": d.meta.title, "series": d.meta.series,
            "symbol": d.meta.symbol, "lang": d.meta.lang, "year": d.year, "file": d.file,
            "passages": d.passages} for d in docs]}, ensure_ascii=False, indent=1))
        return 0
    for d in docs:
        print(f"{d.doc_id}  {d.meta.series:6} {d.meta.lang:2} {d.year or '':4}  "
              f"{d.meta.symbol or '-':22} {d.passages:5}  {d.meta.title[:70]}")
    print(f"{len(docs)} document(s)")
    return 0


def _page_size(settings: config.Settings):
    """An argparse type: `--limit`, a whole number within cli_max_per_page (checked by
    indexer/query/limits.py, as every bound), refused before anything is opened."""
    def parse(text: str) -> int:
        try:
            return limits.whole_number(text, "limit", 1, settings.cli_max_per_page)
        except QueryError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def _at_least(low: int):
    """An argparse type: an integer from `low`, written in plain decimal digits (no `5e7`,
    `1_000`: int() would take the latter). Upper bounds are the settings', checked where
    they are used (indexer/query/limits.py)."""
    def parse(text: str) -> int:
        digits = text.strip().removeprefix("-")
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
            raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a whole number")
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {low} or more, not {value}")
        return value
    return parse


def cmd_search(args) -> int:
    query = " ".join(args.query)
    service = SearchService(_settings(args))
    result = service.search(SearchRequest(
        q=query, lang=args.lang or "", series=args.series or "", per_page=args.limit,
        page=args.page, topic=args.topic or "", same_language=args.same_language,
        expand=not args.no_expand))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(f"{result.total} passage(s) for {query!r} [{result.query_lang}] "
          f"({result.elapsed_ms:.0f} ms)")
    if result.suggestion:
        print(f"did you mean: {result.suggestion}")
    for i, h in enumerate(result.hits, (args.page - 1) * args.limit + 1):
        print(f"\n{i}. [{h.passage.lang}] {h.citation}  (score {h.score:.2f})")
        print("   " + h.passage.text[:400].replace("\n", " ")
              + ("…" if len(h.passage.text) > 400 else ""))
    return 0


def cmd_refs(args) -> int:
    """A passage's references: what it cites and who cites it (issue 23's contract:
    `{"cites": [...], "cited_by": [...]}`, each item with symbol, label, verb, text, doc_id
    and passage_id, null where not resolved)."""
    service = SearchService(_settings(args))
    with service.store() as st:
        passage = st.get_passage(args.passage_id)
        doc = st.get_document(passage.doc_id)
        resolver = service.resolver(st)
        langs = [args.lang] if args.lang else []
        cites = resolver.cites(passage, doc, langs)
        cited_by = resolver.cited_by(passage, doc, langs, limit=args.limit)
    if args.json:
        print(json.dumps({"cites": [link.cites_json() for link in cites],
                          "cited_by": [c.json() for c in cited_by.items]},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"{passage.passage_id}  {doc.meta.symbol or doc.meta.title[:60]}  "
          f"{passage.label or '-'}")
    print(f"cites {len(cites)}:")
    for link in cites:
        r = link.ref
        if link.target is not None:
            where = f"{link.target.doc_id}" + (f" {link.target_label}" if link.target_label
                                               else "")
            to = f"{r.symbol} {r.pinpoint}".strip() + f"  -> {where}  {link.name[:60]}"
        elif r.symbol:
            to = f"{r.symbol} {r.pinpoint}".strip() + f"  (not in the index: {link.url})"
        else:
            to = "(cited document not identified)"
        print(f"  {r.verb or '-':12} {r.text[:70]!r}  {to}")
    shown = len(cited_by.items)
    print(f"cited by {cited_by.total} reference(s) in {len(cited_by.documents)} "
          f"document(s)" + (f"; the first {shown}:" if shown < cited_by.total else ":"))
    for c in cited_by.items:
        what = "the whole document" if c.whole else "this paragraph"
        print(f"  {c.link.passage_id}  {c.document.meta.symbol or '-'}  {c.label or '-'}  "
              f"{c.link.ref.text[:60]!r} ({what})")
    return 0


def cmd_compare(args) -> int:
    from indexer.versions import export as compare_export
    from indexer.versions import works as versions

    settings = _settings(args)
    with library.current(settings) as (_, st):
        a, b, comparison = versions.compare(st, args.doc_a, args.doc_b)
    only = " ".join(args.only or [])
    if args.json:
        print(json.dumps(comparison.to_json(only=only), ensure_ascii=False, indent=1))
    elif args.markdown:
        sys.stdout.write(compare_export.markdown(a, b, comparison, only=only,
                                                 include_unchanged=args.all))
    elif args.csv:
        sys.stdout.write(compare_export.csv_text(comparison, only=only))
    else:
        pairs = comparison.only(only) if only else comparison.pairs
        s = comparison.summary(pairs)
        print(f"A {a.doc_id} {a.meta.symbol or a.meta.title}  ->  "
              f"B {b.doc_id} {b.meta.symbol or b.meta.title}")
        print(f"{s['unchanged']} unchanged, {s['changed']} changed, {s['added']} added, "
              f"{s['removed']} removed ({s['moved']} moved, {s['split']} split, "
              f"{s['merged']} merged)" + (f"; only {only!r}" if only else ""))
        for p in pairs:
            if p.status == "unchanged" and not p.moved and not args.all:
                continue
            tags = " ".join(x for x in (p.status, "moved" if p.moved else "", p.part) if x)
            print(f"\n{compare_export.labels(p)}  [{tags}]")
            print("   " + compare_export.marked(p, ("{+", "+}"), ("[-", "-]"))[:600])
    return 0


def cmd_versions(args) -> int:
    from indexer.versions import works as versions

    settings = _settings(args)
    with library.current(settings) as (_, st):
        found = versions.versions(st, args.doc_id)
        suggested = versions.suggestions(st, args.doc_id)
    for d in found:
        mark = "*" if d.doc_id == args.doc_id else " "
        print(f"{mark} {d.doc_id}  {d.meta.date or '-':10} {d.meta.version or '-':12} "
              f"{d.meta.symbol or '-':22} {d.meta.title[:60]}")
    for s in suggested:
        print(f"? {s.document.doc_id}  likely version ({'; '.join(s.reasons)}): "
              f"{s.document.meta.symbol or s.document.meta.title[:60]}  "
              f"-> index.py link {args.doc_id} {s.document.doc_id}")
    return 0


def cmd_link(args) -> int:

    work = library.link(args.doc_id, args.other, _settings(args))
    print(f"linked {args.other} to {args.doc_id} as versions of work {work!r}")
    return 0


def cmd_check(args) -> int:
    res = library.check(_settings(args), repair=not args.no_repair)
    print(f"{res.documents} document(s), {res.passages} passage(s) in the store")
    if res.references:
        print(f"{res.references} cross-reference(s) found in the stored passages (a store "
              "made before they were kept)")
    if res.stray:
        print(f"{len(res.stray)} file(s) no document refers to (originals of none, leftovers "
              "of interrupted writes)" + ("; removed" if not args.no_repair else ":"))
        if args.no_repair:
            for path in res.stray:
                print(f"  {path}")
    if res.missing or res.orphans:
        print(f"store and index disagreed: {len(res.missing)} document(s) missing from the "
              f"index, {len(res.orphans)} in the index only"
              + ("; repaired by re-indexing from the store" if res.repaired else ""))
        return 0 if res.repaired else 1
    print("store and index agree")
    return 0


def cmd_fetch(args) -> int:
    from indexer.library.fetch import main_fetch

    return main_fetch(args.corpus or config.load().corpus_dir)


def cmd_seed(args) -> int:
    from indexer.library.seed import seed

    kwargs = {"catalog": Path(args.catalog)} if args.catalog else {}
    return seed(_settings(args), dest=Path(args.dest) if args.dest else None,
                base_url=args.base_url, timeout=args.timeout, max_seconds=args.max_seconds,
                again=args.again, **kwargs)


def cmd_serve(args) -> int:
    from search_app.serve import serve

    return serve(_settings(args), host=args.host, port=args.port, workers=args.workers,
                 threads=args.threads)


def _url(text: str) -> str:
    """An argparse type: an http(s) link (metadata.url_problem), else a usage error."""
    problem = url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text.strip()


def _meta_options(sp) -> None:
    sp.add_argument("--title")
    sp.add_argument("--series", help="one of " + ", ".join(SERIES))
    sp.add_argument("--symbol", help="UN symbol, e.g. A/73/L.66")
    sp.add_argument("--lang", help="language code, e.g. fr")
    sp.add_argument("--date", help="ISO date or year")
    sp.add_argument("--url", type=_url, help="official link (http:// or https://)")
    sp.add_argument("--version", help="e.g. zero draft, rev.1, final")
    sp.add_argument("--work", help="work id shared by the versions (drafts, revisions) and "
                    "language versions of one text, e.g. gcm")
    sp.add_argument("--meta", help="metadata sidecar file (JSON or TOML)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="index.py", description="Dialogue Search: index and search "
                                "the global dialogue texts on migration and development.")
    sub = p.add_subparsers(dest="command", required=True)

    def with_index(sp):
        sp.add_argument("--index", help="data directory (default: $DIALOGUE_SEARCH_INDEX_DIR "
                        "or var/data under the project)")
        return sp

    b = with_index(sub.add_parser("build", help="(re)build from every supported file under DIR"))
    b.add_argument("--corpus", help="folder of documents (default: the shipped corpus/)")
    b.add_argument("--workers", type=int, default=None, help="parser processes")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=cmd_build)

    a = with_index(sub.add_parser("add", help="add files without a rebuild"))
    a.add_argument("files", nargs="+", metavar="FILE")
    _meta_options(a)
    a.set_defaults(func=cmd_add)

    r = with_index(sub.add_parser("remove", help="move a document to the trash"))
    r.add_argument("doc_id")
    r.set_defaults(func=cmd_remove)

    rs = with_index(sub.add_parser("restore", help="bring a document back from the trash"))
    rs.add_argument("doc_id")
    rs.set_defaults(func=cmd_restore)

    pg = with_index(sub.add_parser("purge", help="delete a trashed document for good"))
    pg.add_argument("doc_id")
    pg.set_defaults(func=cmd_purge)

    ed = with_index(sub.add_parser("edit", help="change a document's metadata"))
    ed.add_argument("doc_id")
    _meta_options(ed)
    ed.set_defaults(func=cmd_edit)

    rp = with_index(sub.add_parser("replace", help="replace a document's file with a new "
                                   "revision (the old one is kept, out of search)"))
    rp.add_argument("doc_id")
    rp.add_argument("file", metavar="FILE")
    _meta_options(rp)
    rp.set_defaults(func=cmd_replace)

    us = with_index(sub.add_parser("user", help="staff accounts: add NAME, list, password "
                                   "NAME, remove NAME"))
    us.add_argument("action", choices=("add", "list", "password", "remove"))
    us.add_argument("name", nargs="?", metavar="NAME")
    us.add_argument("--password-stdin", action="store_true",
                    help="read the password from standard input instead of prompting")
    us.set_defaults(func=cmd_user)

    lg = with_index(sub.add_parser("log", help="the audit log of changes"))
    lg.add_argument("--limit", type=_at_least(1), default=50)
    lg.add_argument("--json", action="store_true")
    lg.set_defaults(func=cmd_log)

    ls = with_index(sub.add_parser("list", help="list documents"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    bounds = config.load()  # the cli_max_per_page and max_result_depth settings
    s = with_index(sub.add_parser("search", help="search passages"))
    s.add_argument("--lang", help="only passages in this language")
    s.add_argument("--series", help="only this series")
    s.add_argument("--limit", type=_page_size(bounds), default=10,
                   metavar="N", help=f"results per page, 1 to {bounds.cli_max_per_page:,} "
                   "(default 10; setting cli_max_per_page)")
    s.add_argument("--page", type=_at_least(1), default=1, metavar="N",
                   help="which page of --limit results, from 1 (default 1); page x limit "
                   f"at most {bounds.max_result_depth:,} (setting max_result_depth)")
    s.add_argument("--topic", help="a topic preset (see indexer/data/topics.json)")
    s.add_argument("--same-language", action="store_true",
                   help="only passages in the query's own language")
    s.add_argument("--no-expand", action="store_true",
                   help="no cross-language expansion through the thesaurus")
    s.add_argument("--json", action="store_true")
    s.add_argument("query", nargs="*", metavar="QUERY")
    s.set_defaults(func=cmd_search)

    rf = with_index(sub.add_parser("refs", help="a passage's cross-references: what it cites, "
                                   "and the passages that cite it or its document"))
    rf.add_argument("passage_id", metavar="PASSAGE_ID")
    rf.add_argument("--lang", help="the language version a reference leads to, where the "
                    "cited text has one (default: the passage's, else English)")
    rf.add_argument("--limit", type=_at_least(1), default=1000, metavar="N",
                    help="citing passages listed at most (all are counted; default 1,000)")
    rf.add_argument("--json", action="store_true")
    rf.set_defaults(func=cmd_refs)

    cp = with_index(sub.add_parser("compare", help="what changed between two versions, "
                                   "paragraph by paragraph"))
    cp.add_argument("doc_a", metavar="DOC_A", help="the older version")
    cp.add_argument("doc_b", metavar="DOC_B", help="the newer version")
    cp.add_argument("--only", nargs="+", metavar="WORDS",
                    help="only the paragraphs where either side has these words")
    cp.add_argument("--all", action="store_true", help="list unchanged paragraphs too")
    fmt = cp.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--markdown", action="store_true", help="a Markdown briefing note")
    fmt.add_argument("--csv", action="store_true")
    cp.set_defaults(func=cmd_compare)

    vs = with_index(sub.add_parser("versions", help="a document's versions and likely "
                                   "versions not yet linked"))
    vs.add_argument("doc_id")
    vs.set_defaults(func=cmd_versions)

    lk = with_index(sub.add_parser("link", help="link OTHER (and its language versions) as a "
                                   "version of DOC_ID's work (audit-logged edits)"))
    lk.add_argument("doc_id")
    lk.add_argument("other", metavar="OTHER")
    lk.set_defaults(func=cmd_link)

    c = with_index(sub.add_parser("check", help="verify store and index agree; repair"))
    c.add_argument("--no-repair", action="store_true")
    c.set_defaults(func=cmd_check)

    f = sub.add_parser("fetch", help="download the catalog's documents (needs a network)")
    f.add_argument("--corpus", help="folder to download into (a fetched/ folder is made)")
    f.set_defaults(func=cmd_fetch)

    sd = with_index(sub.add_parser(
        "seed", help="fetch the catalog's documents and index them, once (make serve runs it)"))
    sd.add_argument("--again", action="store_true", help="fetch again (retries failures)")
    sd.add_argument("--catalog", help="catalog file (default: corpus/catalog.toml)")
    sd.add_argument("--dest", help="folder to download into (default: fetched/ beside the "
                    "data directory)")
    sd.add_argument("--base-url", help="fetch from this server instead of the catalog's hosts "
                    "(a mirror, or a test server)")
    sd.add_argument("--timeout", type=float, default=30, help="seconds to wait on a server")
    sd.add_argument("--max-seconds", type=float, default=300, help="seconds per download")
    sd.set_defaults(func=cmd_seed)

    sv = with_index(sub.add_parser("serve", help="serve the web UI and API"))
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--workers", type=int, default=None,
                    help="server processes (default: the web_workers setting, two per core)")
    sv.add_argument("--threads", type=int, default=None,
                    help="threads per process (default: the web_threads setting)")
    sv.set_defaults(func=cmd_serve)

    # alerts: `alert add|list|remove|run`, saved searches (indexer/alerts/cli.py, issue 24)
    from indexer.alerts.cli import register as register_alerts
    register_alerts(sub, with_index)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DialogueSearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
