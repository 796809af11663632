"""policyqa: cited answers to questions about a privacy policy."""

from qa.answer import PolicyQA
from qa.errors import QAError
from qa.settings import Settings
from qa.types import Answer, Hit

__all__ = ["Answer", "Hit", "PolicyQA", "QAError", "Settings"]
