"""Which parts of a notebook are code when a cell's ``source`` is one string rather than
a list of lines (nbformat allows both), and when it is empty."""

from __future__ import annotations

from scriptrunner.scanners.secrets.codemap import CodeMap
from scriptrunner.scanners.secrets.engine import scan_text

NOTEBOOK = """{
 "cells": [
  {
   "cell_type": "markdown",
   "source": "token = see the docs"
  },
  {
   "cell_type": "code",
   "source": "token = make_token()"
  },
  {
   "cell_type": "code",
   "source": []
  },
  {
   "cell_type": "code",
   "source": "last = read_it()"
"""  # cut off after the last cell's source: the file ends inside the notebook


def test_one_string_sources_of_code_cells_are_code_and_markdown_is_not() -> None:
    code = CodeMap(NOTEBOOK, "analysis.ipynb")
    assert not code(NOTEBOOK.index("see the docs"))
    assert code(NOTEBOOK.index("make_token"))
    assert code(NOTEBOOK.index("read_it"))
    assert not code(NOTEBOOK.index('"cells"'))
    assert not code(NOTEBOOK.index("[]"))  # an empty source holds no code


def notebook(source: str) -> str:
    return '{\n "cells": [\n  {\n   "cell_type": "code",\n   "source": ' + source + "\n  }\n ]\n}\n"


def test_an_unquoted_name_in_a_code_cell_is_code_whichever_way_the_source_is_written() -> None:
    """``x = Name`` is an expression in code (reported in text); a one-string source was
    taken for text."""
    line = "api_secret = Xk9q2pL7mZr4tW1nBq8sVw3"
    as_list = [
        (m.rule_id, m.line) for m in scan_text(notebook(f'[\n    "{line}"\n   ]'), "a.ipynb")
    ]
    as_string = [(m.rule_id, m.line) for m in scan_text(notebook(f'"{line}"'), "a.ipynb")]
    assert as_list == as_string == [] == [m.rule_id for m in scan_text(line, "a.py")]
    assert [m.rule_id for m in scan_text(line, "notes.txt")] == ["generic-secret"]
