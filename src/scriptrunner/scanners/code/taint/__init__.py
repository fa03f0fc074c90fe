"""Inter-procedural taint analysis of Python code (standard library ``ast`` only).

Untrusted data (``catalogue.SOURCE_KINDS``: HTTP request data, command-line arguments,
standard input, sockets, and with low confidence the environment, files and HTTP responses)
is followed through assignments, strings, containers, attributes and calls -- across the
functions and modules of the scanned project through per-function summaries computed to a
fixpoint (``analysis.py``) -- to the sinks of ``catalogue.SINKS``; sanitisers and checks
(``propagation.py``, ``guards.py``) stop it.  Each finding carries its source -> sink flow.
``tool.TaintTool`` is the code scanner's ``taint`` tool; a rescan of an unchanged tree
imports only it, the catalogue and ``project.py`` (the analysis is imported when it runs).
"""

from __future__ import annotations

from scriptrunner.scanners.code.taint.catalogue import RULES, SOURCE_KINDS, TaintRule

__all__ = ["RULES", "SOURCE_KINDS", "TaintRule"]
