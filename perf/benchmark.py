"""Benchmarks of the archive against stock Frappe and against the floor, on a dedicated site and a
private Dovecot with seeded, deterministic mailboxes. Prints one table; see README "Benchmarks".

Run through scripts/benchmark.sh (make bench [QUICK=1]); inside the bench:
	cd <bench>/sites && PYTHONPATH=<checkout> ../env/bin/python -m perf.benchmark --site S [--quick]
		[--only P13|P14|P15] [--stock-site S2: an ERPNext site without this app, for P15]

The scenarios are in perf/scenarios/, the command line in perf/runner.py.
"""

from perf.runner import main

if __name__ == "__main__":
	main()
