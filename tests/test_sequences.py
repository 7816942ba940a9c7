"""Numbers drawn by unique inserts: distinct and consecutive under concurrency."""
from __future__ import annotations

import threading

from storage.sequences import Sequences


def test_twenty_concurrent_draws_get_twenty_consecutive_numbers(services):
    sequences = Sequences(services.db)
    drawn: list[int] = []
    lock = threading.Lock()

    def draw():
        number = sequences.next("锦绣澜庭-2026")
        with lock:
            drawn.append(number)

    threads = [threading.Thread(target=draw) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(drawn) == list(range(1, 21))


def test_scopes_count_separately_and_the_highest_is_found_without_scanning(services):
    sequences = Sequences(services.db)
    for _ in range(37):
        sequences.next("A-2026")
    assert sequences.next("B-2026") == 1
    assert sequences.highest("A-2026") == 37
    assert sequences.next("A-2026") == 38
