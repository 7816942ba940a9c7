"""Ranking: does the file a query names come first? MRR and precision@1 over a labelled set.

    .venv/bin/python -m bench.bench_ranking      (normally `make bench ARGS=ranking`; needs no server)

The index holds BENCH_RANKING_FILES corpus files (bench/corpus.py, default 3000) and the labelled
set's seeded files (bench/ranking_set.py: witness files that mention a target customer's name,
numbers and pinyin in running text, files titled with a rare document title and files that only
mention it). Each labelled query (name, archive number, ID number, phone, pinyin, title) runs through
`SearchIndex.search` as a user who sees everything, relevance order; the rank of the first relevant
file among the first DEPTH files counts (1/rank, 0 beyond). Reported per kind and overall: MRR,
precision@1 (the first file is relevant), and the queries that missed the first place.

Target: MRR >= 0.9 overall, reported, not failed. The run fails (exit 1) only when it is broken: a
query that finds no file at all, or the index holding other than it was given.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import Stopwatch
from bench.common import table
from bench.common import write_results
from bench.corpus import CustomerFile
from bench.ranking_set import KINDS
from bench.ranking_set import Case
from bench.ranking_set import cases
from bench.ranking_set import corpus_files
from search import SearchIndex
from search import Visibility

N_FILES = int(os.environ.get("BENCH_RANKING_FILES") or 3000)
DEPTH = 50
BATCH_FILES = 500
MRR_TARGET = 0.9
EVERYONE = Visibility(all=True)


@dataclass(frozen=True)
class Ranked:
    """A labelled query's answer: the rank of its first relevant file (0: not in the first DEPTH)
    and the first file found."""

    case: Case
    rank: int
    first: str
    total: int

    @property
    def reciprocal(self) -> float:
        """1/rank, 0 when no relevant file is among the first DEPTH."""
        return 1 / self.rank if self.rank else 0.0


def build(directory: Path, items: list[CustomerFile]) -> SearchIndex:
    """An index of `items`, every name and project in the dictionary first, written in batches."""
    index = SearchIndex(directory)
    index.add_terms(sorted({term for item in items for term in item.terms}), timeout=600)
    for start in range(0, len(items), BATCH_FILES):
        with index.writer(timeout=600) as writer:
            for item in items[start:start + BATCH_FILES]:
                writer.upsert_file(item.file)
                for page in item.pages:
                    writer.upsert_page(page)
    return index


def rank(index: SearchIndex, case: Case) -> Ranked:
    """Where the first relevant file of `case` stands in its search."""
    result = index.search(case.query, visibility=EVERYONE, per_page=DEPTH, pages_per_file=0)
    order = [group.file_id for group in result.groups]
    first = next((n for n, file_id in enumerate(order, start=1) if file_id in case.relevant), 0)
    return Ranked(case, first, order[0] if order else "", result.total)


def summary(ranked: list[Ranked]) -> dict:
    """MRR, precision@1 and counts of a list of answers."""
    n = len(ranked)
    return {"queries": n, "mrr": sum(r.reciprocal for r in ranked) / n if n else 0.0,
            "p_at_1": sum(r.rank == 1 for r in ranked) / n if n else 0.0,
            "beyond_depth": sum(r.rank == 0 for r in ranked),
            "files_matched_mean": sum(r.total for r in ranked) / n if n else 0.0}


def report(ranked: list[Ranked]) -> dict:
    """Print the table and the misses; the summaries by kind and overall."""
    by_kind = {kind: summary([r for r in ranked if r.case.kind == kind]) for kind in KINDS}
    overall = summary(ranked)
    rows = [[name, s["queries"], f"{s['files_matched_mean']:.0f}", f"{s['mrr']:.3f}", f"{s['p_at_1']:.3f}",
             s["beyond_depth"]] for name, s in [*by_kind.items(), ("overall", overall)]]
    print()
    table(rows, ["query kind", "n", "files", "MRR", "P@1", f"not in top {DEPTH}"])
    misses = [r for r in ranked if r.rank != 1]
    for r in misses[:20]:
        print(f"  not first: {r.case.kind} {r.case.query!r}: relevant {sorted(r.case.relevant)} at rank "
              f"{r.rank or f'>{DEPTH}'}, first {r.first}")
    if len(misses) > 20:
        print(f"  ... and {len(misses) - 20} more")
    return {"by_kind": by_kind, "overall": overall,
            "misses": [{"kind": r.case.kind, "query": r.case.query, "relevant": sorted(r.case.relevant),
                        "rank": r.rank, "first": r.first} for r in misses]}


def main() -> int:
    print(f"ranking benchmark: {N_FILES} corpus files and the labelled set's own", flush=True)
    started = time.monotonic()
    items = corpus_files(N_FILES)
    labelled = cases(items, N_FILES)
    with tempfile.TemporaryDirectory(prefix="bench-ranking-") as folder:
        with Stopwatch() as building:
            index = build(Path(folder) / "index", items)
        stats = index.stats()
        pages = sum(len(item.pages) for item in items)
        print(f"indexed {stats['files']} files, {stats['pages']} pages in {building.seconds:.1f} s", flush=True)
        with Stopwatch() as searching:
            ranked = [rank(index, case) for case in labelled]
        index.close()
    results = report(ranked)
    broken = [f"{r.case.kind} {r.case.query!r} finds none of {sorted(r.case.relevant)}"
              for r in ranked if r.total == 0]
    if (stats["files"], stats["pages"]) != (len(items), pages):
        broken.append(f"the index holds {stats['files']} files and {stats['pages']} pages, "
                      f"not {len(items)} and {pages}")
    for problem in broken:
        print(f"PROBLEM: {problem}")
    mrr = results["overall"]["mrr"]
    print(f"target: MRR >= {MRR_TARGET} (reported): {mrr:.3f}, {'met' if mrr >= MRR_TARGET else 'MISSED'}")
    total = time.monotonic() - started
    print(f"{len(labelled)} queries in {searching.seconds:.1f} s; total {total:.1f} s")
    path = write_results("ranking", {
        "files": len(items), "corpus_files": N_FILES, "pages": pages, "depth": DEPTH,
        "targets": {"mrr": MRR_TARGET}, "target_met": mrr >= MRR_TARGET, **results, "problems": broken,
        "build_seconds": building.seconds, "total_seconds": total, "ok": not broken})
    print(f"results written to {path.relative_to(path.parent.parent.parent)}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
