"""Reads held for a batch: once inside `held()`, also in threads that run in a copy of its context."""
from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

from service.held_reads import held
from service.held_reads import once


def test_a_key_is_read_once_inside_the_block_and_every_time_outside():
    reads = []

    def read():
        reads.append(1)
        return len(reads)

    assert [once("k", read), once("k", read)] == [1, 2]
    with held():
        assert [once("k", read), once("k", read), once("other", read)] == [3, 3, 4]
        with ThreadPoolExecutor(4) as pool:
            seen = [pool.submit(contextvars.copy_context().run, once, "k", read).result() for _ in range(8)]
        assert seen == [3] * 8
    assert once("k", read) == 5


def test_threads_outside_a_copied_context_read_for_themselves():
    reads = []
    with held():
        with ThreadPoolExecutor(2) as pool:
            pool.submit(once, "k", lambda: reads.append(1)).result()
            pool.submit(once, "k", lambda: reads.append(1)).result()
    assert len(reads) == 2
