"""The house rules of the code's layout, checked on the source (indexer/__init__.py names the
folders; README's Layout section describes them):

- each folder is a stage, and a stage imports only the stages below it: the read side
  (query/, search/) never imports the write side (library/), the web app (search_app/) or
  the command line; ingest/ and storage/ know nothing of engines or searching; the modules
  at indexer/'s top level are shared and import no stage at all;
- only engines/ imports tantivy or whoosh.
"""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = "shared"
# stage -> the stages it may import (besides itself and the shared modules)
ALLOWED = {
    SHARED: set(),
    "ingest": set(),
    "storage": set(),
    "query": set(),
    "engines": {"query"},
    "search": {"query", "engines", "storage"},
    "versions": {"query", "storage"},
    # saved searches: matched with search's own plans, on the documents the library made
    # searchable (the library calls them; they never call the library)
    "alerts": {"ingest", "storage", "engines", "query", "search", "versions"},
    "library": {"ingest", "storage", "engines", "query", "search", "versions", "alerts"},
    "cli": {"ingest", "storage", "engines", "query", "search", "versions", "library", "alerts",
            "app"},
    "app": {"ingest", "storage", "engines", "query", "search", "versions", "library", "alerts"},
}
ENGINE_LIBRARIES = {"tantivy", "whoosh"}


def stage_of(module: str) -> str | None:
    """The stage of a dotted module name of ours (None: not ours)."""
    parts = module.split(".")
    if parts[0] == "search_app":
        return "app"
    if parts[0] != "indexer":
        return None
    if len(parts) == 1 or parts[1] in ("config", "errors", "models", "analysis", "language",
                                       "symbols", "labels", "text", "diskfull", "children", "data"):
        return SHARED
    if parts[1] == "cli":
        return "cli"
    return parts[1] if parts[1] in ALLOWED else None


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) of every import in a file, those inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import (write it whole)"
            module = node.module or ""
            found.append((node.lineno, module))
            # `from indexer import search` names a module
            found += [(node.lineno, f"{module}.{a.name}") for a in node.names
                      if stage_of(f"{module}.{a.name}") not in (None, SHARED)]
    return found


def our_files() -> list[Path]:
    return sorted([*(PROJECT / "indexer").rglob("*.py"), *(PROJECT / "search_app").rglob("*.py")])


def test_every_stage_imports_only_the_stages_below_it():
    broken = []
    for path in our_files():
        rel = path.relative_to(PROJECT)
        parts = rel.with_suffix("").parts
        own = stage_of(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        assert own is not None, f"{rel}: not in a stage folder; add it to ALLOWED"
        for line, module in imports_of(path):
            target = stage_of(module)
            if target is None or target in (own, SHARED):
                continue
            if target not in ALLOWED[own]:
                broken.append(f"{rel}:{line}: {own} imports {module} ({target})")
    assert not broken, "\n".join(broken)


def test_only_the_engines_import_the_search_libraries():
    found = [f"{path.relative_to(PROJECT)}:{line}: {module}"
             for path in our_files() for line, module in imports_of(path)
             if module.split(".")[0] in ENGINE_LIBRARIES
             and path.parent.name != "engines"]
    assert not found, found


def test_the_rule_catches_a_read_side_import_of_the_write_side(tmp_path):
    """The checker itself: a search module importing the library is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from indexer.library import jobs\n")
    modules = [m for _line, m in imports_of(bad)]
    assert "indexer.library" in modules and "indexer.library.jobs" in modules
    assert stage_of("indexer.library.jobs") not in ALLOWED["search"] | {"search", SHARED}
