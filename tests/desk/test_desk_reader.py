"""A sales team's day in Debian's Chromium: an archived mail opens in a reader (nothing to edit,
no Save, the original message only as a download), the Customer's Email Archive tab previews a
mail without leaving the record and answers it from there, a Lead is created from a mail after
reviewing what its signature proposes, "File at…" offers CRM documents only, and the account shows
its health, last sync and next sync at the top. Screenshots go to tests/.artifacts/."""

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.api.filing import DEFAULT_FILE_AT
from tests.support import ARTIFACTS, a_mail, copies_of, logged_in_page, make_user, menu_item

pytestmark = pytest.mark.slow

SIGNATURE = """Guten Tag,

bitte senden Sie uns ein Angebot über 500 Frästeile aus Aluminium.

Mit freundlichen Grüßen

Anna Müller
Einkaufsleiterin
Bäckerei Schmidt GmbH
Hauptstraße 1, 10115 Berlin
Tel.: +49 30 1234567
Mobil: +49 171 7654321
www.baeckerei-schmidt.example
"""


@pytest.fixture
def mail_at_customer(dovecot, mail_user, make_archive_account, crm, desk_user):
	customer = crm.customer("Browserkunde")
	sender = crm.address("einkauf")
	contact = crm.contact([sender], links=[("Customer", customer)])
	dovecot.append(
		mail_user,
		a_mail(
			"Anfrage Frästeile",
			sender=sender,
			sender_name="Anna Müller",
			text=SIGNATURE,
			attachments=[("Zeichnung 4711.pdf", b"%PDF-1.4 Zeichnung")],
		),
	)
	account = make_archive_account(mail_user, account_owner=desk_user[0])
	sync_account(account.name)
	(copy,) = copies_of(account)
	return account, customer, contact, copy.communication, sender


def open_mail(page, web_server: str, communication: str) -> None:
	page.goto(f"{web_server}/app/communication/{quote(communication)}")
	page.locator(".mail-archive-mail").wait_for(timeout=60_000)


def test_an_archived_mail_opens_in_a_reader_with_nothing_to_edit(desk, web_server, mail_at_customer):
	account, customer, _contact, communication, sender = mail_at_customer
	open_mail(desk, web_server, communication)
	reader = desk.locator(".mail-archive-mail")
	text = reader.inner_text()
	for expected in (
		"Anfrage Frästeile",
		"Anna Müller",
		sender,
		account.email_account,
		"Inbox",  # INBOX, by its name in the user's language
		"Zeichnung 4711.pdf",
	):
		assert expected in text, expected
	customer_name = frappe.db.get_value("Customer", customer, "customer_name")
	assert customer_name in reader.locator(".mail-archive-filings").inner_text()
	# the raw message is no attachment here, nor in the sidebar
	assert ".eml" not in reader.locator(".mail-archive-attachments").inner_text()
	assert desk.locator(".form-attachments:visible").count() == 0
	# nothing to edit, nothing to save: the primary action is Reply
	assert (
		desk.evaluate(
			"() => cur_frm.page.btn_primary.is(':visible') && cur_frm.page.btn_primary.text().trim()"
		)
		== "Reply"
	)
	editable = desk.locator(
		".form-layout input:visible:not([readonly]):not([disabled]), .form-layout textarea:visible"
	)
	assert editable.count() == 0
	assert menu_item(desk, "Actions", "Download Original (.eml)").count() == 1
	desk.keyboard.press("Escape")
	ARTIFACTS.mkdir(exist_ok=True)
	desk.screenshot(path=str(ARTIFACTS / "communication-reader.png"))


