"""How a scheduled job runs: an APScheduler 3 executor that hands each job its slot time.

APScheduler's stock executors call `func(*args)` without saying which fire time is being
run; a round needs it (`scheduled_at` is part of the run's identity). This executor passes
the (coalesced) fire time as `scheduled_at=` and applies the misfire grace itself, on the
scheduler's clock.
"""

from __future__ import annotations

import logging
import sys
import traceback as tb
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.base import BaseExecutor
from apscheduler.job import Job

log = logging.getLogger("ronde.scheduler.slot_executor")


class SlotExecutor(BaseExecutor):
    """A thread pool; `job.func(*job.args, scheduled_at=<fire time>, **job.kwargs)`."""

    def __init__(self, max_workers: int = 4) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="round")

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        future = self._pool.submit(self._run, job, run_times)

        def done(f: Future[list[JobExecutionEvent]]) -> None:
            if f.cancelled():  # shutdown dropped it before it started: nothing ran
                self._run_job_success(job.id, [])
                return
            exc = f.exception()
            if exc is not None:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, f.result())

        future.add_done_callback(done)

    def _run(self, job: Job, run_times: list[datetime]) -> list[JobExecutionEvent]:
        events: list[JobExecutionEvent] = []
        store = job._jobstore_alias
        for run_time in run_times:
            late = datetime.now(UTC) - run_time
            if job.misfire_grace_time is not None and late > timedelta(
                seconds=job.misfire_grace_time
            ):
                log.warning("slot %s of %s missed by %s (past the misfire grace)",
                            run_time.isoformat(), job.id, late,
                            extra={"event": "slot_missed", "journey": job.id})
                events.append(JobExecutionEvent(EVENT_JOB_MISSED, job.id, store, run_time))
                continue
            try:
                value = job.func(*job.args, scheduled_at=run_time, **job.kwargs)
            except Exception as exc:
                log.error("job %s failed: %s", job.id, exc, exc_info=sys.exc_info())
                events.append(JobExecutionEvent(
                    EVENT_JOB_ERROR, job.id, store, run_time, exception=exc,
                    traceback="".join(tb.format_tb(exc.__traceback__)),
                ))
            else:
                events.append(
                    JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, store, run_time, retval=value)
                )
        return events

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
