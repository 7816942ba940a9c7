"""Full-text search at scale: indexing throughput, query latency through `SearchIndex.search` against
raw Whoosh on the same index in the same run, reindex peak memory, and recall checks.

    .venv/bin/python -m bench.bench_search      (normally `scripts/bench search`; needs no server)

The corpus is bench/corpus.py: BENCH_SEARCH_FILES generated customer files (default 5000, about
3.2 pages each, so about 16,000 pages) of buyers in ten projects, with purchase contracts,
授权委托书, registration, survey and handover forms: names, addresses, amounts in digits and
capitals, ID numbers with valid check digits, phones, contract numbers. 88 % of the files are
normal, 10 % confidential and 2 % sealed, each with a department. The issue's size, 100,000 files
and about 300,000 pages, is BENCH_SEARCH_FILES=100000 (see "How long" below).

1. Index (and reindex memory). A child process (`python -m bench.bench_search --reindex DIR N`)
   builds the index from the corpus into a new directory the way `archive reindex` does
   (service/search_rebuild.py): every name and project into the dictionary first, then batches
   of 200 files through `SearchIndex.writer()`, each committed, with segments read without mmap.
   It reports pages/s (wall clock, corpus generation included: it is a few percent) and its own
   peak RSS (`ru_maxrss`), which is the reindex peak memory: the corpus is streamed, so that is
   jieba's dictionary, the index's vocabulary and Whoosh's writer (with mmap, every segment the
   writer had read counted as resident: 1 GB at 16,000 pages, 340 MB without). Target: under
   1 GB. The build's report is kept in the index directory (bench-build.json), so that
   BENCH_SEARCH_INDEX=DIR can time queries again on an index built by an earlier run.
2. Latency. BENCH_SEARCH_QUERIES queries per kind (default 50), drawn from the corpus with a fixed
   seed: a single word (project, name, street or contract vocabulary), two such words, a quoted
   phrase of two to eight characters cut from a page, a quoted clause of the contracts (逾期交房,
   商品房买卖合同, 身份证号码: in most pages, so the costliest phrases), a customer's name in pinyin
   (full, or initials, alternately), and a single word filtered by project and doc_type. Every
   query runs as a department user (Visibility(departments={"销售一部"}): normal files plus that
   department's confidential ones). After one untimed warm-up pass of the service calls, every
   query is timed through the service alone, one after another ("alone": how a server answering
   its users meets them), then three ways, interleaved query by query:
   - service: `SearchIndex.search(q, visibility=..., filters=..., per_page=20)`, the call the
     service layer makes: it reads terms.txt if it grew, parses, takes the kept searcher, reads
     every match of the query as arrays (`search/_evaluate.py`), masks what the user may not see,
     groups by file, counts exact totals and facets, sorts, and builds the 20 files' hits and
     snippets.
   - raw: the same Whoosh query (made once, untimed, by the package's own parser
     `search._query.parse` with the index's vocabulary) and the same filter query
     (`search._filters.filter_query`), timed as `searcher.search(query, filter=..., limit=20)`
     only, on a searcher opened (untimed) for that query, with the package's scoring. This is
     what a bare Whoosh user pays for a top-20 page with Whoosh's own estimate of the total.
   - raw, all matches: the same with `limit=None`, what exact totals and facets would cost
     through Whoosh's own collector.
   The overhead ratio is service (interleaved) / raw (limit 20), at p50 and at p95. Targets: p95
   of the service alone under 100 ms for single and two-word queries and for both kinds of phrase,
   ratio under 1.3. Both are reported, not failed: they depend on the machine's load. A service
   search right after a raw one takes up to twice as long as alone (see the README's search section).
3. Checks (exit 1 on any miss), as a user who sees everything (Visibility(all=True)), every
   result page read (per_page 200, up to 50 pages per file):
   - every sampled quoted phrase (BENCH_SEARCH_QUERIES x 2 pages, one phrase of two to four
     consecutive jieba words each) finds the page it was cut from. The search is narrowed by the
     page's own project, doc_type and upload day, so that common phrases (身份证号码) do not
     page through thousands of files; a narrowing filter cannot make a miss into a hit.
   - every sampled customer name (BENCH_SEARCH_QUERIES x 2) finds every page whose text holds it.

How long: the default (5,000 files) takes about 3.5 minutes on the 2-core machine: build 1.7
min at about 160 pages/s, peak RSS 340 MB; latencies 1.4 min; checks 0.3 min. The issue's size,
BENCH_SEARCH_FILES=100000, was built on 2026-11-26 (array-coded posting blocks, `search/_codec.py`)
in 72 minutes: 100,000 files, 312,346 pages, 72 pages/s on a machine that five other jobs kept
busy the whole time (52 pages/s in the first quarter of the batches, 143 in the last, when the
load dropped; an unloaded batch of 650 pages takes 1.7 s, about 380 pages/s, and a merge of the
large segments up to a minute), peak RSS 384 MB, 9 segments, 1.76 GB on disk. Timing it again
with BENCH_SEARCH_FILES=100000 BENCH_SEARCH_INDEX=<dir> BENCH_SEARCH_QUERIES=20 took 7.5 minutes
(most of it raw Whoosh and generating the corpus for the checks, 4.3 GB):

    kind            service p50 / p95 ms   raw (limit 20) p50 / p95 ms   ratio p95
    single word           24 /   53              802 /  993               0.05x
    two words             12 /   44              399 /  882               0.05x
    quoted phrase        837 / 1648             2582 / 4600               0.36x
    pinyin name            8 /    8              401 /  411               0.02x
    word + filters        16 /   29              435 /  721               0.04x

80 checks (40 phrases, 40 names), 0 misses. Phrases cost the most: every candidate's positions
were unpickled (Whoosh's encoding of a posting's positions) before numpy matched them.

Positions as arrays, probed by binary search (schema 8/9), 2026-12-05: built in 95 minutes beside
other work (55 pages/s, peak RSS 394 MB, 9 segments, 1.73 GB); timed at nice -10 with a test
suite running beside, in 15 minutes (the raw Whoosh phrase queries take up to 15 s each):

    kind            service p50 / p95 ms   raw (limit 20) p50 / p95 ms   ratio p95
    single word           44 /   67              986 / 1588               0.04x
    two words             31 /   81              666 / 1554               0.05x
    quoted phrase         92 /  172             4582 / 8188               0.02x
    quoted clause        118 /  210             6310 / 13263              0.02x
    pinyin name           17 /   27              621 /  661               0.04x
    word + filters        31 /   47              699 / 1109               0.04x

80 checks, 0 misses. The phrase kinds are ten times faster than before but over their 100 ms
target at this size.
"""
from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from pypinyin import lazy_pinyin

