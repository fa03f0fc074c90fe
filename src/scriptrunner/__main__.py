"""``python -m scriptrunner``."""

from __future__ import annotations

import sys

from scriptrunner.cli.main import main

sys.exit(main())
