"""The benchmark of the archive against stock Frappe and against the floor (README "Benchmarks").

Run from the bench's sites directory with the checkout on the Python path (scripts/benchmark.sh):
	PYTHONPATH=<checkout> ../env/bin/python -m perf.benchmark --site S [--quick] [--only P13|P14|P15]

Imports point down only (tests/unit/test_layers.py): measure (timing, peak memory, bytes, the row),
site (accounts, users, bulk rows, cleanup), processes (Dovecot, workers, watcher, web server) ←
corpus (light, business, synthetic mail), table ← scenarios (one module per group of rows, none
importing another) ← runner (options, which scenarios) ← benchmark, profile_import (entry points).
"""
