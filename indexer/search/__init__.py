"""Search: the read side. A request -> query plan -> engine candidates -> ranked,
highlighted, citable hits (service.py), with ranking and fusion (ranking.py), highlights
(highlight.py), did-you-mean (suggest.py, lexicon.py) and the store look-ups of the read side
(reading.py).
"""

from indexer.search.service import SearchRequest, SearchResult, SearchService

__all__ = ["SearchRequest", "SearchResult", "SearchService"]
