"""The benchmark of the archive against stock Frappe and against the floor (README "Benchmarks").

Run from the bench's sites directory with the checkout on the Python path (scripts/benchmark.sh):
	PYTHONPATH=<checkout> ../env/bin/python -m perf.benchmark --site S [--quick] [--only P13|P14|P15]

measure (timing, peak memory, bytes, the Figure of a row) ← corpus (mail) ← site (accounts, rows,
cleanup) ← processes (workers, watcher, web server) ← scenarios (one module per group of rows) ←
runner (arguments, which scenarios) → table (the printed and written table).
"""
