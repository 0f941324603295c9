"""An RQ worker for one site's queues, for the tests:

	cd <bench>/sites && PYTHONPATH=<checkout> <bench>/env/bin/python -m devtools.worker --site S [--queue mail_archive_sync,short,default,long] [--burst]

The test site has a `bench_id` of its own (scripts/lib.sh: isolate_site_queues), so Frappe names
its queues `<that id>:<queue>`: its jobs never reach the development bench's worker, and this
worker takes none of the development site's. `bench worker` cannot do that: it reads only the
bench's common_site_config.json. By default it takes the syncs' own queue too (infra/jobs.py).
"""

from __future__ import annotations

import argparse

import frappe
from frappe.utils.background_jobs import generate_qname, get_redis_conn
from rq import Worker


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--queue", default="mail_archive_sync,short,default,long")
	parser.add_argument("--burst", action="store_true")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	try:
		connection = get_redis_conn()
		queues = [generate_qname(queue.strip()) for queue in args.queue.split(",") if queue.strip()]
	finally:
		frappe.destroy()
	Worker(queues, connection=connection).work(burst=args.burst, logging_level="WARNING")


if __name__ == "__main__":
	main()
