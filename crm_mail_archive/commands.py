"""bench CLI:
- `bench --site S mail-archive sync [--account A] [--folder F]`
- `bench --site S mail-archive import PATH... [--account A] [--file-at DOCTYPE NAME]`
- `bench --site S mail-archive export (--doctype D --name N | --account A | --search WORDS) [--mbox | --evidence] -o FILE`
- `bench --site S mail-archive watch [--account A ...]`
- `bench --site S mail-archive seal [--until YYYY-MM-DD]`
- `bench --site S mail-archive verify [--account A] [--since YYYY-MM-DD] [--reparse [--sample N]]`
- `bench --site S mail-archive completeness [--account A]`
- `bench --site S mail-archive read-einvoices [--account A]`
"""

import os

import click
from frappe.commands import get_site, pass_context


@click.group("mail-archive")
def mail_archive():
	"""CRM Mail Archive."""


@mail_archive.command("sync")
@click.option("--account", help="Mail Archive Account (default: every enabled account)")
@click.option("--folder", help="Sync this server folder only (needs --account)")
@pass_context
def sync(context, account=None, folder=None):
	"""Sync mailboxes now and print what was imported."""
	import frappe

	from crm_mail_archive.accounts.syncing import AccountBusy, sync_account
	from crm_mail_archive.mailbox.client import MailboxError

	if folder and not account:
		raise click.UsageError("--folder needs --account")
	frappe.init(site=get_site(context))
	frappe.connect()
	failed = False
	try:
		accounts = (
			[account] if account else frappe.get_all("Mail Archive Account", {"enabled": 1}, pluck="name")
		)
		for name in accounts:
			try:
				result = sync_account(name, folder=folder)
			except AccountBusy:
				click.echo(f"{name}: another worker is syncing this account, skipped")
				continue
			except MailboxError as error:
				click.echo(f"{name}: failed: {error}", err=True)
				failed = True
				continue
			for folder_result in result.folders:
				click.echo(
					f"{name} / {folder_result.folder}: {folder_result.fetched} fetched, "
					f"{folder_result.new_communications} new, {folder_result.stored} copies stored, "
					f"{folder_result.quarantined} quarantined"
				)
	finally:
		frappe.destroy()
	if failed:
		raise SystemExit(1)


def _connect(context) -> None:
	import frappe

	frappe.init(site=get_site(context))
	frappe.connect()
	frappe.set_user("Administrator")


@mail_archive.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--account", help="Mail Archive Account to import into (default: the only one)")
@click.option("--file-at", nargs=2, metavar="DOCTYPE NAME", help="File every mail at this record too")
@pass_context
def import_mail(context, paths, account=None, file_at=None):
	"""Import .eml, .msg, .mbox and Outlook .pst/.ost files (or folders of them) into the archive."""
	import frappe

	from crm_mail_archive.mailbox.containers import mail_files
	from crm_mail_archive.transfer.imports import MailImport

	_connect(context)
	try:
		if not account:
			accounts = frappe.get_all("Mail Archive Account", pluck="name")
			if len(accounts) != 1:
				raise click.UsageError("choose the account with --account")
			account = accounts[0]
		if not frappe.db.exists("Mail Archive Account", account):
			raise click.UsageError(f"no Mail Archive Account {account}")
		if file_at and not frappe.db.exists(*file_at):
			raise click.UsageError(f"no {file_at[0]} {file_at[1]}")
		files = [
			(path, os.path.relpath(path, given) if os.path.isdir(given) else os.path.basename(path))
			for given in paths
			for path in mail_files(given)
		]

		def progress(done: int, total: int) -> None:
			click.echo(f"{done}/{total} messages", err=True)

		result = MailImport(account, tuple(file_at) if file_at else None).run(files, on_progress=progress)
		click.echo(
			f"{result.messages} messages: {result.new} new, {result.known} already archived, "
			f"{len(result.quarantined)} quarantined, {result.filed} filed at the record"
		)
		for reason in result.quarantined:
			click.echo(f"quarantined: {reason}", err=True)
	finally:
		frappe.destroy()


