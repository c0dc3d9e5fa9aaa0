#!/usr/bin/env python3
"""A change-feed consumer that measures end-to-end latency (docs/feed.md, docs/performance.md).

Long-polls GET /v1/changes (wait=30s, limit=1000) on one kept-alive mutual-TLS connection from
the feed's head on, and for every change records now - at_ms: from the event's time, taken just
before its transaction commits, to the moment the consumer has parsed it. So each figure is an
upper bound of commit -> consumer (it includes the commit itself). On SIGTERM or after SECONDS,
prints one JSON line: {"changes", "p50_ms", "p99_ms", "max_ms"}.
Usage: feed-consumer.py HOST:PORT CA CERT KEY SECONDS
"""
import http.client, json, signal, ssl, sys, time

host, port = sys.argv[1].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
deadline = time.time() + float(sys.argv[5])
latencies = []
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=40)


def get(after, wait):
    conn.request("GET", f"/v1/changes?after={after}&limit=1000&wait={wait}s")
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"feed answered {r.status}: {body[:200]!r}")
    return json.loads(body)


cursor = get(0, 0)["head"]
while not stop and time.time() < deadline:
    page = get(cursor, 1)
    now_ms = time.time() * 1000
    latencies += [now_ms - c["at_ms"] for c in page["changes"]]
    cursor = page["next"]

latencies.sort()
pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None
print(json.dumps({"changes": len(latencies), "p50_ms": pick(0.50), "p99_ms": pick(0.99),
                  "max_ms": round(latencies[-1], 1) if latencies else None}))
