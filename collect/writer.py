"""One writer per server process: write jobs run on one connection, several per transaction.

Each request that changes the database hands the :class:`Writer` a *job*, a function of a
connection. The writer thread takes every job waiting (up to ``max_batch``), runs each inside
its own SAVEPOINT of one transaction and commits once: the commit's fsync is shared by the
batch ("group commit"), so ``synchronous=FULL`` costs one disk flush per batch, not per
response. A job's reply is handed back only after the commit has returned, so a 2xx is never
sent for a write that could still be lost.

A job that returns :class:`Undo` has its savepoint rolled back and the reply inside handed
back (a refusal after partial writes); a job that hits a unique-constraint race (another
process inserted the same key first) is rolled back to its savepoint and run again, and then
sees the other row. Should the commit itself fail, every job of the batch is run again on its
own, so one bad job cannot sink the others.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

Job = Callable[[Connection], Any]


@dataclass(frozen=True)
class Undo:
    """Returned by a job: roll back its writes and reply with ``reply``."""

    reply: Any


class Writer:
    """A thread that runs write jobs on ``engine`` in batches (see the module docstring)."""

    def __init__(self, engine: Engine, max_batch: int = 64, retries: int = 3):
        self.engine = engine
        self.max_batch = max_batch
        self.retries = retries
        self._queue: queue.SimpleQueue[tuple[Job, Future] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="engagekit-writer",
                                         daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> Future:
        fut: Future = Future()
        self._queue.put((job, fut))
        return fut

    async def run(self, job: Job) -> Any:
        """Run ``job`` on the writer and wait for its committed reply."""
        return await asyncio.wrap_future(self.submit(job))

    def call(self, job: Job) -> Any:
        """Run ``job`` on the writer and block until its committed reply (for sync code)."""
        return self.submit(job).result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    # ---- the writer thread ---------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
            self._run(batch)

    def _one(self, conn: Connection, job: Job) -> tuple[bool, Any]:
        """Run ``job`` in a savepoint; (True, reply) or (False, exception)."""
        for attempt in range(self.retries + 1):
            sp = conn.begin_nested()
            try:
                reply = job(conn)
            except IntegrityError as e:
                sp.rollback()
                if attempt == self.retries:
                    return False, e
                continue
            except Exception as e:  # noqa: BLE001 - handed to the request that sent the job
                sp.rollback()
                return False, e
            if isinstance(reply, Undo):
                sp.rollback()
                return True, reply.reply
            sp.commit()
            return True, reply
        raise AssertionError("unreachable")

    def _run(self, batch: list[tuple[Job, Future]]) -> None:
        live = [(job, fut) for job, fut in batch if fut.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            with self.engine.connect() as conn, conn.begin():
                outcomes = [self._one(conn, job) for job, _ in live]
        except (OperationalError, DBAPIError) as e:
            if len(live) == 1:
                live[0][1].set_exception(e)
                return
            for job, fut in live:  # the commit failed: each job again, on its own
                try:
                    with self.engine.connect() as conn, conn.begin():
                        ok, value = self._one(conn, job)
                except Exception as e2:  # noqa: BLE001
                    ok, value = False, e2
                (fut.set_result if ok else fut.set_exception)(value)
            return
        except Exception as e:  # noqa: BLE001 - never let the writer thread die
            for _, fut in live:
                fut.set_exception(e)
            return
        for (_, fut), (ok, value) in zip(live, outcomes, strict=True):
            (fut.set_result if ok else fut.set_exception)(value)
