"""Fails on the first attempt and succeeds on the next (the runner sets SCRIPTRUNNER_ATTEMPT)."""

import os
import sys

attempt = int(os.environ.get("SCRIPTRUNNER_ATTEMPT", "1"))
print(f"attempt {attempt}: {'failing' if attempt < 2 else 'succeeded'}")
sys.exit(1 if attempt < 2 else 0)
