"""One way to put work into the background: after the caller's transaction commits (a job never
sees data that was rolled back), deduplicated when it has a job id."""

from __future__ import annotations

import frappe


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
