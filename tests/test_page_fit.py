"""Every public and staff page fits its window, in every UI language, at a desktop, a small
laptop and a phone width: nothing wider than the window (no sideways scrolling) and every
visible control inside it. On a phone, the first result shows on the first screen. No page
shows a program's empty value (None, null, undefined).

The pages are served by the production server (waitress) over a real socket from a real
index of web_fixtures.FILES plus one document made of the long unbroken strings (a symbol, a
URL, a long word) that push a layout wider than the window. The language is chosen as a
person's browser chooses it: the context's locale, sent as Accept-Language. Staff pages are
seen signed in with a real account (indexer.library.accounts). Screenshots go to
test-artifacts/fit/.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from conftest import build_files

from indexer import config
from indexer.library import accounts
from indexer.search.service import SearchService

pytest_plugins = ["web_fixtures"]

WIDTHS = [(1280, 900), (1024, 768), (390, 844)]
UI_LANGS = ["en", "fr", "es"]
PASSWORD = "a long enough staff password"
LONG_SYMBOL = "A/CONF.231/PC.3/L.1/Rev.2/Add.1/Corr.1(PartII)"
LONG_URL = ("https://documents-dds-ny.un.org/doc/UNDOC/GEN/N18/451/99/PDF/"
            "N1845199.pdf?OpenElement&amp;language=english&amp;session=seventy-third")
LONG_TEXT = f"""{LONG_SYMBOL}

Intergovernmental conference to adopt the global compact for safe orderly and regular \
migration preparatory committee working paper on remittances

1. The list of {LONG_SYMBOL} and {LONG_URL} and the word \
Supercalifragilisticexpialidociousremittancesandmigrationgovernanceframeworks must wrap \
inside the page on every screen, remittances included.

2. Remittances sent home by migrant workers, a second paragraph for the context.
"""
LONG_MANIFEST = (f"long.en.txt\tIntergovernmental conference on the global compact for safe, "
                 f"orderly and regular migration: preparatory committee\tGCM\t{LONG_SYMBOL}"
                 f"\ten\t2018-07-13\t\n")
# Cross-references (issue 23): a text citing the 2030 Agenda's target, an unindexed text by a
# long symbol, and the Agenda itself, so that Cites, Cited by and the map have content
AGENDA_FIT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Transforming our world: the 2030 Agenda</title></head><body>
<h1>Transforming our world: the 2030 Agenda</h1>
<h2>Goal 10. Reduce inequality within and among countries</h2>
<p>10.7 Facilitate orderly, safe, regular and responsible migration and mobility of people, \
including through well-managed migration policies</p>
<p>10.c By 2030, reduce to less than 3 per cent the transaction costs of migrant remittances \
and eliminate remittance corridors with costs higher than 5 per cent</p>
</body></html>
"""
CITING_FIT = f"""A/99/L.7

Remittances and the 2030 Agenda

The General Assembly,

Recalling its resolution 70/1 of 25 September 2015, entitled "Transforming our world: the 2030
Agenda for Sustainable Development", and the report of the preparatory committee
({LONG_SYMBOL}),

1. Calls upon States to reduce the transaction costs of migrant remittances to less than 3 per
cent by 2030, in line with target 10.c of the 2030 Agenda for Sustainable Development, and to
implement target 10.7 of the 2030 Agenda;

2. Requests the Secretary-General to report on remittances and the implementation of the
present resolution to the General Assembly at its next session.
"""
REFS_MANIFEST = ("agenda.en.html\tTransforming our world: the 2030 Agenda\tSDG\tA/RES/70/1\ten"
                 "\t2015\t\n"
                 "citing.en.txt\tRemittances and the 2030 Agenda\tUNGA\tA/99/L.7\ten\t2019\t\n")
# the visible controls a person uses; each must lie inside the window
CONTROLS = ("input:not([type=hidden]), button, select, textarea, a.button, summary, "
            "nav.pages a")
