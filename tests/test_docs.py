"""Docs that cannot drift. Each test says what to change when it fails:

- README's command list (## Command line) names every command of the argument parser with
  every option, and nothing the parser does not have;
- README's Layout section names every module under indexer/ and search_app/, and nothing
  that does not exist; every path README names exists;
- comments, docstrings and docs name only modules that exist (no `pipeline.py`,
  `queryplan`, `indexer/jobs.py` from before the restructuring);
- README's serving throughput figures are config.py's (one sentence, SERVING_MEASURED).
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import tokenize
from pathlib import Path

from indexer import config
from indexer.cli import build_parser

PROJECT = Path(__file__).resolve().parents[1]
README = PROJECT / "README.md"
CODE_FOLDERS = ("indexer", "search_app")


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"README has no '## {title}' section"
    return m.group(1)


def _code_block(section: str) -> str:
    m = re.search(r"^```\w*\n(.*?)^```", section, re.M | re.S)
    assert m, "the section has no code block"
    return m.group(1)


# ------------------------------------------------------------------ the command list

def _parser_commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    """A command's options, with those of its own sub-commands (`alert add --lang`)."""
    found = {o for a in parser._actions for o in a.option_strings
             if o.startswith("--") and o != "--help"}
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            for sub in a.choices.values():
                found |= _options(sub)
    return found


def _readme_commands() -> dict[str, set[str]]:
    """command -> the options README's command list gives it."""
    found: dict[str, set[str]] = {}
    for line in _code_block(_section("Command line")).splitlines():
        line = re.split(r"\s#\s", line, maxsplit=1)[0]  # the comment after the command
        m = re.search(r"\bindex\.py\s+(\w+)(.*)", line)
        if not m:
            continue
        # `user list | user password NAME | ...` (not `[--json | --csv]`)
        for part in re.split(r"\|\s*(?=[a-z])", m.group(0)):
            words = part.replace("index.py", " ").split()
            if words:
                found.setdefault(words[0], set()).update(re.findall(r"--[\w-]+", part))
    return found


def _usage_line(name: str, parser: argparse.ArgumentParser) -> str:
    usage = parser.format_usage().split("usage: ", 1)[1].replace("[-h] ", "").split()
    return (".venv/bin/python index.py " + " ".join(usage[1:])
            + f"  # {parser.description or ''}".rstrip())


def test_readme_command_list_is_the_parsers():
    parser, readme = _parser_commands(), _readme_commands()
    helps = {a.dest: a.help for a in next(
        a for a in build_parser()._actions
        if isinstance(a, argparse._SubParsersAction))._choices_actions}
    problems = []
    for name in sorted(set(parser) - set(readme)):
        line = _usage_line(name, parser[name]).replace(
            "  #", f"  # {helps.get(name, '')}", 1) if helps.get(name) else _usage_line(
            name, parser[name])
        problems.append(f"README's command list lacks `{name}`: add a line like\n    {line}")
    for name in sorted(set(readme) - set(parser)):
        problems.append(f"README's command list has `{name}`, which index.py does not have "
                        "(any more): remove its line")
    for name in sorted(set(parser) & set(readme)):
        missing = sorted(_options(parser[name]) - readme[name])
        extra = sorted(readme[name] - _options(parser[name]))
        if missing:
            problems.append(f"README's `{name}` line lacks {', '.join(missing)}")
        if extra:
            problems.append(f"README's `{name}` line has {', '.join(extra)}, which "
                            f"`index.py {name}` does not take")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ the layout

def _layout_names() -> set[Path]:
    """Every file or folder README's Layout block names, as paths under the project: a line
    at the left margin opens a folder (or names a top-level file); an indented entry is in
    that folder (an entry that is a folder, `parsers/`, holds what its description and
    continuation lines name); a name with a slash is from the project's root."""
    names: set[Path] = set()
    folder = entry = PROJECT
    for line in _code_block(_section("Layout")).splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        # the entry: the words before the description (two spaces or more apart)
        head, _, text = line.strip().partition("  ")
        if indent == 0:
            folder = entry = PROJECT / head if head.endswith("/") else PROJECT
            names.add(PROJECT / head)
        elif indent == 2:
            names.update(folder / word for word in head.split())  # `templates/ static/`
            entry = folder / head if head.endswith("/") else folder
        else:
            text = line  # a description's continuation
        text = re.sub(r"`[^`]*`", "", text)  # commands (`index.py serve`), not names
        for name in re.findall(r"(?<![\w./-])([\w./-]+\.py)(?![\w.-])", text):
            names.add(PROJECT / name if "/" in name else entry / name)
    return {n.resolve() for n in names}


def _modules() -> set[Path]:
    return {p.resolve() for folder in CODE_FOLDERS for p in (PROJECT / folder).rglob("*.py")
            if p.name != "__init__.py" and "translations" not in p.parts}


