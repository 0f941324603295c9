"""Stock's Reply All from a Customer's timeline, on a mail stored as its true text: the composer
addresses the right people, and the hostile subject and names stay text."""

from urllib.parse import quote

from frappe.utils import parse_addr, split_emails


def test_stock_reply_all_from_the_customer_timeline_addresses_the_right_people(
	browser, web_server, socketio, named_mail
):
	from tests.support import logged_in_page

	page = logged_in_page(browser, web_server, named_mail["holder"], locale="de-DE")
	page.add_init_script("window.__hit = 0;")
	dialogs: list[str] = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	try:
		page.goto(f"{web_server}/app/customer/{quote(named_mail['customer'])}")
		box = page.locator(".timeline-message-box", has_text="Angebot").first
		box.wait_for(timeout=60_000)
		# the subject and the sender's name are shown as text
		assert "<img src=x onerror=window.__hit=1> Angebot" in box.inner_text()
		box.locator(".reply-all").first.click(force=True)
		page.wait_for_function(
			"() => window.cur_dialog && cur_dialog.fields_dict.cc && cur_dialog.display", timeout=30_000
		)
		values = page.evaluate(
			"() => ({recipients: cur_dialog.get_value('recipients'), cc: cur_dialog.get_value('cc')})"
		)
		assert page.evaluate("() => window.__hit") == 0
	finally:
		page.context.close()
	assert parse_addr(values["recipients"].strip(", "))[1] == named_mail["sender"]
	cc = split_emails(values["cc"])
	assert named_mail["colleague"] in cc and named_mail["third"] in cc
	assert "&lt;" not in values["cc"] + values["recipients"]
	assert dialogs == []
