"""Versions of a work: listing, counterparts and linking (works.py), paragraph alignment and
word diff between two versions (compare.py), and a comparison as Markdown or CSV
(export.py).
"""
