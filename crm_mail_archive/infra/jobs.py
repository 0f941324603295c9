"""One way to put work into the background: after the caller's transaction commits (a job never
sees data that was rolled back), deduplicated when it has a job id.

The queues (README "Queues and workers"): live work never waits behind bulk work.
- SYNC_QUEUE: IDLE-triggered and scheduled syncs only, with a worker of its own. Declared the
  Frappe way, in the bench's common_site_config.json (`workers`); where a bench has not declared it
  the syncs fall back to "long" (they still run, but may wait behind bulk work).
- "default": short follow-ups of live work (attachment words of synced mail, server actions).
- BULK_QUEUE: imports, exports, purge, retroactive filing, blocklist re-filing, attachment words of
  imports — batched, never one job per mail."""

from __future__ import annotations

import frappe

SYNC_QUEUE = "mail_archive_sync"
BULK_QUEUE = "long"
LIVE_QUEUE = "default"
# what scripts/lib.sh declares in common_site_config.json (`workers`): the sync's own queue
SYNC_QUEUE_CONFIG = {SYNC_QUEUE: {"timeout": 3600}}


def sync_queue() -> str:
	"""The queue the syncs go to: their own where the bench declares it, else "long"."""
	from frappe.utils.background_jobs import get_queues_timeout

	return SYNC_QUEUE if SYNC_QUEUE in get_queues_timeout() else BULK_QUEUE


def enqueue(
	method: str, *, queue: str = "default", job_id: str | None = None, timeout: int | None = None, **kwargs
) -> None:
	frappe.enqueue(
		method,
		queue=queue,
		job_id=job_id,
		deduplicate=bool(job_id),
		timeout=timeout,
		enqueue_after_commit=True,
		**kwargs,
	)
