"""What a benchmark row is made of: timings, peak memory, bytes stored, and the row itself."""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass

from crm_mail_archive.infra.chunks import chunked


@dataclass
class Figure:
	"""One row of the table: a measure, what was measured on each mailbox, the goal, met or not."""

	key: str
	what: str
	light: str
	business: str
	goal: str
	met: bool


def timed(function, repeat: int = 1) -> float:
	"""The median seconds of `repeat` calls."""
	times = []
	for _ in range(repeat):
		started = time.perf_counter()
		function()
		times.append(time.perf_counter() - started)
	return statistics.median(times)


def log(text: str) -> None:
	print(f"  … {text}", file=sys.stderr, flush=True)


# --- memory (each import in a fresh process: its own peak RSS) ---------------------------------


def peak_rss_mb(pid: int | str = "self") -> float:
	"""The process's peak resident memory since it started its program (VmHWM). Not getrusage's
	maxrss: that also counts the memory of the parent the process was forked from."""
	with open(f"/proc/{pid}/status") as status:
		line = next(line for line in status if line.startswith("VmHWM:"))
	return int(line.split()[1]) / 1024


class ChildrenPeakRss:
	"""The peak memory of the processes this one starts (the parsing process of
	sync/pipeline.py), read every 100 ms while they live: the peak is kept by the kernel, so only
	growth in a process's last 100 ms can be missed."""

	def __init__(self):
		import psutil

		self.me = psutil.Process()
		self.peaks: dict[int, float] = {}
		self.done = threading.Event()
		self.thread = threading.Thread(target=self.watch, daemon=True)
		self.thread.start()

	def watch(self) -> None:
		while not self.done.wait(0.1):
			for process in self.me.children(recursive=True):
				try:
					self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), peak_rss_mb(process.pid))
				except (OSError, StopIteration):
					pass  # it has just ended: its last reading stands

	def stop(self) -> float:
		self.done.set()
		self.thread.join()
		return max(self.peaks.values(), default=0.0)


# --- bytes ----------------------------------------------------------------------------------


def stored_bytes(email_account: str) -> int:
	"""What the archive keeps of an account's mail: the files on disk (attachments and originals,
	each distinct file once) and the mail text in the database (the HTML and the plain text of the
	Communication, and the words of the mail and its attachments in the search index)."""
	import frappe

	from crm_mail_archive.infra import archive_files

	communications = frappe.get_all(
		"Communication", {"email_account": email_account}, ["name", "mail_archive_raw_file"]
	)
	urls = {row.mail_archive_raw_file for row in communications if row.mail_archive_raw_file}
	text = 0
	for chunk in chunked([row.name for row in communications]):
		urls.update(frappe.get_all("Mail Attachment", {"communication": ("in", chunk)}, pluck="stored_file"))
		text += frappe.db.sql(
			"""select coalesce(sum(length(content)), 0) + coalesce(sum(length(text_content)), 0)
			from `tabCommunication` where name in %(names)s""",
			{"names": chunk},
		)[0][0]
		text += frappe.db.sql(
			"""select coalesce(sum(length(mail_text)), 0) + coalesce(sum(length(attachment_text)), 0)
			from `tabMail Search Text` where name in %(names)s""",
			{"names": chunk},
		)[0][0]
	files = sum(os.path.getsize(archive_files.path_of(reference)) for reference in urls if reference)
	return int(files + text)


def server_bytes(dovecot, user: str) -> int:
	"""The mails' size as the server holds them (RFC822.SIZE)."""
	with dovecot.session(user) as client:
		client.select_folder("INBOX", readonly=True)
		uids = client.search(["ALL"])
		return sum(data[b"RFC822.SIZE"] for data in client.fetch(uids, [b"RFC822.SIZE"]).values())