def test_the_tab_previews_a_mail_and_answers_it_without_leaving_the_customer(
	desk, web_server, mail_at_customer
):
	_account, customer, _contact, communication, sender = mail_at_customer
	desk.goto(f"{web_server}/app/customer/{quote(customer)}")
	desk.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	desk.locator(".mail-archive-row").first.wait_for(timeout=30_000)
	headers = desk.locator(".mail-archive-table thead th").all_inner_texts()
	assert [h.strip() for h in headers if h.strip()] == ["Date", "Subject", "From / To", "Source"]
	assert desk.locator(".mail-archive-count").inner_text() == "1 mail, 1 unread"
	assert "Zeichnung 4711.pdf" in desk.locator(".mail-archive-row").inner_text()

	desk.locator(".mail-archive-row").first.click()
	preview = desk.locator(".mail-archive-preview")
	preview.locator(".mail-archive-mail").wait_for(timeout=30_000)
	assert "bitte senden Sie uns ein Angebot" in preview.inner_text()
	assert "/app/customer/" in desk.url  # still on the customer
	desk.screenshot(path=str(ARTIFACTS / "customer-email-archive-preview.png"))

	preview.locator(".mail-archive-reply").click()
	desk.wait_for_function("() => window.cur_dialog && cur_dialog.fields_dict.recipients", timeout=30_000)
	assert desk.evaluate("() => cur_dialog.get_value('subject')") == "Re: Anfrage Frästeile"
	assert sender in desk.evaluate("() => cur_dialog.get_value('recipients')")
	desk.screenshot(path=str(ARTIFACTS / "customer-email-archive-quick-reply.png"))
	desk.keyboard.press("Escape")

	# filters: nothing sent yet, so "Sent" finds nothing, and says so (not "nothing filed")
	desk.locator(".mail-archive-filter[data-filter='direction']").select_option("Sent")
	desk.locator(".mail-archive-empty", has_text="No mail matches").wait_for(timeout=30_000)
	desk.locator(".mail-archive-filter[data-filter='direction']").select_option("")
	desk.locator(".mail-archive-row").first.wait_for(timeout=30_000)
	# the keyboard: down, then Enter opens the preview
	desk.locator(".mail-archive-preview").evaluate("(node) => node.innerHTML = ''")
	desk.locator(".mail-archive-list").focus()
	desk.keyboard.press("ArrowDown")
	desk.keyboard.press("Enter")
	desk.locator(".mail-archive-preview .mail-archive-mail").wait_for(timeout=30_000)
	assert desk.locator(f".mail-archive-row.active[data-name='{communication}']").count() == 1


def test_a_lead_is_created_from_a_mail_after_reviewing_what_its_signature_proposes(
	desk, web_server, mail_at_customer, committed_cleanup
):
	_account, _customer, _contact, communication, sender = mail_at_customer
	# a new address, so the Lead is new
	frappe.db.set_value("Contact Email", {"email_id": sender}, "email_id", f"alt-{sender}")
	frappe.db.commit()
	open_mail(desk, web_server, communication)
	menu_item(desk, "Create", "Lead").click()
	desk.wait_for_function("() => window.cur_dialog && cur_dialog.fields_dict.company_name", timeout=30_000)
	proposed = desk.evaluate("() => cur_dialog.get_values()")
	assert proposed["first_name"] == "Anna" and proposed["last_name"] == "Müller"
	assert proposed["company_name"] == "Bäckerei Schmidt GmbH"
	assert proposed["phone"] == "+49 30 1234567" and proposed["mobile_no"] == "+49 171 7654321"
	assert proposed["email_id"] == sender
	desk.screenshot(path=str(ARTIFACTS / "create-lead-review.png"))
	desk.evaluate("() => cur_dialog.set_value('job_title', 'Leiterin Einkauf')")
	desk.locator(".modal.show .btn-primary", has_text="Create and File").click()
	desk.wait_for_url("**/app/lead/**", timeout=30_000)
	lead = desk.url.rstrip("/").split("/")[-1]
	committed_cleanup("Lead", lead)
	frappe.db.rollback()
	for contact in frappe.get_all(
		"Dynamic Link", {"parenttype": "Contact", "link_doctype": "Lead", "link_name": lead}, pluck="parent"
	):
		committed_cleanup("Contact", contact)
	values = frappe.db.get_value(
		"Lead", lead, ["company_name", "phone", "job_title", "email_id"], as_dict=True
	)
	assert values == {
		"company_name": "Bäckerei Schmidt GmbH",
		"phone": "+49 30 1234567",
		"job_title": "Leiterin Einkauf",
		"email_id": sender,
	}
	assert (
		frappe.db.get_value(
			"Timeline Link",
			{"communication": communication, "link_doctype": "Lead", "link_name": lead},
			"source",
		)
		== "Created From"
	)


