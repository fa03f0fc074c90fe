"""Static analysis of Python code: Bandit and Semgrep (bundled rules), merged and cached."""

from __future__ import annotations

from scriptrunner.scanners.code.merge import RULES, Rule
from scriptrunner.scanners.code.scanner import TOOLS, CodeScanner

__all__ = ["RULES", "TOOLS", "CodeScanner", "Rule"]
