"""Language identification: scripts, function words, short texts, determinism."""

from __future__ import annotations

import pytest
from conftest import shared_path

from indexer.language import detect, passage_language

CANDIDATES = ("en", "fr", "es", "ru", "ar", "zh", "pt", "de")


@pytest.mark.parametrize("text,lang", [
    ("autorités locales", "fr"),
    ("autoridades locales", "es"),
    ("local authorities", "en"),
    ("remesas más baratas", "es"),
    ("Всеобщая декларация прав человека", "ru"),
    ("حقوق الإنسان", "ar"),
    ("世界人权宣言", "zh"),
    ("Toute personne a le droit de circuler librement et de choisir sa résidence.", "fr"),
])
def test_detects_short_and_long_texts(text, lang):
    assert detect(text, CANDIDATES) == lang


def test_nothing_to_go_on_gives_the_default():
    assert detect("12345 -- 6/35", CANDIDATES, default="es") == "es"


def test_passage_keeps_document_language_unless_text_clearly_differs():
    table = "Table 3. 2015 2016 2017 totals 45 67 89 Senegal Morocco Tunisia Ecuador"
    assert passage_language(table * 3, "fr", CANDIDATES, min_chars=20) == "fr"
    spanish = ("La migración es una realidad multidimensional de gran pertinencia para el "
               "desarrollo de los países de origen, tránsito y destino.")
    assert passage_language(spanish, "en", CANDIDATES, min_chars=20) == "es"


def test_deterministic():
    text = "Faciliter la migration et la mobilité de façon ordonnée et sûre"
    assert len({detect(text, CANDIDATES) for _ in range(5)}) == 1


@pytest.mark.parametrize("kind,target", [("sentences", 0.995), ("word-pairs", 0.95)])
def test_accuracy_on_shared_langid(kind, target):
    folder = shared_path("langid", kind)
    total = right = 0
    for lang in CANDIDATES:
        lines = [x for x in (folder / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
                 if x.strip()][:200]
        total += len(lines)
        right += sum(detect(x, CANDIDATES) == lang for x in lines)
    assert right / total >= target - 0.01, f"{kind}: {right}/{total}"
