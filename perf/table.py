"""The benchmark's tables (Markdown): printed, written to perf/latest.md, pasted into the README."""

from __future__ import annotations

import os
import platform
from datetime import datetime

from perf.measure import Figure


def machine() -> str:
	memory_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
	cpu = next(
		(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
		platform.processor(),
	)
	return f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB RAM, Python {platform.python_version()}"


def table(mail_rows: list[Figure], worker_rows: list[Figure], quick: bool) -> str:
	"""The rows measured on both mailboxes, then the rows of operations."""
	lines = [
		f"Benchmark {'(quick: one tenth of the sizes)' if quick else '(full)'} — {datetime.now():%Y-%m-%d %H:%M}, {machine()}",
		"",
		"| # | measure | light mailbox | business mailbox | goal | met |",
		"|---|---|---|---|---|---|",
	]
	lines += [
		f"| {row.key} | {row.what} | {row.light} | {row.business} | {row.goal} | {'yes' if row.met else 'NO'} |"
		for row in mail_rows
	]
	lines += ["", "| # | measure | measured | goal | met |", "|---|---|---|---|---|"]
	lines += [
		f"| {row.key} | {row.what} | {row.light} | {row.goal} | {'yes' if row.met else 'NO'} |"
		for row in worker_rows
	]
	return "\n".join(lines)


def write_table(text: str, path: str) -> None:
	with open(path, "w") as handle:
		handle.write(text + "\n")