def test_readme_layout_names_every_module_and_nothing_else():
    named = _layout_names()
    unnamed = sorted(str(p.relative_to(PROJECT)) for p in _modules() - named)
    assert not unnamed, ("README's Layout section does not name these modules; add a line "
                         f"each (what it does, in a few words): {unnamed}")
    absent = sorted(str(p.relative_to(PROJECT)) for p in named if not p.exists())
    assert not absent, f"README's Layout section names what does not exist: {absent}"


def test_every_path_readme_names_exists():
    text = README.read_text(encoding="utf-8")
    paths = set(re.findall(r"(?<![\w./-])((?:indexer|search_app|tests|bench|\.ci)/[\w./-]*\w)",
                           text))
    assert len(paths) > 20
    absent = sorted(p for p in paths if not (PROJECT / p).exists())
    assert not absent, f"README names paths that do not exist: {absent}"


# ------------------------------------------------------------------ names in comments

# Modules of before the restructuring, as prose names them (`pipeline.build`, `queryplan.X`);
# their file names (pipeline.py, search.py, engine.py ...) are caught as names of no file.
FORMER = re.compile(r"(?<![\w.])(pipeline\.\w+|queryplan|query_syntax|compare_export)")


def _prose(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the comments and docstrings of a Python file, or of every line of any
    other text file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return list(enumerate(text.splitlines(), 1))
    out = [(tok.start[0], tok.string)
           for tok in tokenize.generate_tokens(io.StringIO(text).readline)
           if tok.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                out += [(node.body[0].lineno + i, line)
                        for i, line in enumerate(doc.splitlines())]
    return out


def _documented_files() -> list[Path]:
    files = [p for folder in (*CODE_FOLDERS, "tests", "bench", ".ci")
             for p in (PROJECT / folder).rglob("*") if p.suffix in (".py", ".md", ".html")
             and "data" not in p.relative_to(PROJECT).parts[1:2]]
    files = [f for f in files if f.name != "test_docs.py"]  # it names them on purpose
    return [*files, PROJECT / "README.md", PROJECT / "index.py", PROJECT / "Makefile",
            PROJECT / "pyproject.toml"]


def test_comments_and_docs_name_only_modules_that_exist():
    existing = {p.relative_to(PROJECT).as_posix() for p in PROJECT.rglob("*.py")
                if ".venv" not in p.parts}
    stale = []
    for path in _documented_files():
        for line, text in _prose(path):
            where = f"{path.relative_to(PROJECT)}:{line}"
            for name in re.findall(r"(?<![\w./-])([\w/]+\.py)\b", text):
                if not any(e == name or e.endswith("/" + name) for e in existing):
                    stale.append(f"{where}: {name}")
            stale += [f"{where}: {old}" for old in FORMER.findall(text)]
    assert not stale, "names of modules that do not exist (any more):\n" + "\n".join(stale)


# ------------------------------------------------------------------ serving figures

def test_readme_throughput_figures_are_config_help():
    help_text = config.Settings.__dataclass_fields__["web_workers"].metadata["help"]
    assert config.SERVING_MEASURED in help_text
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert " ".join(config.SERVING_MEASURED.split()) in readme, (
        "README's Serving section must give config.SERVING_MEASURED word for word")
    figures = set(re.findall(r"\d[\d.,-]*\d(?= req/s)|\d+(?= req/s)", readme))
    assert figures <= set(re.findall(r"[\d.,-]*\d", config.SERVING_MEASURED)), figures


def test_the_layout_parser_reads_what_it_should():
    """A check on the check: the Layout block's folders and inline names are found."""
    named = _layout_names()
    for path in ("indexer/cli.py", "indexer/ingest/parsers/pdf_layout.py",
                 "indexer/ingest/ocr_cache.py", "search_app/openapi.py", "index.py"):
        assert (PROJECT / path).resolve() in named, path
    assert ast.parse((PROJECT / "index.py").read_text(encoding="utf-8"))


def test_readme_gives_each_setting_its_default():
    """Where README gives a setting's figure, `10,000 (`max_result_depth`)` or
    `` `zip_max_part_mb` (128 MB)``, it is the setting's default (config.py)."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    defaults = {name: f.default for name, f in config.Settings.__dataclass_fields__.items()}
    stated = [(m.group(2), m.group(1)) for m in re.finditer(
        r"(\d[\d,.]*)\s*(?:MB|s|times)?\s[^`()]{0,60}?\(`(\w+)`\)", text)]
    stated += [(m.group(1), m.group(2)) for m in re.finditer(
        r"`(\w+)`\s*\((\d[\d,.]*)\s*(?:MB|s|times)?[;,)]", text)]
    stated = [(name, figure) for name, figure in stated if name in defaults]
    assert len(stated) >= 8, stated
    wrong = [f"{name}: README {figure}, config.py {defaults[name]}" for name, figure in stated
             if float(figure.replace(",", "")) != defaults[name]]
    assert not wrong, "README's figures differ from the settings' defaults: " + "; ".join(wrong)
