"""The few project exceptions. Each message tells the user what to do next."""

from __future__ import annotations


class QAError(Exception):
    """Base class: every error the project raises on purpose."""


class InvalidQuestion(QAError):
    """The question or an option (such as k) is outside what `ask` accepts."""


class IndexCorrupt(QAError):
    """The index folder exists but cannot be trusted; rebuilding fixes it."""


class IndexUnwritable(QAError):
    """The index folder cannot be written (permissions, a full disk); the previous index is kept."""


class PolicyError(QAError):
    """The policy file is missing or holds no recognisable policy text."""


class ModelUnavailable(QAError):
    """The embedding model cannot be loaded from local files."""


class SettingsError(QAError):
    """A setting (usually an environment variable) has a value that cannot be used."""


class EvalInputError(QAError):
    """A question set, PolicyQA file or eval option that cannot be used as given."""
