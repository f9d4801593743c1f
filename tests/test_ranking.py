"""Ranking rules of indexer/search/service.py on small corpora built for each rule."""

from __future__ import annotations

from pathlib import Path

from indexer import config, library
from indexer.search.service import SearchRequest, SearchService

EN = ("{n}. The committee reviewed item {n} of its agenda on budget, staffing and the "
      "calendar of meetings for the coming session of the Assembly.\n\n")


def build(folder: Path, settings, files: dict[str, str]) -> SearchService:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = library.build(folder, settings, workers=1)
    assert not report.of("refused"), report.of("refused")
    return SearchService(settings)


def files_of(hits) -> list[str]:
    return [h.document.file for h in hits]


def test_split_word_is_searched_as_its_parts_together(tmp_path, settings):
    svc = build(tmp_path / "c", settings, {
        "a.txt": "1. The COVID-19 pandemic reduced the remittances migrants sent home.\n",
        "b.txt": "1. Remittances rose by 19 per cent over the decade under review.\n",
    })
    res = svc.search(SearchRequest(q="COVID-19 remittances"))
    assert files_of(res.hits)[0] == "a.txt"
    assert svc.search(SearchRequest(q="COVID-19", expand=False)).total == 1


def test_title_adds_to_matching_passages_but_matches_nothing_alone(tmp_path, settings):
    svc = build(tmp_path / "c", settings, {
        "annual-report.txt": "1. Cities coordinate the reception of newcomers with ministries.\n\n"
                             "2. The budget was adopted without a vote by the council.\n",
    })
    assert [d.meta.title for d in svc.documents()] == ["annual-report"]
    # words only in the title (the file name here) find nothing
    assert svc.search(SearchRequest(q="annual report", expand=False)).total == 0
    res = svc.search(SearchRequest(q="annual budget", expand=False))
    assert res.total == 1 and res.hits[0].passage.label == "2"


def test_a_concept_found_in_another_language_beats_one_shared_word(tmp_path, settings):
    """A French query with no French answer: an English paragraph on local authorities
    (through the thesaurus) ranks above Spanish passages sharing the word `locales`."""
    spanish = "".join(
        f"{n}. Apoyar la participación de las comunidades locales en la gestión del agua "
        f"y el saneamiento del distrito {n}.\n\n" for n in range(1, 6))
    english = ("1. Involve local authorities and relevant stakeholders in the identification, "
               "referral and assistance of migrants.\n")
    svc = build(tmp_path / "c", settings, {"es.txt": spanish, "en.txt": english})
    res = svc.search(SearchRequest(q="autorités locales"))
    assert res.query_lang == "fr"
    assert files_of(res.hits)[0] == "en.txt"


def test_inflected_query_reaches_the_concept(tmp_path, settings):
    english = ("1. Facilitate fair and ethical recruitment and safeguard conditions that "
               "ensure decent work.\n")
    svc = build(tmp_path / "c", settings, {"en.txt": english})
    res = svc.search(SearchRequest(q="contrataciones equitativas y éticas"))
    assert res.query_lang == "es"
    assert "fair and ethical recruitment" in res.expansions.get("en", [])
    assert files_of(res.hits) == ["en.txt"]


def test_the_same_wording_under_another_label_shows_once(tmp_path, settings):
    text = ("16. We commit to the following objectives:\n\n"
            "20. Promote faster, safer and cheaper transfer of remittances\n\n"
            "Objective 20: Promote faster, safer and cheaper transfer of remittances\n\n"
            "36. We commit to promote faster, safer and cheaper remittances by developing "
            "conducive policy and regulatory environments for competition.\n")
    svc = build(tmp_path / "c", settings, {"gcm.txt": text})
    res = svc.search(SearchRequest(q="faster safer cheaper remittances", expand=False))
    shown = [" ".join(h.passage.text.split()) for h in res.hits]
    assert sum("transfer of remittances" in t for t in shown) == 1, shown
    assert any(t.startswith("36.") for t in shown[:2])