def test_file_at_offers_crm_documents_only_and_never_creates_one(desk, web_server, mail_at_customer):
	_account, _customer, _contact, communication, _sender = mail_at_customer
	open_mail(desk, web_server, communication)
	desk.locator("button", has_text="File at…").first.click()
	desk.wait_for_function("() => window.cur_dialog && cur_dialog.fields_dict.doctype", timeout=30_000)
	options = desk.evaluate(
		"() => [...cur_dialog.fields_dict.doctype.$input.find('option')].map((o) => o.value)"
	)
	configured = (frappe.db.get_single_value("Mail Archive Settings", "file_at_doctypes") or "").splitlines()
	configured = configured or list(DEFAULT_FILE_AT)
	# the configured CRM document types the user may write, in that order, and nothing else
	assert options[:4] == ["Customer", "Contact", "Lead", "Opportunity"]
	assert set(options) <= set(configured) and "DocType" not in options and "Access Log" not in options
	desk.locator(".modal.show input[data-fieldname='name']").press_sequentially("Browserkunde", delay=50)
	desk.locator(".modal.show .awesomplete [role=option]").first.wait_for(timeout=30_000)
	suggestions = desk.locator(".modal.show .awesomplete [role=option]").all_inner_texts()
	assert any("Browserkunde" in s for s in suggestions)
	assert not [s for s in suggestions if "Create a new" in s]
	desk.screenshot(path=str(ARTIFACTS / "communication-file-at-dialog.png"))


def test_the_account_shows_health_last_and_next_sync_at_the_top_also_to_its_owner(
	browser, web_server, dovecot, mail_user, make_archive_account, committed_cleanup
):
	password = f"Pw-{uuid.uuid4().hex}"
	owner = make_user("Sales User", password=password)
	frappe.db.commit()
	committed_cleanup("User", owner)
	dovecot.append(mail_user, a_mail("Status"))
	account = make_archive_account(mail_user, account_owner=owner)
	sync_account(account.name)
	page = logged_in_page(browser, web_server, (owner, password))
	try:
		page.goto(f"{web_server}/app/mail-archive-account/{quote(account.name)}")
		page.locator(".mail-archive-health").wait_for(timeout=60_000)
		status = page.locator(".mail-archive-status")
		text = status.inner_text()
		assert "OK" in text and "Last sync" in text and "Next sync" in text
		# what the last sync brought (a development bench's scheduler may have run one more since)
		frappe.db.rollback()
		new, quarantined = frappe.db.get_value(
			"Mail Archive Account", account.name, ["last_sync_new_mails", "last_sync_quarantined"]
		)
		expected = "1 new e-mail" if new == 1 else f"{new} new e-mails"
		assert (
			page.locator(".mail-archive-last-result").inner_text() == f"{expected}, {quarantined} quarantined"
		)
		# the owner reads the account and may sync it, but not change its settings
		assert page.locator("button", has_text="Sync Now").count() >= 1
		assert page.evaluate("() => cur_frm.perm[0].write") in (0, None, False)
		page.screenshot(path=str(ARTIFACTS / "mail-archive-account-status.png"))
	finally:
		page.context.close()


