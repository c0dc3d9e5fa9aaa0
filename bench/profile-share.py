#!/usr/bin/env python3
"""Where a process's CPU goes, from `perf script -F comm,ip,sym,dso --no-inline` on standard input
(a perf.data recorded with call graphs).

Prints the share of samples whose stack holds a frame of each part of the hub (inclusive: a
mapping called from the broker counts for both), then the leaf functions and libraries (self).
Used by bench/run-anchors.sh; works on any perf.data recorded with --call-graph.
"""
import collections
import re
import sys

# The parts of the hub a frame belongs to, by symbol or library; a sample is counted for every part
# on its stack (inclusive: a mapping called from the broker counts for both) and, in the
# "innermost" column, for the part nearest its leaf only (the columns of that one sum to 100 %,
# the C and C++ runtimes and the kernel counted for the part that called them).
PARTS = [
    ("TLS and crypto (libssl, libcrypto)", lambda s, d: "libssl" in d or "libcrypto" in d),
    ("store (SQLite, libpq)", lambda s, d: "libsqlite3" in d or "libpq" in d),
    ("JSON (RapidJSON)", lambda s, d: "rapidjson::" in s),
    ("XML (pugixml)", lambda s, d: "pugi::" in s or "libpugixml" in d),
    ("metrics (prometheus-cpp)", lambda s, d: "prometheus::" in s or "hub::http::Metrics" in s),
    ("mapping engine (hub::mapping)", lambda s, d: "hub::mapping::" in s),
    ("exchange journal (hub::audit)", lambda s, d: "hub::audit::" in s),
    ("access log and logging (hub::log)", lambda s, d: "hub::log::" in s or "access_log" in s),
    ("partner client (hub::http::ClientPool)", lambda s, d: "hub::http::ClientPool" in s),
    ("adapters", lambda s, d: "hub::adapters::" in s or "adapters::" in s),
    ("broker (hub::exchange)", lambda s, d: "hub::exchange::" in s),
    ("HTTP parse and write (Beast)", lambda s, d: "boost::beast::" in s),
    ("prefill route and server (hub::api, hub::http)", lambda s, d: "hub::" in s),
    ("Asio (scheduler, timers, sockets)", lambda s, d: "boost::asio::" in s),
]
RUNTIME = ("libc.so", "libstdc++", "kernel", "ld-linux", "[unknown]", "libm.so")


def samples(lines):
    frames = []
    for line in lines:
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        if not line.startswith((" ", "\t")):
            if frames:
                yield frames
            frames = []
            continue
        m = re.match(r"\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
        if m:
            frames.append((m.group(1), m.group(2)))
    if frames:
        yield frames


def short(sym, width=90):
    sym = re.sub(r"\(.*\)", "()", sym) if len(sym) > width else sym
    return sym if len(sym) <= width else sym[: width - 1] + "…"


def main():
    total = 0
    inclusive = collections.Counter()
    innermost = collections.Counter()
    leaf_sym = collections.Counter()
    leaf_dso = collections.Counter()
    for frames in samples(sys.stdin):
        total += 1
        sym, dso = frames[0]
        leaf_sym[short(sym)] += 1
        leaf_dso[dso.rsplit("/", 1)[-1]] += 1
        seen = set()
        inner = None
        for s, d in frames:
            for name, test in PARTS:
                if test(s, d):
                    seen.add(name)
                    if inner is None:
                        inner = name
                    break
        innermost[inner or ("runtime and kernel, no caller known"
                            if any(r in dso for r in RUNTIME) else "other")] += 1
        inclusive.update(seen)
    if total == 0:
        print("no samples (perf could not record this process)")
        return
    pct = lambda n: f"{100.0 * n / total:.1f} %"
    print(f"{total} samples\n\n| part | inclusive | innermost |\n|---|---|---|")
    for name, _ in PARTS:
        print(f"| {name} | {pct(inclusive[name])} | {pct(innermost[name])} |")
    for name in ("runtime and kernel, no caller known", "other"):
        if innermost[name]:
            print(f"| {name} | | {pct(innermost[name])} |")
    print("\n| library (self) | share |\n|---|---|")
    for dso, n in leaf_dso.most_common(8):
        print(f"| {dso} | {pct(n)} |")
    print("\n| function (self) | share |\n|---|---|")
    for sym, n in leaf_sym.most_common(25):
        print(f"| `{sym}` | {pct(n)} |")


if __name__ == "__main__":
    main()
