"""Masking secrets in command lines before they become span attributes: the one rule of
:mod:`scriptrunner.cmdline`, which the history store applies too."""

from __future__ import annotations

from scriptrunner.cmdline import MASK, mask_args, mask_text

__all__ = ["MASK", "mask_args", "mask_text"]
