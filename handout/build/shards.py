"""A stable share of a build's outputs, for a CI matrix: `--shard I/N`.

The outputs of one handout, in one language, for one clinic stay together (its booklet is made from its letter
PDF, its EPUB's page list from its PDF's pages: split apart, they would be laid out twice). Those groups, in
their sorted order, are dealt out in turn, so every machine that plans the same project deals the same share,
and the N shards together are the whole plan.
"""
from __future__ import annotations

from handout.core.errors import InputError


def group_of(key) -> tuple[str, str, str]:
    """The outputs a shard keeps together: one handout's, in one language, for one clinic (a JobKey)."""
    return key.handout, key.language, key.clinic


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` (1 <= I <= N) -> (I, N); anything else is the user's error."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        index = count = 0
    if not 1 <= index <= count:
        raise InputError(f"--shard takes I/N with 1 <= I <= N (1/4 is the first of four shards), not '{text}'")
    return index, count


def shard_of(plan: list, index: int, count: int) -> list:
    """The planned outputs (run.Planned) of shard `index` of `count`."""
    groups = sorted({group_of(item.key) for item in plan})
    mine = {group for position, group in enumerate(groups) if position % count == index - 1}
    return [item for item in plan if group_of(item.key) in mine]