@mail_archive.command("export")
@click.option("--doctype", help="Export the archive of this record (with --name)")
@click.option("--name", help="The record whose archive to export")
@click.option("--account", help="Export a Mail Archive Account (or limit --search to it)")
@click.option("--search", help="Export what a search for these words finds")
@click.option("--mbox", is_flag=True, help="One mbox file (of an account) instead of a ZIP")
@click.option(
	"--evidence", is_flag=True, help="An evidence pack: originals, proofs, timestamps and an offline verifier"
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="File to write")
@pass_context
def export_mail(
	context, output, doctype=None, name=None, account=None, search=None, mbox=False, evidence=False
):
	"""Export archived mail as a ZIP of .eml files with index.csv, as an evidence pack (--evidence),
	or an account as mbox."""
	import frappe

	from crm_mail_archive.infra import audit
	from crm_mail_archive.infra.archive_files import file_sha256
	from crm_mail_archive.transfer.exports import ExportScope, export_to, log_export

	if doctype or name:
		if not (doctype and name):
			raise click.UsageError("--doctype and --name go together")
		scope = ExportScope("Record", doctype, name, search_text=search)
	elif search:
		scope = ExportScope("Search", account=account, search_text=search)
	elif account:
		scope = ExportScope("Account", account=account)
	else:
		raise click.UsageError("choose what to export: --doctype/--name, --search or --account")
	if mbox and scope.scope != "Account":
		raise click.UsageError("--mbox exports a whole account")
	if mbox and evidence:
		raise click.UsageError("choose --mbox or --evidence")
	_connect(context)
	try:
		export_format = "mbox" if mbox else "Evidence" if evidence else "ZIP"
		count, communications = export_to(scope, export_format, output, "Administrator")
		export = log_export(
			scope,
			export_format,
			"Administrator",
			status="Ready",
			mail_count=count,
			sha256=file_sha256(output),
			output_path=output[:140],
			mails="\n".join(communications),
		)
		audit.record("Exported", communications, reference=("Mail Export", export))
		frappe.db.commit()
		click.echo(f"{count} mails exported to {output}")
	finally:
		frappe.destroy()


@mail_archive.command("watch")
@click.option("--account", "accounts", multiple=True, help="Watch only this account (repeatable)")
@click.option(
	"--reload-seconds", type=float, default=60.0, hidden=True, help="Re-read the accounts this often"
)
@pass_context
def watch(context, accounts=(), reload_seconds=60.0):
	"""Watch every enabled account's Inbox and Sent with IMAP IDLE and queue a folder's sync as
	soon as new mail arrives. Runs until SIGTERM or Ctrl-C; one process per site."""
	import signal
	import threading

	import frappe

	from crm_mail_archive.accounts.idle_watcher import watch as run_watcher

	stop = threading.Event()
	for signum in (signal.SIGTERM, signal.SIGINT):
		signal.signal(signum, lambda *_: stop.set())
	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		run_watcher(stop, only_accounts=set(accounts) or None, reload_seconds=reload_seconds)
	finally:
		frappe.destroy()


@mail_archive.command("seal")
@click.option(
	"--until",
	help="Seal the days before this one (YYYY-MM-DD; default: up to yesterday, after 1 am)",
)
@pass_context
def seal_days(context, until=None):
	"""Seal the stored mail of the days not sealed yet in the hash chain (as the daily job does)."""
	import frappe

	from crm_mail_archive.integrity.seal import chain_head, seal

	_connect(context)
	try:
		made = seal(until)
		head = chain_head()
		click.echo(f"{len(made)} chain entries added")
		if head:
			click.echo(f"chain head: {head['name']} {head['chain_hash']}")
			stamp = frappe.db.get_value(
				"Mail Archive Digest", head["name"], ["timestamp_time", "timestamp_error"], as_dict=True
			)
			if stamp.timestamp_time:
				click.echo(f"chain head timestamped (RFC 3161) at {stamp.timestamp_time}")
			elif stamp.timestamp_error:
				click.echo(f"chain head not timestamped: {stamp.timestamp_error}")
	finally:
		frappe.destroy()


