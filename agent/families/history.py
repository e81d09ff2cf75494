"""Which screenshots stay in the prompt.

Only the last few screenshots are sent; older ones become a one-line note. They are dropped in
chunks rather than one per step, so the prompt prefix stays byte-identical for several steps
and vLLM's prefix cache keeps hitting.
"""


def images_to_keep(has_image: list[bool], keep: int, chunk: int) -> set[int]:
    """Indexes of the entries whose image is still sent.

    With `n` images, `n - keep` rounded down to a multiple of `chunk` are dropped, oldest first:
    between `keep` and `keep + chunk - 1` images are sent.
    """
    indexes = [i for i, flag in enumerate(has_image) if flag]
    excess = max(0, len(indexes) - keep)
    drop = excess - excess % max(1, chunk)
    return set(indexes[drop:])


def max_images(keep: int, chunk: int) -> int:
    """The most images one request can hold (what vLLM's --limit-mm-per-prompt must allow)."""
    return keep + max(1, chunk) - 1
