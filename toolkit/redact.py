"""Mask secrets in free text (messages, logs, URLs) before anything reaches a terminal or a file.

Structured definitions have their own, path-aware secret handling in toolkit.definition.secrets;
this is the last line of defence for strings: SAS signatures, account keys in connection
strings, bearer tokens.
"""

from __future__ import annotations

import re

MASK = "***"

_PATTERNS = (
    re.compile(r"(?i)(\bsig=)[^&\s\"']+"),
    re.compile(r"(?i)(AccountKey=)[^;\s\"']+"),
    re.compile(r"(?i)(SharedAccessSignature=)[^;\s\"']+"),
    re.compile(r"(?i)(\bBearer\s+)[A-Za-z0-9\-._~+/]+=*"),
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text