def test_the_exact_phrase_ranks_above_the_words_near_each_other(tmp_path, settings):
    """Stop words aside, `faster safer cheaper remittances` stands as typed in the longer
    paragraph 36 only; the shorter objective title has the words near each other."""
    text = ("20. Promote faster, safer and cheaper transfer of remittances.\n\n"
            "36. We commit to promote faster, safer and cheaper remittances by further "
            "developing existing conducive policy and regulatory environments that enable "
            "competition, regulation and innovation on the remittance market.\n")
    svc = build(tmp_path / "c", settings, {"gcm.txt": text})
    res = svc.search(SearchRequest(q="faster safer cheaper remittances", expand=False))
    assert [h.passage.label for h in res.hits] == ["36", "20"]
    # without the phrase, plain BM25 prefers the shorter title: the boost is what reorders
    res = svc.search(SearchRequest(q="faster safer cheaper remittances OR nothing",
                                   expand=False))
    assert [h.passage.label for h in res.hits] == ["20", "36"]


def test_a_second_extraction_of_a_paragraph_shows_once(tmp_path, settings):
    """The same resolution indexed from two sources whose text differs by a hyphen does not
    fill the first places with copies."""
    para = ("{n}. Build partnerships between local authorities, local communities, the "
            "private sector, diasporas, hometown associations and migrant organizations to "
            "facilitate the {reint} of returning migrants.\n\n")
    other = ("1. Involve local authorities and relevant stakeholders in the identification, "
             "referral and assistance of migrants who are victims of trafficking in "
             "persons, and in the sharing of information on local services.\n")
    svc = build(tmp_path / "c", settings, {
        "corpus-copy.txt": para.format(n=35, reint="reintegration"),
        "unga-copy.txt": para.format(n=35, reint="re-integration"),
        "other.txt": other,
    })
    res = svc.search(SearchRequest(q="local authorities", expand=False))
    files = files_of(res.hits)
    assert len(files) == 2 and "other.txt" in files, files
    # the copy is listed with the hit it was folded into, not lost
    shown = next(h for h in res.hits if h.document.file != "other.txt")
    folded = {"corpus-copy.txt", "unga-copy.txt"} - {shown.document.file}
    assert [c["paragraph"] for c in shown.copies] == ["35"]
    copy_doc = next(d for d in svc.documents() if d.file in folded)
    assert shown.to_json()["copies"][0]["doc_id"] == copy_doc.doc_id