MEASURE = """(controls) => {
  const w = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll(controls)) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    // not rendered (hidden, in a closed <details>) or visually hidden for screen readers
    if (!el.getClientRects().length || style.visibility === 'hidden' || r.width <= 1) continue;
    if (r.left < -0.5 || r.right > w + 0.5) {
      out.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || '')
        .trim().slice(0, 30)}" at ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  // text squeezed into a column a few letters wide (a word broken at every letter)
  const squeezed = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('').trim();
    if (own.length < 8) continue;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    // set vertically on purpose (the coherence map's column heads) is not squeezed
    if (style.writingMode.startsWith('vertical')) continue;
    if (r.width > 1 && r.width < 3 * size && r.height > 4 * size) {
      squeezed.push(`${el.tagName.toLowerCase()} "${own.slice(0, 30)}" squeezed to ` +
                    `${Math.round(r.width)} px`);
    }
  }
  const first = document.querySelector('ol.hits li.hit');
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: w, outside: out,
          squeezed: squeezed,
          firstHitTop: first ? first.getBoundingClientRect().top + window.scrollY : null};
}"""


@pytest.fixture(scope="module")
def fit_server(tmp_path_factory):
    """The app under waitress over an index of its own (the staff pages below write to it),
    with the staff account `fitter`; yields (base URL, settings)."""
    from web_fixtures import FILES  # (imported once pytest has registered the plugin)

    from search_app.serve import make_server, run_server, stop_server

    files = {**FILES, "long.en.txt": LONG_TEXT, "agenda.en.html": AGENDA_FIT,
             "citing.en.txt": CITING_FIT,
             "MANIFEST.tsv": FILES["MANIFEST.tsv"] + LONG_MANIFEST + REFS_MANIFEST}
    data, report = build_files(tmp_path_factory.mktemp("fit"), files)
    assert len(report.of("indexed")) == 7, [(o.file, o.reason) for o in report.of("refused")]
    settings = config.load(index_dir=str(data))
    accounts.add_user(settings, "fitter", PASSWORD)
    server = make_server(settings, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=run_server, args=(server,), name="waitress-fit",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", settings
    finally:
        stop_server(server)
        thread.join(timeout=10)


def _documents(settings) -> dict[str, object]:
    """File name -> document of the fixture's index."""
    return {d.file.rsplit("/", 1)[-1]: d for d in SearchService(settings).documents()}


def _first_passage(settings, doc_id: str, pattern: str = "") -> str:
    with SearchService(settings).store() as st:
        passages = st.passages(doc_id)
    return next(p.passage_id for p in passages if re.search(pattern, p.text))


def _sign_in(browser, base: str, tmp: Path) -> Path:
    """Sign in as `fitter` through the login form; the signed-in browser state (cookies),
    for every other context."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/staff/login")
    page.get_by_label("User name").fill("fitter")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/staff/")
    state = tmp / "staff-state.json"
    context.storage_state(path=str(state))
    context.close()
    return state


def _pages(base: str, settings, browser, tmp: Path) -> tuple[dict[str, str], Path]:
    """Name -> path of every page checked, and the signed-in state the staff ones need.
    First one upload is left waiting for review and one staff change made, so that the
    review form, the audit log and the document's history are not empty."""
    docs = _documents(settings)
    remit, long_doc = docs["remittances.en.txt"], docs["long.en.txt"]
    remit_fr = docs["remittances.fr.txt"]
    citing, agenda = docs["citing.en.txt"], docs["agenda.en.html"]
    upload = tmp / "villes.fr.txt"
    upload.write_text("Villes et migrations\n1. Les autorités locales coordonnent l'accueil "
                      f"des migrants avec les ministères nationaux {LONG_URL}.\n", "utf-8")
    state = _sign_in(browser, base, tmp)
    context = browser.new_context(storage_state=str(state))
    page = context.new_page()
    page.goto(base + "/staff/upload")
    page.get_by_label("Files").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Confirm and index").wait_for(timeout=60_000)
    batch = page.url[len(base):]
    page.goto(f"{base}/staff/d/{long_doc.doc_id}")
    page.locator("#e-version").fill("preparatory committee working paper, second revision")
    page.get_by_role("button", name="Save and re-index").click()
    page.wait_for_selector(".flash")
    context.close()
    alert_token = _saved_search_with_items(settings, tmp)
    return {
        "home": "/",
        "results": "/search?q=remittances+migrants",
        "results-long": "/search?q=remittances+" + "Supercalifragilistic*",
        "results-none": "/search?q=zzzyxw+qqqvvv&lang=fr&series=GCM",
        "document": f"/d/{remit.doc_id}",
        "document-long": f"/d/{long_doc.doc_id}",
        "passage": f"/p/{_first_passage(settings, remit.doc_id, 'transaction costs')}",
        "passage-long": f"/p/{_first_passage(settings, long_doc.doc_id, 'wrap')}",
        "compare": f"/compare?a={remit.doc_id}&b={remit_fr.doc_id}",
        "passage-cites": f"/p/{_first_passage(settings, citing.doc_id, 'Calls upon')}",
        "passage-cites-long": f"/p/{_first_passage(settings, citing.doc_id, 'Recalling')}",
        "passage-cited-by": f"/p/{agenda.doc_id}-10.c",
        "document-references": f"/d/{citing.doc_id}",
        "document-cited": f"/d/{agenda.doc_id}",
        "results-cites": "/search?q=remittances&cites=A/RES/70/1",
        "map": f"/map?a=A/99/L.7&b=A/RES/70/1&b={LONG_SYMBOL}",
        "map-default": "/map",
        "map-cell": "/map/cell?a=A/99/L.7&b=A/RES/70/1&ua=1&ub=t-10.c",
        "help": "/help",
        "login": "/staff/login",
        "error-400": "/search?q=year:abcd",
        "error-404": "/d/no-such-document",
        "error-url": "/no/such/page",
        "staff-home": "/staff/",
        "staff-upload": "/staff/upload",
        "staff-batch": batch,
        "staff-document": f"/staff/d/{long_doc.doc_id}",
        "staff-log": "/staff/log",
        # alerts (issue 24): saving a search, its page with items, the staff list
        "alert-new": "/alerts/new?q=remittances+migrants",
        "alert-manage": f"/alerts/{alert_token}",
        "staff-alerts": "/staff/alerts/",
    }, state


def _saved_search_with_items(settings, tmp: Path) -> str:
    """A saved search with a webhook, and a document added since that it matches (long
    strings included): the token of its page."""
    from indexer import library
    from indexer.alerts import searches
    from indexer.alerts.store import open_store

    alerts = open_store(settings)
    try:
        saved, token = searches.save(alerts, settings, searches.request_from(
            {"q": "remittances", "lang": "en"}), f"Remittances {LONG_SYMBOL}")
        alerts.set_webhook(saved.id, LONG_URL)
    finally:
        alerts.close()
    new = tmp / "alert-doc.en.txt"
    new.write_text(f"1. Remittances through {LONG_URL} and {LONG_SYMBOL} reached "
                   "households, the word Supercalifragilisticexpialidociousremittances "
                   "included.\n\n2. Remittances sent home by seasonal workers.\n",
                   encoding="utf-8")
    assert library.add([new], settings).of("indexed")
    return token


def test_every_page_fits_its_window(fit_server, browser, artifacts, tmp_path):
    base, settings = fit_server
    pages, state = _pages(base, settings, browser, tmp_path)
    shots = artifacts / "fit"
    shots.mkdir(exist_ok=True)
    problems: list[str] = []
    checked, overflowing = 0, 0
    for width, height in WIDTHS:
        for lang in UI_LANGS:
            # one context per width and language: its locale is the browser's language
            context = browser.new_context(viewport={"width": width, "height": height},
                                          locale=lang, storage_state=str(state))
            page = context.new_page()
            for name, path in pages.items():
                page.goto(base + path)
                assert page.locator("html").get_attribute("lang") == lang, (name, lang)
                if not name.startswith(("error", "results-none")):
                    assert page.locator(".error").count() == 0, (name, path)
                m = page.evaluate(MEASURE, CONTROLS)
                checked += 1
                where = f"{name} {lang} {width}px"
                overflowing += m["scrollWidth"] > m["innerWidth"] or bool(m["outside"])
                if m["scrollWidth"] > m["innerWidth"]:
                    problems.append(f"{where}: page {m['scrollWidth']} px wide")
                problems += [f"{where}: {c} outside the window" for c in m["outside"]]
                problems += [f"{where}: {c}" for c in m["squeezed"]]
                empty = re.findall(r"(?<![\w-])(?:None|null|undefined)(?![\w-])",
                                   page.inner_text("body"))
                problems += [f"{where}: shows {word}" for word in empty]
                if name == "results" and width < 500 and not m["firstHitTop"] < height:
                    problems.append(f"{where}: first result at {m['firstHitTop']} px")
                page.screenshot(path=str(shots / f"{name}-{lang}-{width}.png"), full_page=True)
            context.close()
    print(f"\nfit: {len(pages)} pages x {len(WIDTHS)} widths x {len(UI_LANGS)} languages = "
          f"{checked} checked, {overflowing} not fitting")
    assert checked == len(pages) * len(WIDTHS) * len(UI_LANGS)
    assert not problems, "\n".join(problems)
