#!/usr/bin/python3
"""Ingestion: fairc against pandas on a large CSV (Adult repeated, plus a 0/1 column pred).

(a) end to end, as a user runs it: `bin/fairc audit FILE --label Y --pos-label '>50K' --pred pred
    --sensitive sex,race --json` (wall time of the process) against pandas.read_csv + MetricFrame
    (timed inside Python: interpreter start and imports excluded, which favours pandas);
(b) the reader alone: bench/out/read_bench (fairc_reader_next over every record, touching every
    field) against pandas.read_csv(FILE, skipinitialspace=True), both timed inside the process.

Every run is its own process, so each peak RSS (from wait4) is that run's alone; the pandas
figures include the interpreter and pandas itself. Values are checked before timing: the reader's
row count and sum of age against pandas', fairc's metrics against MetricFrame's to 1e-9. Runs
alternate fairc / pandas; minima are reported."""
import argparse
import json
import os
import sys

from peer_common import METRIC_MAP, pin_threads, run_child

PEER_THREADS = pin_threads()
HERE = os.path.dirname(os.path.abspath(__file__))


def peak(a, b):
    return b if a is None else a if b is None else max(a, b)


def mib(kib):
    return "n/a (no /usr/bin/time)" if kib is None else f"{kib / 1024:.1f} MiB"


def parse_kv(line):
    return dict(item.split("=", 1) for item in line.split())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--fairc", default="bin/fairc")
    ap.add_argument("--reader", default="bench/out/read_bench")
    ap.add_argument("--repeats", type=int, default=5, help="runs of each reader, and of fairc audit")
    ap.add_argument("--peer-e2e-runs", type=int, default=2, help="runs of read_csv + MetricFrame")
    args = ap.parse_args()
    py = sys.executable
    side = os.path.join(HERE, "pandas_side.py")
    try:
        run_child([py, "-c", "import pandas, sklearn, fairlearn"])
    except RuntimeError:
        print("ingestion: skipped (pandas, scikit-learn or fairlearn not importable with "
              f"{py}; PYTHONPATH must hold ../shared/peers/fairlearn-0.9.0)")
        return
    size = os.path.getsize(args.data) / 2**20

    # (b) the reader alone: check, then time.
    _, out, _ = run_child([args.reader, args.data])
    mine = parse_kv(out)
    _, out, _ = run_child([py, side, "read", args.data])
    theirs = json.loads(out)
    assert int(mine["rows"]) == theirs["rows"] and int(mine["cols"]) == theirs["cols"], (mine, theirs)
    assert int(mine["sum"]) == theirs["sum"], (mine, theirs)
    print(f"check reader: {theirs['rows']} rows x {theirs['cols']} columns and the sum of age "
          "agree with pandas")
    rows = theirs["rows"]
    best_r = [float("inf")] * 2
    rss_r = [None, None]
    for _ in range(args.repeats):
        _, out, rss = run_child([args.reader, args.data])
        best_r[0] = min(best_r[0], float(parse_kv(out)["seconds"]))
        rss_r[0] = peak(rss_r[0], rss)
        _, out, rss = run_child([py, side, "read", args.data])
        best_r[1] = min(best_r[1], json.loads(out)["read_seconds"])
        rss_r[1] = peak(rss_r[1], rss)
    print(f"reader n={rows} ({size:.0f} MiB): fairc_reader {best_r[0]:.3f} s "
          f"({size / best_r[0]:.0f} MiB/s, peak RSS {mib(rss_r[0])}), pandas.read_csv "
          f"{best_r[1]:.3f} s ({size / best_r[1]:.0f} MiB/s, peak RSS {mib(rss_r[1])}), "
          f"ratio {best_r[1] / best_r[0]:.1f}x")

    # (a) end to end: check, then time.
    cmd = [args.fairc, "audit", args.data, "--label", "Y", "--pos-label", ">50K", "--pred", "pred",
           "--sensitive", "sex,race", "--json", "--quiet"]
    t_c, out, rss_c = run_child(cmd)
    rep = json.loads(out)["reports"][0]
    best_c = t_c
    best_p, best_pw, rss_p = float("inf"), float("inf"), None
    for run in range(max(args.peer_e2e_runs, 1)):
        t_w, out, rss = run_child([py, side, "e2e", args.data])
        peer = json.loads(out)
        best_p, best_pw, rss_p = min(best_p, peer["seconds"]), min(best_pw, t_w), peak(rss_p, rss)
        if run == 0:
            pairs = [(rep["overall"]["metrics"], peer["overall"])]
            for g in rep["by_group"]:
                key = g["levels"]["sex"] + "|" + g["levels"]["race"]
                pairs.append((g["metrics"], peer["by_group"][key]))
            assert len(pairs) == len(peer["by_group"]) + 1, "the groups differ"
            diff = max(abs(a[f] - b[m]) for a, b in pairs for m, f in METRIC_MAP.items())
            assert diff <= 1e-9, f"fairc differs from MetricFrame by {diff:.3g}"
            print(f"check e2e: fairc equals MetricFrame to {diff:.1e} (11 metrics x "
                  f"{len(pairs) - 1} groups + overall)")
        for _ in range(max(args.repeats // max(args.peer_e2e_runs, 1), 1)):
            t_c, _, rss = run_child(cmd)
            best_c, rss_c = min(best_c, t_c), peak(rss_c, rss)
    print(f"e2e n={rows} ({size:.0f} MiB) sex,race: fairc audit {best_c:.3f} s (whole process, "
          f"peak RSS {mib(rss_c)}), pandas.read_csv + MetricFrame {best_p:.2f} s "
          f"(in-process; {best_pw:.2f} s with interpreter start and imports; peak RSS "
          f"{mib(rss_p)}; {PEER_THREADS} thread), ratio {best_p / best_c:.1f}x")


if __name__ == "__main__":
    main()