def test_folded_copies_are_linked_and_escaped_on_the_results_page(tmp_path, settings):
    from search_app import create_app

    para = ("1. Involve local authorities and relevant stakeholders in the identification, "
            "referral and assistance of migrants who are victims of trafficking in persons, "
            "and in the sharing of information on local {s}.\n")
    build(tmp_path / "c", settings, {
        "a.txt": para.format(s="services"),
        "b.txt": para.format(s="service"),
        "catalog.tsv": "file\ttitle\na.txt\tCopy A\nb.txt\t<script>alert(1)</script>\n",
    })
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    html = client.get("/search?q=local+authorities").get_data(as_text=True)
    assert html.count('class="hit"') == 1
    copies = html[html.index('class="copies"'):]
    copies = copies[:copies.index("</p>")]
    assert "Same wording also in:" in copies
    assert "Copy A" in copies or "&lt;script&gt;alert(1)&lt;/script&gt;" in copies, copies
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    data = client.get("/api/search?q=local+authorities").get_json()
    assert len(data["hits"]) == 1 and len(data["hits"][0]["copies"]) == 1
    html = client.get("/search?q=local+authorities",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Même texte aussi dans :" in html


def test_general_un_documents_rank_below_the_programme_texts_they_match_about_as_well(
        tmp_path, settings):
    """The series prior: a GA resolution (UNGA) or another UN text (other) whose passage
    matches the words slightly better than a Compact's (GCM) ranks below it; by the words
    alone (the same three files, all GCM) the Compact's longer paragraph comes last."""
    files = {
        "g.txt": "1. Diaspora bonds finance schools, clinics, roads and markets in towns of "
                 "origin, and their bridges, ports and depots.\n",
        "o.txt": "1. Diaspora bonds fund housing, water, power and transport for returning "
                 "families.\n",
        "u.txt": "1. Diaspora bonds support firms, farms, shops and cooperatives owned by "
                 "women.\n",
    }

    def catalog(g: str, u: str, o: str) -> str:
        return (f"file\ttitle\tseries\ng.txt\tNote one\t{g}\nu.txt\tNote two\t{u}\n"
                f"o.txt\tNote three\t{o}\n")

    same = build(tmp_path / "same", config.load(index_dir=str(tmp_path / "same-data")),
                 {**files, "MANIFEST.tsv": catalog("GCM", "GCM", "GCM")})
    res = same.search(SearchRequest(q="diaspora bonds", expand=False))
    by_words = files_of(res.hits)
    assert len(by_words) == 3 and by_words[2] == "g.txt", by_words  # u, o: shorter, on a par

    svc = build(tmp_path / "c", settings,
                {**files, "MANIFEST.tsv": catalog("GCM", "UNGA", "other")})
    assert {d.file: d.meta.series for d in svc.documents()} == {
        "g.txt": "GCM", "u.txt": "UNGA", "o.txt": "other"}
    res = svc.search(SearchRequest(q="diaspora bonds", expand=False))
    ranked = files_of(res.hits)
    assert ranked[0] == "g.txt" and sorted(ranked[1:]) == ["o.txt", "u.txt"], ranked
    # the same through the thesaurus expansion's fused ranking (the default)
    assert files_of(svc.search(SearchRequest(q="diaspora bonds")).hits)[0] == "g.txt"


def test_a_concepts_variants_do_not_outrank_its_official_wording(tmp_path, settings):
    """`autorités locales` reaches English passages through the thesaurus: one with the
    official wording (`local authorities`) ranks above one that has only the concept's
    variants, even three of them (`local governments`, `municipalities`, `cities`); the
    variants still find their passage."""
    svc = build(tmp_path / "c", settings, {
        "variants.txt": "1. Local governments, municipalities and cities coordinate services "
                        "for newcomers.\n",
        "official.txt": "1. Local authorities coordinate services for newcomers in the region "
                        "and beyond.\n",
    })
    for q, lang in (("autorités locales", "fr"), ("autoridades locales", "es")):
        res = svc.search(SearchRequest(q=q))
        assert res.query_lang == lang
        assert res.expansions["en"][:4] == [
            "local authorities", "local governments", "municipalities", "cities"]
        assert files_of(res.hits) == ["official.txt", "variants.txt"], q


def test_top_with_prior_reads_only_as_far_as_the_prior_can_reorder():
    import random

    from indexer.search.ranking import top_with_prior, unique, with_prior

    rng = random.Random(7)
    series = ["GCM", "UNGA", "other", "SDG"]
    records = [{"passage_id": f"p{i}", "series": rng.choice(series),
                "content": f"passage {i} " + " ".join(rng.choice("abcdefgh") for _ in range(12))}
               for i in range(500)]
    scores = sorted((rng.uniform(1, 20) for _ in records), reverse=True)
    ranked = list(zip(records, scores, strict=True))
    reads = []

    def fetch(limit, offset):
        reads.append((limit, offset))
        return [(dict(f), s) for f, s in ranked[offset:offset + limit]]

    for n in (5, 20):
        reads.clear()
        got = top_with_prior(fetch, n)
        every = unique(with_prior([(dict(f), s) for f, s in ranked[:200]]), limit=n)
        assert [f["passage_id"] for f, _ in got] == [f["passage_id"] for f, _ in every]
        assert sum(limit for limit, _ in reads) < 200  # not the fixed 200 a list read before
