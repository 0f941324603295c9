"""Where the import's time goes: archive a mailbox of business mail (perf/corpus.py, or the
light benchmark mailbox) under cProfile on the benchmark site and print the functions that cost
most, by own time and by cumulative time.

	cd <bench>/sites && PYTHONPATH=<checkout> ../env/bin/python -m perf.profile_import \
		--site bench.mail-archive.localhost [--mails 300] [--light]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--mails", type=int, default=300)
	parser.add_argument("--light", action="store_true", help="the light benchmark mailbox instead")
	parser.add_argument("--top", type=int, default=35)
	parser.add_argument("--no-profile", action="store_true", help="time it only")
	parser.add_argument("--save", help="write the profile to this file (for pstats)")
	args = parser.parse_args()

	import frappe

	from devtools.dovecot import DovecotServer
	from devtools.soak import make_account
	from perf.corpus import business_mailbox, fill_mailbox, mail_corpus
	from perf.measure import stored_bytes
	from perf.site import remove_account

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	dovecot = DovecotServer.start(tempfile.mkdtemp(prefix="crm-mail-archive-profile-"))
	account = None
	try:
		user = dovecot.add_user(f"profile-{int(time.time())}@bench.example", "bench")
		mails = (mail_corpus if args.light else business_mailbox)(args.mails, 5, "profile.example", [])
		raw_bytes = sum(len(mail) for mail in mails)
		fill_mailbox(dovecot, user, mails)
		account = make_account(dovecot, user, dovecot.imap_port)

		from crm_mail_archive.accounts.syncing import sync_account

		profile = cProfile.Profile()
		started = time.perf_counter()
		if not args.no_profile:
			profile.enable()
		while sync_account(account).stored:
			pass
		profile.disable()
		seconds = time.perf_counter() - started
		stored = stored_bytes(account)
		print(
			f"{len(mails)} mails, {raw_bytes / 1e6:.1f} MB: {seconds:.1f} s under the profiler "
			f"({len(mails) / seconds:.1f} mails/s); stored {stored / 1e6:.1f} MB "
			f"({stored / raw_bytes:.2f}× the raw mail)"
		)
		if args.save and not args.no_profile:
			profile.dump_stats(args.save)
		for order in () if args.no_profile else ("tottime", "cumulative"):
			out = io.StringIO()
			pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
			print(out.getvalue()[-12000:])
	finally:
		if account:
			remove_account(account)
		dovecot.stop()
		frappe.destroy()


if __name__ == "__main__":
	main()
