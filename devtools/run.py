"""Run a development tool's function on a site, the way `bench execute` would (which only runs
functions of installed apps, and devtools/ is not one):

	cd <bench>/sites && PYTHONPATH=<checkout> <bench>/env/bin/python -m devtools.run --site S devtools.demo.setup_demo
"""

from __future__ import annotations

import argparse
import importlib
import json

import frappe


def bench_execute(site: str, method: str, kwargs: dict) -> list[str]:
	"""The command line of `bench --site S execute <app's method> --kwargs {...}` with this Python
	(a process of its own beside the measured or tested ones)."""
	import sys

	return [
		sys.executable,
		*("-m", "frappe.utils.bench_helper", "frappe", "--site", site, "execute", method),
		*("--kwargs", json.dumps(kwargs)),
	]


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("function", help="dotted path of a function in devtools")
	parser.add_argument("--kwargs", default="{}", help="JSON object of keyword arguments")
	args = parser.parse_args()
	module, _, name = args.function.rpartition(".")
	if not module.startswith("devtools."):
		parser.error("only functions of devtools/ (for an app's function use `bench execute`)")
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		result = getattr(importlib.import_module(module), name)(**json.loads(args.kwargs))
		frappe.db.commit()
		if result is not None:
			print(json.dumps(result, default=str))
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()
