"""The bot's timed work, owned by the composition root: the outbox's retries and the due-work sweep.

A plain asyncio loop per job rather than APScheduler (or PTB's JobQueue, which wraps it), so a
centre without a Telegram Application runs the same sweep and the same outbox retries. Two
fixed intervals need none of APScheduler's triggers or job stores (the ledger's `job_runs` is
the only record of work done, so a restart at any moment re-runs nothing), and its 3.x asyncio
executor cannot await a running job at shutdown: it cancels it, which PTB worked around by
reaching into its private futures. Here a stop lets the running pass finish, then ends.

Each job waits on the event loop's monotonic clock (a wall-clock jump, or the sandbox moving
the ledger's clock, neither bunches nor skips runs): its first run after `first` seconds, then
every `every` seconds. A run that outlasts its interval is followed by one more run at once,
however many were missed (coalesced), and never overlaps itself: the timed runs and `run_now`
(the sandbox's time travel) take the same per-job lock. A failed run is reported and the job
goes on at its next time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot import heap
from bot.jobs import Services, deliver, sweep

log = logging.getLogger(__name__)

#: Seconds between outbox passes that retry what is due (429 waits, 5xx, lost connections).
OUTBOX_INTERVAL = 15.0
#: Seconds after start of the first outbox pass.
OUTBOX_FIRST = 1.0
#: Seconds between due-work sweeps.
SWEEP_INTERVAL = 300.0
#: Seconds after start of the first sweep (it catches up on whatever downtime left due).
SWEEP_FIRST = 2.0

OnError = Callable[[Exception], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Job:
    """One piece of timed work: its name, its interval, its first run's delay, the work."""

    name: str
    every: float
    first: float
    work: Callable[[], Awaitable[object]]


class Scheduler:
    """Runs each job on its interval until stopped; one run of a job at a time."""

    def __init__(self, jobs: Iterable[Job], on_error: OnError | None = None) -> None:
        self._jobs = {job.name: job for job in jobs}
        self._locks = {name: asyncio.Lock() for name in self._jobs}
        self._on_error = on_error
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def running(self) -> bool:
        """Whether the jobs are being run on their intervals."""
        return bool(self._tasks) and not self._stopping.is_set()

    def start(self) -> None:
        """Starts every job's loop (called once the application runs)."""
        if self._tasks:
            raise RuntimeError("the scheduler was already started")
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._repeat(job), name=f"scheduler:{job.name}")
            for job in self._jobs.values()
        ]

    async def stop(self) -> None:
        """Stops the loops: a run in progress finishes, no new one starts."""
        self._stopping.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run_now(self, name: str) -> None:
        """Runs a job at once, after any run of it in progress; its errors are the caller's."""
        async with self._locks[name]:
            await self._jobs[name].work()

    async def _repeat(self, job: Job) -> None:
        """A job's loop: wait for its time, run it, reckon the next time."""
        loop = asyncio.get_running_loop()
        due = loop.time() + job.first
        while await self._pause(due - loop.time()):
            await self._run(job)
            due = max(due + job.every, loop.time())  # runs missed meanwhile collapse into one

    async def _pause(self, seconds: float) -> bool:
        """Waits `seconds`; False if the scheduler is stopped meanwhile."""
        if self._stopping.is_set():
            return False
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=max(seconds, 0.0))
        except TimeoutError:
            return True
        return False

    async def _run(self, job: Job) -> None:
        """One timed run; a failure is logged and reported, and the loop goes on."""
        try:
            await self.run_now(job.name)
        except Exception as error:
            log.exception("scheduled %s failed; it runs again in %.0f s", job.name, job.every)
            if self._on_error is not None:
                try:
                    await self._on_error(error)
                except Exception:
                    log.exception("could not report the failure of scheduled %s", job.name)


def timed_work(services: Services, on_error: OnError | None = None) -> Scheduler:
    """The bot's scheduler: outbox retries every 15 s from 1 s after start, the sweep every
    5 minutes from 2 s after start, at the ledger's clock (the sandbox's clock moves it)."""

    async def retry_outbox() -> None:
        """Retries what is due in the outbox (429 waits, 5xx, lost connections)."""
        await deliver(services.courier)

    async def sweep_now() -> None:
        """One sweep at the ledger's now; what its figures and documents took is given back."""
        try:
            await sweep(services.db.clock(), services)
        finally:
            heap.trim()

    return Scheduler(
        [
            Job("outbox", OUTBOX_INTERVAL, OUTBOX_FIRST, retry_outbox),
            Job("sweep", SWEEP_INTERVAL, SWEEP_FIRST, sweep_now),
        ],
        on_error=on_error,
    )