def test_a_german_sales_user_reads_and_files_in_german(browser, web_server, mail_at_customer, desk_user):
	_account, customer, _contact, communication, _sender = mail_at_customer
	email, _password = desk_user
	frappe.db.set_value("User", email, "language", "de")
	frappe.db.commit()
	frappe.clear_cache(user=email)
	page = logged_in_page(browser, web_server, desk_user, locale="de-DE")
	try:
		open_mail(page, web_server, communication)
		assert page.evaluate("() => cur_frm.page.btn_primary.text().trim()") == "Antworten"
		for label in ("Allen antworten", "Weiterleiten", "Ablegen bei…"):
			assert page.locator("button", has_text=label).count() >= 1, label
		assert "Abgelegt bei" in page.locator(".mail-archive-state").inner_text()
		page.screenshot(path=str(ARTIFACTS / "communication-reader-de.png"))

		page.goto(f"{web_server}/app/customer/{quote(customer)}")
		tab = page.locator("button.nav-link[data-fieldname='mail_archive_tab']")
		tab.wait_for(timeout=60_000)
		assert tab.inner_text().startswith("E-Mail-Archiv")
		tab.click()
		page.locator(".mail-archive-row").first.wait_for(timeout=30_000)
		# (read by now: its holder opened it in the reader above)
		assert page.locator(".mail-archive-count").inner_text().startswith("1 E-Mail")
		page.screenshot(path=str(ARTIFACTS / "customer-email-archive-de.png"))

		page.goto(f"{web_server}/app/mail-archive")
		shortcut = page.locator(".widget.shortcut-widget-box", has_text="Nicht abgelegte E-Mails").first
		shortcut.wait_for(timeout=60_000)
		page.wait_for_timeout(1500)  # the counts load after the cards
		# every card's badge fits inside its card
		overflowing = page.evaluate(
			"""() => [...document.querySelectorAll('.shortcut-widget-box')].filter((card) => {
				const box = card.getBoundingClientRect();
				return [...card.querySelectorAll('*')].some((el) => el.getBoundingClientRect().right > box.right + 1);
			}).map((card) => card.innerText)"""
		)
		assert overflowing == []
		page.screenshot(path=str(ARTIFACTS / "mail-archive-workspace-de.png"))
	finally:
		page.context.close()
		frappe.db.set_value("User", email, "language", None)
		frappe.db.commit()


def test_the_unfiled_shortcut_lists_unfiled_mail_with_sender_and_date_columns(
	desk, web_server, mail_at_customer, dovecot, mail_user
):
	account, _customer, _contact, filed, _sender = mail_at_customer
	dovecot.append(mail_user, a_mail("Niemandes Post", sender="fremd@unbekannt.example"))
	sync_account(account.name)
	unfiled = frappe.get_all(
		"Communication", {"email_account": account.email_account, "name": ("!=", filed)}, pluck="name"
	)[0]
	assert frappe.db.get_value("Communication", unfiled, "mail_archive_filing") == "Unfiled"
	desk.goto(f"{web_server}/app/mail-archive")
	desk.locator(".shortcut-widget-box", has_text="Unfiled Mail").first.click(timeout=60_000)
	desk.wait_for_url("**/app/communication**", timeout=30_000)
	desk.locator(f".list-row-container [data-name='{unfiled}']").first.wait_for(timeout=30_000)
	assert desk.locator(f".list-row-container [data-name='{filed}']").count() == 0
	assert desk.evaluate(
		"() => cur_list.filters.some((f) => f[1] === 'mail_archive_filing' && f[3] === 'Unfiled')"
	)
	columns = [c.strip() for c in desk.locator(".list-row-head .list-row-col").all_inner_texts()]
	assert "From Full Name" in columns, columns
	assert any("Date" in c for c in columns), columns
	assert not any("Comment Type" in c for c in columns), columns
	desk.screenshot(path=str(ARTIFACTS / "communication-list-unfiled.png"))


def test_blocking_a_customers_domain_warns_what_it_takes_away(
	desk, web_server, mail_at_customer, committed_cleanup
):
	_account, customer, _contact, _communication, sender = mail_at_customer
	domain = sender.split("@")[1]
	desk.goto(f"{web_server}/app/archive-blocklist/new")
	desk.locator("select[data-fieldname='entry_type']").wait_for(timeout=60_000)
	desk.locator("select[data-fieldname='entry_type']").select_option("Domain")
	desk.locator("input[data-fieldname='value']").fill(domain)
	desk.keyboard.press("Control+s")
	dialog = desk.locator(".modal.show", has_text="Block it anyway?")
	dialog.wait_for(timeout=30_000)
	text = dialog.inner_text()
	assert customer in text and "takes away 2 automatic filings" in text
	desk.screenshot(path=str(ARTIFACTS / "archive-blocklist-warning.png"))
	dialog.locator(".btn-modal-secondary, .btn-secondary", has_text="No").first.click()
	frappe.db.rollback()
	assert not frappe.db.exists("Archive Blocklist", {"value": domain})
