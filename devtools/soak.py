"""Fault soak: a mailbox of N mails, the sync worker SIGKILLed at random points, then the IMAP
connection cut at random points (through a local TCP proxy); after each fault the sync runs
again. At the end every mail must be archived exactly once: lost and duplicate counts are 0.

	scripts/soak.sh [--mails 2000] [--kills 20] [--cuts 20]        (make soak)

The tests run a short version (tests/integration/test_fault_soak.py).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage

import frappe

from crm_mail_archive.storage.files import forget_files_of
from devtools.dovecot import DovecotServer
from devtools.run import bench_execute
from devtools.tcp_proxy import CuttingProxy


@dataclass
class SoakResult:
	phase: str
	mails: int
	faults: int
	archived: int
	lost: int
	duplicates: int
	quarantined: int
	before_clean_run: int = 0  # archived when the faults were over: proof they struck mid-sync

	def line(self) -> str:
		return (
			f"{self.phase}: {self.mails} mails, {self.faults} faults ({self.before_clean_run} archived "
			f"before the clean run) → {self.archived} archived, "
			f"lost {self.lost}, duplicates {self.duplicates}, quarantined {self.quarantined}"
		)


def soak_mails(count: int, tag: str) -> list[bytes]:
	generator = random.Random(tag)
	mails = []
	for index in range(count):
		message = EmailMessage()
		message["From"] = f"Kunde {index % 31} <kunde{index % 31}@soak.example>"
		message["To"] = "vertrieb@muster-handels.example"
		message["Subject"] = f"Soak {tag} {index}"
		message["Message-ID"] = f"<soak-{tag}-{index}@soak.example>"
		message.set_content("Zeile mit etwas Text.\n" * generator.randint(20, 800))
		mails.append(bytes(message))
	return mails


def make_account(dovecot: DovecotServer, user: str, port: int) -> str:
	email_account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": user,
			"email_id": user,
			"password": dovecot.password(user),
			"email_server": "127.0.0.1",
			"use_imap": 1,
			"incoming_port": port,
			"use_ssl": 0,
			"enable_incoming": 0,
			"enable_outgoing": 0,
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Mail Archive Account",
			"email_account": email_account.name,
			"account_owner": "Administrator",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return email_account.name


def count(account: str, expected_ids: list[str], phase: str, faults: int) -> SoakResult:
	frappe.db.rollback()
	email_account = frappe.db.get_value("Mail Archive Account", account, "email_account")
	message_ids = frappe.get_all("Communication", {"email_account": email_account}, pluck="message_id")
	copies = frappe.get_all("Mailbox Copy", {"account": account}, ["uid", "status"])
	archived = set(message_ids)
	expected = {message_id.strip("<>") for message_id in expected_ids}
	return SoakResult(
		phase=phase,
		mails=len(expected),
		faults=faults,
		archived=len(archived & expected),
		lost=len(expected - archived),
		duplicates=(len(message_ids) - len(archived)) + (len(copies) - len({c.uid for c in copies})),
		quarantined=sum(1 for c in copies if c.status == "Quarantined"),
	)


def copies_of(account: str) -> int:
	frappe.db.rollback()  # see what the worker committed
	return frappe.db.count("Mailbox Copy", {"account": account})


def sync_command(site: str, account: str) -> list[str]:
	return bench_execute(site, "crm_mail_archive.accounts.syncing.sync_account", {"account_name": account})


def kill_phase(site: str, dovecot: DovecotServer, mails: int, kills: int, seed: int) -> SoakResult:
	from crm_mail_archive.accounts.syncing import AccountBusy, sync_account

	generator = random.Random(seed)
	user = dovecot.add_user(f"kill-{seed}-{int(time.time())}@soak.example", "soak")
	raws = soak_mails(mails, f"kill{seed}")
	with dovecot.session(user) as client:
		for raw in raws:
			client.append("INBOX", raw)
	account = make_account(dovecot, user, dovecot.imap_port)
	for _ in range(kills):
		stored = copies_of(account)
		worker = subprocess.Popen(
			sync_command(site, account), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
		)
		# strike mid-sync: once the worker has committed a batch, at a random moment after that
		deadline = time.monotonic() + 60
		while copies_of(account) == stored and worker.poll() is None and time.monotonic() < deadline:
			time.sleep(0.05)
		time.sleep(generator.uniform(0, 0.15))
		worker.send_signal(signal.SIGKILL)
		worker.wait()
	ids = [f"soak-kill{seed}-{index}@soak.example" for index in range(mails)]
	before = count(account, ids, "", kills).archived
	for _ in range(3):  # the dead worker's lease is taken over at once on this host
		try:
			sync_account(account)
			break
		except AccountBusy:
			time.sleep(1)
	result = count(account, ids, "SIGKILL", kills)
	result.before_clean_run = before
	return result


def cut_phase(dovecot: DovecotServer, mails: int, cuts: int, seed: int) -> SoakResult:
	from crm_mail_archive.accounts.syncing import sync_account
	from crm_mail_archive.mailbox.client import MailboxError

	generator = random.Random(seed)
	user = dovecot.add_user(f"cut-{seed}-{int(time.time())}@soak.example", "soak")
	raws = soak_mails(mails, f"cut{seed}")
	total_bytes = sum(len(raw) for raw in raws)
	with dovecot.session(user) as client:
		for raw in raws:
			client.append("INBOX", raw)
	proxy = CuttingProxy(dovecot.imap_port)
	try:
		account = make_account(dovecot, user, proxy.port)
		for _ in range(cuts):
			proxy.cut_after(generator.randint(200, max(400, total_bytes // cuts)))
			try:
				sync_account(account)
			except MailboxError:
				frappe.db.rollback()  # recorded on the account as Retrying; the next run goes on
		ids = [f"soak-cut{seed}-{index}@soak.example" for index in range(mails)]
		before = count(account, ids, "", cuts).archived
		proxy.cut_after(None)
		sync_account(account)
	finally:
		proxy.close()
	result = count(account, ids, "connection cut", proxy.cuts)
	result.before_clean_run = before
	return result


def remove_soak_accounts() -> None:
	for account in frappe.get_all("Mail Archive Account", {"name": ("like", "%@soak.example")}, pluck="name"):
		communications = frappe.get_all("Communication", {"email_account": account}, pluck="name")
		for start in range(0, len(communications), 500):
			chunk = communications[start : start + 500]
			for doctype, field in (
				("Timeline Link", "communication"),
				("Mail Address Index", "communication"),
			):
				frappe.db.delete(doctype, {field: ("in", chunk)})
			for communication in chunk:  # its attachments and original, once this is committed
				forget_files_of(communication)
			frappe.db.delete("Communication", {"name": ("in", chunk)})
		frappe.db.delete("Mailbox Copy", {"account": account})
		frappe.db.delete("Mail Archive Folder", {"parent": account})
		frappe.db.delete("Mail Archive Account", {"name": account})
		frappe.db.delete("Email Account", {"name": account})
	frappe.db.commit()


def soak(
	site: str, mails: int, kills: int, cuts: int, seed: int = 1, batch_size: int = 10
) -> list[SoakResult]:
	"""Small batches: many commit points for the faults to fall between and into."""
	dovecot = DovecotServer.start(tempfile.mkdtemp(prefix="crm-mail-archive-soak-"))
	previous_batch_size = frappe.db.get_single_value("Mail Archive Settings", "batch_size")
	frappe.db.set_single_value("Mail Archive Settings", "batch_size", batch_size)
	frappe.db.commit()
	try:
		return [kill_phase(site, dovecot, mails, kills, seed), cut_phase(dovecot, mails, cuts, seed)]
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "batch_size", previous_batch_size)
		remove_soak_accounts()
		dovecot.stop()


def main() -> None:
	import argparse

	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--mails", type=int, default=2000)
	parser.add_argument("--kills", type=int, default=20)
	parser.add_argument("--cuts", type=int, default=20)
	parser.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", "1")))
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	results = soak(args.site, args.mails, args.kills, args.cuts, args.seed)
	for result in results:
		print(result.line())
	sys.exit(0 if all(r.lost == 0 and r.duplicates == 0 for r in results) else 1)


if __name__ == "__main__":
	main()
