"""Query: the typed query language -> syntax tree (syntax.py) -> engine-neutral query plan
(plan.py, planner.py), cross-language expansion through the thesaurus (thesaurus.py,
expansion.py), and the bounds on a request's work (limits.py).
"""
