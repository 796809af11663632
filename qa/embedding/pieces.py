"""The model's word pieces -> words: each word's token vectors averaged into one vector.

WordPiece splits "fingerprints" into "finger", "##prints"; the word check and the policy's
word index want one vector per word. Pure: the model call is in the embedders.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The tokenizer's markers, which are not words of the text.
SPECIAL_PIECES = frozenset(("[CLS]", "[SEP]", "[PAD]"))


def group_pieces(pieces: Sequence[str]) -> list[tuple[str, list[int]]]:
    """WordPiece tokens -> (word, token positions): "##" pieces join the word before them;
    the tokenizer's markers are skipped.

    >>> group_pieces(["[CLS]", "finger", "##prints", "?", "[SEP]", "[PAD]"])
    [('fingerprints', [1, 2]), ('?', [3])]
    """
    words: list[tuple[str, list[int]]] = []
    for position, piece in enumerate(pieces):
        if piece in SPECIAL_PIECES:
            continue
        if piece.startswith("##") and words:
            word, positions = words[-1]
            words[-1] = (word + piece[2:], [*positions, position])
        else:
            words.append((piece, [position]))
    return words


def unpadded(pieces: Sequence[str], mask: Sequence[int]) -> list[str]:
    """The pieces of one text with padding positions turned into "[PAD]" (which `group_pieces` skips).

    >>> unpadded(["[CLS]", "cookies", "[SEP]", "[SEP]"], [1, 1, 1, 0])
    ['[CLS]', 'cookies', '[SEP]', '[PAD]']
    """
    return [piece if on else "[PAD]" for piece, on in zip(pieces, mask, strict=True)]


def word_vectors(pieces: Sequence[str], tokens: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """One text's words and their vectors: the token vectors (t, d) of each word's pieces averaged,
    not normalised (`qa.embedding.base.embedded` scales them, with `normalize`).

    >>> words, vectors = word_vectors(["[CLS]", "a", "##b", "c"], np.array([[9, 9], [3, 0], [1, 0], [0, 2.0]]))
    >>> words, vectors.tolist()
    (('ab', 'c'), [[2.0, 0.0], [0.0, 2.0]])
    """
    groups = group_pieces(pieces)
    average = np.zeros((len(groups), len(tokens)), dtype=np.float32)  # one matrix product, not a loop of means
    for row, (_, positions) in enumerate(groups):
        average[row, positions] = 1 / len(positions)
    return tuple(word for word, _ in groups), average @ np.asarray(tokens, dtype=np.float32)