from bench.common import Stopwatch
from bench.common import ms
from bench.common import p50
from bench.common import p95
from bench.common import rate
from bench.common import table
from bench.common import write_results
from bench.corpus import DOC_TYPES
from bench.corpus import PROJECTS
from bench.corpus import STREETS
from bench.corpus import CustomerFile
from bench.corpus import customer_files
from bench.corpus import ground_truth
from search import SearchIndex
from search import Visibility
from search._filters import filter_query
from search._index import SHANGHAI
from search._query import parse
from search._schema import EntryScoring

N_FILES = int(os.environ.get("BENCH_SEARCH_FILES") or 5000)
QUERIES = int(os.environ.get("BENCH_SEARCH_QUERIES") or 50)
BATCH_FILES = 200
BUILD_REPORT = "bench-build.json"
# an index built by an earlier run (its directory, holding bench-build.json) to time queries on
# again without building it: BENCH_SEARCH_INDEX=/path (the files count must match)
REUSE = os.environ.get("BENCH_SEARCH_INDEX")
PER_PAGE = 20
SEED = 77
VIEWER = Visibility(departments={"销售一部"})
EVERYONE = Visibility(all=True)
P95_TARGET = 0.100  # s, for the kinds below
TARGETED = ("single word", "two words", "quoted phrase", "quoted clause")
RATIO_TARGET = 1.3
MEMORY_TARGET_MB = 1024
WORDS = ("违约金", "逾期交房", "首付款", "公积金贷款", "建筑面积", "授权委托书", "产权登记", "验收合格",
         "渗水", "密封条", "学区", "交通", "紧急联系人", "置业顾问", "商品房", "付款方式", "解除合同",
         "钥匙", "水表", "组合贷款")
# clauses people search contracts by, quoted: each in most contract pages, the costliest phrases
CLAUSES = ("逾期交房", "违约金", "解除合同", "付款方式", "授权委托书", "商品房买卖合同", "身份证号码", "合同编号",
           "建筑面积", "产权登记", "验收合格", "公积金贷款")
