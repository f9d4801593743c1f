"""`index.py alert add|list|remove|run`: saved searches from the command line.

    alert add QUERY... [--lang L --series S --year Y --topic T --same-language --no-expand
                        --name N] [--json]   prints {"id", "token", "feed_url"} with --json
    alert list [--json]                      every saved search with its counts
    alert remove ID                          delete one (logged as a removal)
    alert run [--json]                       match what is unmatched, deliver what is due
"""

from __future__ import annotations

import argparse
import json
import sys

from indexer import config


def register(sub, with_index) -> None:
    """Add the `alert` command to the CLI's subparsers."""
    al = sub.add_parser("alert", help="saved searches: add QUERY, list, remove ID, run")
    cmds = al.add_subparsers(dest="alert_command", required=True)

    add = with_index(cmds.add_parser("add", help="save a search; prints its token and feed"))
    add.add_argument("query", nargs="*", metavar="QUERY")
    add.add_argument("--lang", help="only passages in this language")
    add.add_argument("--series", help="only this series")
    add.add_argument("--year", help="a year (2018) or a range (2015-2018)")
    add.add_argument("--topic", help="a topic preset (see indexer/data/topics.json)")
    add.add_argument("--same-language", action="store_true",
                     help="only passages in the query's own language")
    add.add_argument("--no-expand", action="store_true",
                     help="no cross-language expansion through the thesaurus")
    add.add_argument("--name", help="a name for it (default: the query)")
    add.add_argument("--json", action="store_true",
                     help='print {"id", "token", "feed_url"}')
    add.set_defaults(func=cmd_add)

    ls = with_index(cmds.add_parser("list", help="every saved search with its counts"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    rm = with_index(cmds.add_parser("remove", help="delete a saved search"))
    rm.add_argument("id", type=int, metavar="ID")
    rm.set_defaults(func=cmd_remove)

    run = with_index(cmds.add_parser("run", help="match new documents, deliver what is due "
                                     "(e-mail digests, webhooks); run it from cron"))
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=cmd_run)


def _settings(args) -> config.Settings:
    return config.load(index_dir=getattr(args, "index", None))


def cmd_add(args: argparse.Namespace) -> int:
    from indexer.alerts.searches import feed_path, request_from, save
    from indexer.alerts.store import open_store

    settings = _settings(args)
    request = request_from({"q": " ".join(args.query), "lang": args.lang,
                            "series": args.series, "year": args.year, "topic": args.topic,
                            "same_language": args.same_language,
                            "expand": not args.no_expand})
    alerts = open_store(settings)
    try:
        saved, token = save(alerts, settings, request, args.name or "")
    finally:
        alerts.close()
    out = {"id": saved.id, "token": token, "feed_url": feed_path(token)}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"saved search {saved.id} ({saved.name})\ntoken: {token}\n"
              f"feed: {out['feed_url']}  (keep the token: it is not shown again)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from indexer.alerts.store import open_store

    alerts = open_store(_settings(args))
    try:
        rows = alerts.overview()
    finally:
        alerts.close()
    if args.json:
        print(json.dumps({"total": len(rows), "alerts": [
            {"id": r["search"].id, "name": r["search"].name, "request": r["search"].request,
             "created": r["search"].created, "paused": r["search"].paused,
             "items": r["items"], "last_item": r["last_item"],
             "subscribers": r["subscribers"], "webhooks": r["webhooks"],
             "failures": r["failures"]} for r in rows]}, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        s = r["search"]
        print(f"{s.id:5}  {'paused' if s.paused else 'active':6}  {r['items']:6} item(s)  "
              f"{r['subscribers']} e-mail  {r['webhooks']} webhook  {s.created[:10]}  "
              f"{s.name[:60]}")
    print(f"{len(rows)} saved search(es)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from indexer.alerts.store import open_store
    from indexer.storage.store import actor_default

    alerts = open_store(_settings(args))
    try:
        gone = alerts.delete(args.id, actor=actor_default())
    finally:
        alerts.close()
    print(f"removed saved search {gone.id} ({gone.name})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from indexer.alerts.delivery import run

    report = run(_settings(args))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    elif report.busy:
        print("another `alert run` is in progress; nothing done", file=sys.stderr)
    else:
        m = report.matched
        if m is None:
            print("matching: left to the writer holding the index")
        else:
            print(f"matched {m.documents} new document(s), {m.passages} passage(s): "
                  f"{m.items} new item(s)")
            for line in m.skipped:
                print(f"  skipped saved search {line}")
        print(f"delivered {report.delivered} batch(es); {report.failed} failed attempt(s), "
              f"{report.given_up} given up")
        for a in report.attempts:
            if not a["ok"]:
                print(f"  {a['batch']}: {a['detail']}")
    return 1 if report.busy else 0
