"""Import and export in the desk: files dropped on the tab are imported and filed, the archive is
exported, and nothing of a hostile mail runs."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from urllib.parse import quote

import frappe

from tests.support import (
	ARTIFACTS,
	a_mail,
	close_dialogs,
	copies_of,
	import_result,
	logged_in_page,
	make_user,
	run_background_jobs,
)


def test_files_dropped_in_the_tab_are_imported_and_filed_and_the_archive_exported_without_running_mail(
	browser, web_server, socketio, dovecot, mail_user, make_archive_account, crm, committed_cleanup, tmp_path
):
	# a salesperson who holds one mailbox: the files go into it without a question
	password = f"Pw-{frappe.generate_hash(length=16)}"
	seller = make_user("Sales User", "Sales Manager", password=password, first_name="Sina")
	committed_cleanup("User", seller)
	desk_user = (seller, password)
	customer = crm.customer("Desk-Importkunde")
	sender = crm.address("desk")
	crm.contact([sender], links=[("Customer", customer)])
	account = make_archive_account(mail_user, account_owner=desk_user[0])
	hostile_subject = "<img src=x onerror=window.__hit=1> Altes Angebot"
	good = tmp_path / "altes-angebot.eml"
	good.write_bytes(a_mail(hostile_subject, sender=sender, sender_name="<svg/onload=window.__hit=2> Alt"))
	broken = tmp_path / "<img src=z onerror=window.__hit=3>.eml"
	broken.write_bytes(b"nothing of a mail\n")
	frappe.db.commit()

	page = logged_in_page(browser, web_server, desk_user)
	dialogs: list[str] = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	page.goto(f"{web_server}/app/customer/{quote(customer)}")
	page.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	page.locator(".mail-archive-empty").wait_for(timeout=30_000)
	with page.expect_file_chooser() as chooser:
		page.locator(".mail-archive-import").click()
	chooser.value.set_files([str(good), str(broken)])
	result = import_result(page)  # the import runs in the test's burst worker
	text = result.inner_text()
	assert "2 e-mails read from the files: 1 new, 0 already in the archive." in text
	assert "1 filed here." in text and "1 could not be read" in text
	reason = page.locator(".mail-import-reason").first.inner_text()
	# the file name (as Frappe's upload kept it: without the handler), shown as text
	assert '<img src="z">.eml: no e-mail headers (From, To, Subject, Date) found.' in reason
	assert page.locator(".modal:visible").locator("img, [onerror], [onload]").count() == 0
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "email-archive-import.png"))
	# the result is read: close it (and a progress dialog that may still be fading out)
	close_dialogs(page)

	row = page.locator(".mail-archive-row").first
	row.wait_for(timeout=30_000)
	assert hostile_subject in row.inner_text()
	assert row.locator("img, script, [onerror], [onload]").count() == 0
	(copy,) = copies_of(account, status="Stored")
	assert (
		frappe.db.get_value(
			"Timeline Link",
			{"communication": copy.communication, "link_doctype": "Customer", "link_name": customer},
			"source",
		)
		== "Manual"
	)  # dropped there by hand (the automatic filing found it too)
	assert not frappe.db.exists(
		"File", {"file_name": "altes-angebot.eml", "attached_to_name": ("is", "not set")}
	)

	page.locator(".mail-archive-export").click()
	download_link = page.locator(".mail-export-download")
	for _attempt in range(20):
		run_background_jobs()
		try:
			download_link.wait_for(timeout=3_000)
			break
		except Exception:
			continue
	with page.expect_download() as download:
		download_link.click()
	saved = tmp_path / "export.zip"
	download.value.save_as(saved)
	with zipfile.ZipFile(saved) as archive:
		(row,) = csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig")))
		assert row["subject"] == hostile_subject
		assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]
		assert archive.read(row["file"]) == good.read_bytes()
	frappe.db.commit()  # a fresh snapshot: the export was logged by the web server and a worker
	assert frappe.db.get_value("Mail Export", {"owner": desk_user[0]}, "mail_count") == 1
	assert page.evaluate("() => window.__hit") is None and dialogs == [] and errors == []
	page.context.close()
	frappe.db.delete("Mail Export", {"owner": desk_user[0]})
	frappe.db.commit()