PHRASE_CHARS = (2, 8)  # the sampled phrases timed: two to eight characters


@dataclass
class Kind:
    """One kind of query: (text, filters) pairs and their timings."""

    name: str
    queries: list[tuple[str, dict]]
    alone: list[float] = field(default_factory=list)  # the service, its searches one after another
    service: list[float] = field(default_factory=list)  # the service, each search right after raw Whoosh
    raw: list[float] = field(default_factory=list)
    raw_all: list[float] = field(default_factory=list)
    files: list[int] = field(default_factory=list)


# --- 1. index in a child process -------------------------------------------------------------------

def reindex(directory: Path, count: int) -> dict:
    """Build the index of the first `count` corpus files in `directory` the way `archive reindex`
    does (service/search_rebuild.py): every name and project into the dictionary first, then
    batches of 200 files, each committed, with segment files read without mmap (runs in the child)."""
    index = SearchIndex(directory, mmap=False)
    batches: list[tuple[int, float]] = []  # (pages, seconds) of each batch, generation included
    batch: list[CustomerFile] = []
    with Stopwatch() as sw:
        index.add_terms(sorted({term for item in customer_files(count) for term in item.terms}), timeout=600)
        lap = time.perf_counter()
        for item in customer_files(count):
            batch.append(item)
            if len(batch) == BATCH_FILES:
                batches.append((_write(index, batch), time.perf_counter() - lap))
                batch, lap = [], time.perf_counter()
        if batch:
            batches.append((_write(index, batch), time.perf_counter() - lap))
    stats = index.stats()
    quarter = max(1, len(batches) // 4)
    built = {"files": count, "pages": sum(p for p, _ in batches), "seconds": sw.seconds,
             "first_quarter_pages_per_second": _batch_rate(batches[:quarter]),
             "last_quarter_pages_per_second": _batch_rate(batches[-quarter:]),
             "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
             "segments": stats["segments"], "terms": stats["terms"]}
    (directory / BUILD_REPORT).write_text(json.dumps(built))
    return built


def _batch_rate(batches: list[tuple[int, float]]) -> float:
    return rate(sum(p for p, _ in batches), sum(s for _, s in batches))


def _write(index: SearchIndex, batch: list[CustomerFile]) -> int:
    if not batch:
        return 0
    with index.writer(timeout=600) as writer:
        for item in batch:
            writer.upsert_file(item.file)
            for page in item.pages:
                writer.upsert_page(page)
    return sum(len(item.pages) for item in batch)


def build_in_child(directory: Path) -> dict:
    """Run `reindex` in a child process; its report."""
    done = subprocess.run([sys.executable, "-m", "bench.bench_search", "--reindex", str(directory), str(N_FILES)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- 2. latency ----------------------------------------------------------------------------------

def make_kinds(items: list[CustomerFile], phrases: list[tuple[str, str]]) -> list[Kind]:
    """The query kinds, BENCH_SEARCH_QUERIES each, drawn from the corpus."""
    rng = random.Random(SEED)
    names = [item.file.name for item in items]

    def word() -> str:
        pool = rng.choice((WORDS, PROJECTS, STREETS, names))
        return rng.choice(pool)

    def pinyin(i: int) -> str:
        syllables = lazy_pinyin(rng.choice(names))
        return "".join(syllables) if i % 2 == 0 else "".join(s[0] for s in syllables)

    low, high = PHRASE_CHARS
    quoted = [f'"{phrase}"' for phrase, _ in phrases if low <= len(phrase) <= high]
    return [
        Kind("single word", [(word(), {}) for _ in range(QUERIES)]),
        Kind("two words", [(f"{word()} {word()}", {}) for _ in range(QUERIES)]),
        Kind("quoted phrase", [(q, {}) for q in rng.sample(quoted, min(QUERIES, len(quoted)))]),
        Kind("quoted clause", [(f'"{rng.choice(CLAUSES)}"', {}) for _ in range(QUERIES)]),
        Kind("pinyin name", [(pinyin(i), {}) for i in range(QUERIES)]),
        Kind("word + project + doc_type",
             [(word(), {"project": rng.choice(PROJECTS), "doc_type": rng.choice(DOC_TYPES)}) for _ in range(QUERIES)]),
    ]


def time_queries(index: SearchIndex, kinds: list[Kind]) -> None:
    """After a warm-up pass, the service's searches one after another, then service, raw and raw-all
    timings of every query, interleaved."""
    for kind in kinds:
        for q, filters in kind.queries:
            index.search(q, visibility=VIEWER, filters=filters, per_page=PER_PAGE)
    for kind in kinds:
        for q, filters in kind.queries:
            with Stopwatch() as alone:
                index.search(q, visibility=VIEWER, filters=filters, per_page=PER_PAGE)
            kind.alone.append(alone.seconds)
    for kind in kinds:
        for q, filters in kind.queries:
            service, raw, raw_all, files = _one(index, q, filters)
            kind.service.append(service)
            kind.raw.append(raw)
            kind.raw_all.append(raw_all)
            kind.files.append(files)


def _one(index: SearchIndex, q: str, filters: dict) -> tuple[float, float, float, int]:
    with Stopwatch() as service:
        result = index.search(q, visibility=VIEWER, filters=filters, per_page=PER_PAGE)
    query = parse(q, index.vocabulary).query
    restriction = filter_query(filters, VIEWER, SHANGHAI)
    with index.whoosh.searcher(weighting=EntryScoring()) as searcher:
        with Stopwatch() as raw:
            searcher.search(query, filter=restriction, limit=PER_PAGE)
    with index.whoosh.searcher(weighting=EntryScoring()) as searcher:
        with Stopwatch() as raw_all:
            searcher.search(query, filter=restriction, limit=None)
    return service.seconds, raw.seconds, raw_all.seconds, result.total


# --- 3. checks -----------------------------------------------------------------------------------

def found_pages(index: SearchIndex, q: str, filters: dict | None = None) -> set[str]:
    """Keys of every page a search by someone who sees everything finds, over all result pages."""
    keys: set[str] = set()
    page = 1
    while True:
        result = index.search(q, visibility=EVERYONE, filters=filters, page=page, per_page=200, pages_per_file=50)
        keys |= {f"page:{p.document_id}:{p.page}" for group in result.groups for p in group.pages}
        if page >= result.pages:
            return keys
        page += 1


def check(index: SearchIndex, items: list[CustomerFile], truth) -> tuple[list[str], int]:
    """Misses of the phrase and name checks; how many searches were checked."""
    pages = {page.key: page for item in items for page in item.pages}
    problems = []
    for phrase, key in truth.phrases:
        page = pages[key]
        day = page.uploaded.astimezone(SHANGHAI).date()
        narrow = {"project": page.project, "doc_type": page.doc_type, "date_from": day, "date_to": day}
        if key not in found_pages(index, f'"{phrase}"', narrow):
            problems.append(f'the phrase "{phrase}" does not find {key} ({page.doc_type}, {page.title})')
    for name, holders in truth.names.items():
        missed = sorted(holders - found_pages(index, name))
        if missed:
            problems.append(f"the name {name} misses {len(missed)} of {len(holders)} pages holding it, "
                            f"e.g. {missed[:3]}")
    return problems, len(truth.phrases) + len(truth.names)


# --- report --------------------------------------------------------------------------------------

def _ratio(service: float, raw: float) -> float:
    return service / raw if raw > 0 else float("nan")


def report(kinds: list[Kind], built: dict) -> tuple[list[dict], list[str]]:
    """Print the latency table; the rows for the results and the targets missed."""
    rows, results, missed = [], [], []
    for kind in kinds:
        ratio50, ratio95 = _ratio(p50(kind.service), p50(kind.raw)), _ratio(p95(kind.service), p95(kind.raw))
        rows.append([kind.name, len(kind.queries), f"{sum(kind.files) / len(kind.files):.0f}",
                     ms(p50(kind.alone)), ms(p95(kind.alone)), ms(p50(kind.service)), ms(p95(kind.service)),
                     ms(p50(kind.raw)), ms(p95(kind.raw)), ms(p50(kind.raw_all)), ms(p95(kind.raw_all)),
                     f"{ratio50:.2f}x", f"{ratio95:.2f}x"])
        results.append({"kind": kind.name, "queries": [q for q, _ in kind.queries],
                        "filters": [f for _, f in kind.queries],
                        "files_matched_mean": sum(kind.files) / len(kind.files),
                        "alone_p50_s": p50(kind.alone), "alone_p95_s": p95(kind.alone),
                        "service_p50_s": p50(kind.service), "service_p95_s": p95(kind.service),
                        "raw_p50_s": p50(kind.raw), "raw_p95_s": p95(kind.raw),
                        "raw_all_p50_s": p50(kind.raw_all), "raw_all_p95_s": p95(kind.raw_all),
                        "ratio_p50": ratio50, "ratio_p95": ratio95})
        if kind.name in TARGETED and p95(kind.alone) >= P95_TARGET:
            missed.append(f"{kind.name}: service p95 {ms(p95(kind.alone))} ms >= {P95_TARGET * 1000:.0f} ms")
        if ratio50 >= RATIO_TARGET:
            missed.append(f"{kind.name}: service/raw at p50 {ratio50:.2f}x >= {RATIO_TARGET}x")
    print()
    table(rows, ["query kind", "n", "files", "alone p50", "p95", "after raw p50", "p95", "raw p50", "p95",
                 "raw-all p50", "p95", "ratio p50", "ratio p95"])
    print("(ms; files = mean files matched as the department user; alone = the service's searches one after "
          "another, after raw = each right after the same query through raw Whoosh; raw = Whoosh limit=20, "
          "raw-all = limit=None; the ratios compare after raw with raw)")
    if built["peak_rss_mb"] >= MEMORY_TARGET_MB:
        missed.append(f"reindex peak RSS {built['peak_rss_mb']:.0f} MB >= {MEMORY_TARGET_MB} MB")
    return results, missed


def main() -> int:
    print(f"search benchmark: {N_FILES} files, {QUERIES} queries per kind, {len(os.sched_getaffinity(0))} CPU(s)",
          flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        directory = Path(REUSE) if REUSE else Path(folder) / "index"
        if REUSE:
            built = json.loads((directory / BUILD_REPORT).read_text())
            if built["files"] != N_FILES:
                raise SystemExit(f"{directory} holds {built['files']} files, not BENCH_SEARCH_FILES={N_FILES}")
            print(f"reusing the index built earlier in {directory}", flush=True)
        else:
            built = build_in_child(directory)
        print(f"indexed {built['files']} files, {built['pages']} pages in {built['seconds']:.1f} s: "
              f"{rate(built['pages'], built['seconds']):.0f} pages/s; reindex peak RSS {built['peak_rss_mb']:.0f} MB "
              f"(target < {MEMORY_TARGET_MB} MB); {built['segments']} segment(s); first quarter of the batches "
              f"{built['first_quarter_pages_per_second']:.0f} pages/s, last quarter "
              f"{built['last_quarter_pages_per_second']:.0f} pages/s", flush=True)
        size_mb = sum(p.stat().st_size for p in directory.iterdir()) / 2 ** 20
        items = list(customer_files(N_FILES))
        truth = ground_truth(items, phrases=QUERIES * 2, names=QUERIES * 2, seed=SEED)
        index = SearchIndex(directory)
        kinds = make_kinds(items, truth.phrases)
        with Stopwatch() as timing:
            time_queries(index, kinds)
        results, missed = report(kinds, built)
        with Stopwatch() as checking:
            problems, checked = check(index, items, truth)
    print(f"\nchecks: {checked} searches ({len(truth.phrases)} phrases, {len(truth.names)} names) "
          f"in {checking.seconds:.1f} s, {len(problems)} miss(es)")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"targets: p95 < {P95_TARGET * 1000:.0f} ms for {', '.join(TARGETED)}; service/raw < {RATIO_TARGET}x, "
          f"reindex < {MEMORY_TARGET_MB} MB (reported); every phrase and name check passes (enforced)")
    for line in missed or ["all speed and memory targets met"]:
        print(f"target: {line}")
    total = time.monotonic() - started
    print(f"index {size_mb:.0f} MB on disk; queries timed in {timing.seconds:.1f} s; total {total:.1f} s")
    path = write_results("search", {
        "files": N_FILES, "pages": built["pages"], "queries_per_kind": QUERIES, "batch_files": BATCH_FILES,
        "index": {**built, "pages_per_second": rate(built["pages"], built["seconds"]), "size_mb": size_mb},
        "targets": {"p95_s": P95_TARGET, "ratio": RATIO_TARGET, "memory_mb": MEMORY_TARGET_MB},
        "targets_missed": missed, "kinds": results, "checked": checked, "problems": problems,
        "total_seconds": total, "ok": not problems})
    print(f"results written to {path.relative_to(path.parent.parent.parent)}")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--reindex"]:
        print(json.dumps(reindex(Path(sys.argv[2]), int(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