@mail_archive.command("verify")
@click.option("--account", help="Re-hash only this Mail Archive Account's mail (the chain is checked whole)")
@click.option("--since", help="Check chain entries and mail stored from this day on (YYYY-MM-DD)")
@click.option("--reparse", is_flag=True, help="Parse the originals again and compare them field by field")
@click.option("--sample", type=int, help="With --reparse: only this many mails, chosen at random")
@pass_context
def verify(context, account=None, since=None, reparse=False, sample=None):
	"""Verify the archive: the hash chain, its RFC 3161 timestamps, the seals, what is shown of every
	mail, and every original and attachment file re-hashed (with --reparse: every original parsed
	again and compared with what is shown). Prints each finding; exits with 1 on any finding."""
	import time

	import frappe

	from crm_mail_archive.integrity.verify import run_verification

	_connect(context)
	try:
		if account and not frappe.db.exists("Mail Archive Account", account):
			raise click.UsageError(f"no Mail Archive Account {account}")
		last_report = [0.0]

		def progress(done: int, total: int) -> None:
			if time.monotonic() - last_report[0] > 5 or done == total:
				last_report[0] = time.monotonic()
				click.echo(f"{done}/{total} mails re-hashed", err=True)

		if sample and not reparse:
			raise click.UsageError("--sample goes with --reparse")
		verification, result = run_verification(
			account, since, "Command Line", progress, reparse=reparse, sample=sample
		)
		for finding in result.findings:
			click.echo(
				f"{finding.kind}: mail {finding.communication or '-'}: file {finding.file or '-'}: "
				f"entry {finding.entry or '-'}: {finding.detail}"
			)
		click.echo(
			f"{result.mails_checked} mails, {result.files_checked} files "
			f"({result.bytes_checked / 1024 / 1024:.1f} MB) re-hashed in {result.rehash_seconds:.1f} s "
			f"({result.mails_per_second:.0f} mails/s); {result.digests_checked} chain entries checked; "
			f"{len(result.findings)} findings; chain head {result.chain_head or '-'}; "
			f"recorded as Mail Archive Verification {verification}"
		)
		if reparse:
			click.echo(f"{result.mails_reparsed} originals parsed again and compared with what is shown")
		if result.head_timestamp:
			click.echo(
				f"chain timestamped (RFC 3161) up to entry {result.head_timestamp}; "
				f"{result.heads_not_timestamped} later entries not timestamped"
			)
		else:
			click.echo("chain heads are not timestamped (set a TSA in Mail Archive Settings)")
		# the chain proves nothing archived was changed; completeness says what was not archived
		_echo_completeness([account] if account else None)
	finally:
		frappe.destroy()
	if not result.ok:
		raise SystemExit(1)


@mail_archive.command("completeness")
@click.option("--account", help="Only this Mail Archive Account (default: every account)")
@pass_context
def completeness(context, account=None):
	"""Print, per folder, what the mail server held, what is archived and what is missing with
	the reason (expunged before archived, quarantined), since when."""
	import frappe

	_connect(context)
	try:
		if account and not frappe.db.exists("Mail Archive Account", account):
			raise click.UsageError(f"no Mail Archive Account {account}")
		_echo_completeness([account] if account else None)
	finally:
		frappe.destroy()


def _echo_completeness(accounts: list[str] | None) -> None:
	import frappe

	from crm_mail_archive.integrity.completeness import account_completeness, completeness_lines

	names = accounts or frappe.get_all("Mail Archive Account", pluck="name", order_by="name asc")
	totals = {"held": 0, "archived": 0, "missing": 0}
	for name in names:
		figures = account_completeness(name)
		for line in completeness_lines(figures):
			click.echo(line)
		for key in totals:
			totals[key] += figures.total(key)
	click.echo(
		f"completeness: {len(names)} accounts, {totals['held']} mails held on the servers, "
		f"{totals['archived']} archived, {totals['missing']} missing"
	)


@mail_archive.command("read-einvoices")
@click.option("--account", help="Only this Mail Archive Account's mail (default: every account)")
@pass_context
def read_einvoices(context, account=None):
	"""Queue the reading of e-invoices in archived mail not read yet (mail archived before e-invoices
	were read): jobs of 500 mails on the bulk queue; the mails are filed at what they name."""
	import frappe

	from crm_mail_archive.filing.einvoice_backlog import queue_unread_einvoices

	_connect(context)
	try:
		if account and not frappe.db.exists("Mail Archive Account", account):
			raise click.UsageError(f"no Mail Archive Account {account}")
		mails, jobs = queue_unread_einvoices(account)
		frappe.db.commit()  # the jobs are queued when this commits
		click.echo(f"{mails} mails with attachments not read as e-invoices yet: {jobs} jobs queued")
	finally:
		frappe.destroy()


commands = [mail_archive]
