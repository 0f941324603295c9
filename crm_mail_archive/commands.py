"""bench CLI: `bench --site S mail-archive sync [--account A] [--folder F]`."""

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

	from crm_mail_archive.accounts.sync import AccountBusy, sync_account
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


commands = [mail_archive]
