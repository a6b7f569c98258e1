"""Throughput and latency of the collection server (``engagekit serve``) on SQLite.

The server (uvicorn on ``collect.app:app_from_env``, one worker, SQLite in WAL with
``synchronous=FULL``) runs as a subprocess on 127.0.0.1; the load comes from one client process
on the same machine (asyncio, keep-alive HTTP/1.1 connections written by hand, so the client
costs little CPU). Two phases, each for ``--seconds``:

* submissions: each virtual respondent records consent (``POST .../consent``) and submits one
  complete five-commitment response (34 answers: the 28 scale items, the attention check and
  the segmenting questions) with an Idempotency-Key; a completed submission is a 201.
* page saves: ``PUT .../partial`` of a respondent's first page, over and over.

Printed and written to ``bench/results/collect.json``: completed submissions/s and page saves/s,
p50/p95/p99 latency of the submit and of the save, errors (anything but the expected status),
and the stored row counts (every acknowledged submission must be in the database). Only
127.0.0.1 is ever contacted; the run stops by itself.

    python bench/bench_collect.py [--seconds 60] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    """One keep-alive HTTP/1.1 connection (requests and replies with Content-Length only)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: bytes,
                      headers: dict[str, str]) -> tuple[int, bytes]:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1",
                "Content-Type: application/json", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        data = await self.reader.readexactly(length) if length else b""
        return status, data


def bodies(n: int, seed: int = 1):
    """``n`` complete responses simulated from the instrument's population model."""
    from analysis.responses.simulate import SimulationSettings, simulate
    from instruments import load_instrument

    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=n, seed=seed)).data
    items = sim.items
    texts = sim.texts
    out = []
    for k, rid in enumerate(items.index):
        body = {"respondent_id": f"b{k:07d}", "instrument_id": inst.id,
                "instrument_version": inst.version, "language": "en",
                "started_at": "2026-12-05T10:00:00Z", "ended_at": "2026-12-05T10:07:30Z",
                "display_order": [i.id for i in inst.items()]}
        for i in inst.items():
            if i.id in items.columns:
                v = items.at[rid, i.id]
                body[i.id] = None if v != v else int(v)
            else:
                v = texts.at[rid, i.id] if i.id in texts.columns else None
                body[i.id] = v if isinstance(v, str) else None
        out.append(body)
    return inst, out


async def run_phase(port: int, concurrency: int, seconds: float, kind: str, pool: list[dict]):
    latencies: list[float] = []
    errors: list[tuple[int, bytes]] = []
    done = 0
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + seconds

    async def worker(w: int):
        nonlocal done
        conn = Conn(port)
        await conn.open()
        while time.perf_counter() < stop_at:
            k = next(counter)
            if kind == "submit":
                body = dict(pool[k % len(pool)])
                rid = f"{body['respondent_id']}-{k}"
                body["respondent_id"] = rid
                st, data = await conn.request(
                    "POST", "/api/s/bench/consent",
                    json.dumps({"decision": "agreed", "respondent_id": rid}).encode(), {})
                if st != 201:
                    errors.append((st, data[:200]))
                    continue
                consent = json.loads(data)["consent_id"]
                payload = json.dumps(body).encode()
                t0 = time.perf_counter()
                st, data = await conn.request("POST", "/api/s/bench/responses", payload, {
                    "Idempotency-Key": f"bench-{k}", "X-Engagekit-Consent": consent})
                latencies.append(time.perf_counter() - t0)
                if st == 201:
                    done += 1
                else:
                    errors.append((st, data[:200]))
            else:
                body = pool[k % len(pool)]
                answers = {i: body[i] for i in list(body)[7:28]}
                payload = json.dumps({"respondent_id": f"p{w:03d}-{k % 500}",
                                      "page": "evaluation", "answers": answers,
                                      "started_at": body["started_at"],
                                      "display_order": body["display_order"]}).encode()
                t0 = time.perf_counter()
                st, data = await conn.request("PUT", "/api/s/bench/partial", payload, {})
                latencies.append(time.perf_counter() - t0)
                if st == 200:
                    done += 1
                else:
                    errors.append((st, data[:200]))
        conn.writer.close()

    t_start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    elapsed = time.perf_counter() - t_start
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {"phase": kind, "seconds": round(elapsed, 1), "completed": done,
            "per_second": round(done / elapsed, 1),
            "p50_ms": round(1000 * q[49], 1), "p95_ms": round(1000 * q[94], 1),
            "p99_ms": round(1000 * q[98], 1), "errors": len(errors),
            "error_examples": [f"{s} {d.decode(errors='replace')}" for s, d in errors[:5]]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--output", default=str(ROOT / "bench" / "results" / "collect.json"))
    args = ap.parse_args()

    from collect.db import ensure_current, make_engine
    from collect.studies import create_study

    tmp = Path(tempfile.mkdtemp(prefix="engagekit-bench-collect-"))
    db = f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(db)
    ensure_current(engine, create=True)
    create_study(engine, "bench", "five_commitments", brand="Acme")
    engine.dispose()
    inst, pool = bodies(2000)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ENGAGEKIT_COLLECT_DB": db,
           "ENGAGEKIT_COLLECT_SETTINGS": "{}"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "collect.app:app_from_env",
                               "--factory", "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning", "--no-access-log"], env=env)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        results = [asyncio.run(run_phase(port, args.concurrency, args.seconds, kind, pool))
                   for kind in ("submit", "save")]
    finally:
        server.terminate()
        server.wait(timeout=30)
    con = sqlite3.connect(tmp / "bench.db")
    stored = con.execute("select count(*) from responses").fetchone()[0]
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    report = {"when": time.strftime("%Y-%m-%d %H:%M"), "load_average": os.getloadavg(),
              "cpus": os.cpu_count(), "concurrency": args.concurrency,
              "database": "SQLite WAL synchronous=FULL", "items_per_response": len(
                  inst.items()), "phases": results, "stored_responses": stored,
              "integrity_check": integrity}
    for r in results:
        print(f"{r['phase']:<7} {r['per_second']:>7.1f}/s over {r['seconds']} s  "
              f"p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  p99 {r['p99_ms']} ms  "
              f"errors {r['errors']}")
        for e in r["error_examples"]:
            print("   ", e)
    print(f"stored responses {stored} (acknowledged {results[0]['completed']}), "
          f"integrity_check {integrity}, load average {report['load_average']}")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    ok = stored == results[0]["completed"] and all(r["errors"] == 0 for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
