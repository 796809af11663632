"""policyqa: cited answers to questions about a privacy policy.

    from qa import PolicyQA
    PolicyQA.load().ask("Who can see my bank details?")

The public API: `PolicyQA`, `Answer`, `Hit`, `QAError`, `Settings`. Loaded on first use, so that a
process that only reads documents (the sandboxed parser) does not pay for the model libraries.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answer import PolicyQA
    from qa.errors import QAError
    from qa.settings import Settings
    from qa.types import Answer, Hit

__all__ = ["Answer", "Hit", "PolicyQA", "QAError", "Settings"]
_WHERE = {
    "PolicyQA": "qa.answer",
    "QAError": "qa.errors",
    "Settings": "qa.settings",
    "Answer": "qa.types",
    "Hit": "qa.types",
}


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
