"""Search at scale, at small size: the benchmark's generator (perf.scale_data) writes an archive
straight into the tables; its planted rare words are found exactly as often as planted, through
the Email Archive tab and the Mail Search page, with the read rule applied (a Sales User holding
one mailbox does not find a Private account's mail); large counts stop at the cap ("more than");
and removing the generated archive leaves nothing behind."""

from __future__ import annotations

import frappe
import pytest

from crm_mail_archive import api
from crm_mail_archive.permissions import can_read_archived_mail
from crm_mail_archive.views.email_archive import COUNT_CAP
from perf.scale_data import ScaleArchive, customer_domain, generate, generated_rows, remove, visibility
from perf.scale_words import RARE_WORDS, ZipfWords

MAILS = 2500
ACCOUNTS = 10
CUSTOMERS = 50


@pytest.fixture(scope="module")
def archive() -> ScaleArchive:
	frappe.set_user("Administrator")
	generated = generate(
		MAILS, ACCOUNTS, CUSTOMERS, seed=5, tag="test", big_shares=(0.6, 0.05), log=lambda _: None
	)
	yield generated
	frappe.db.rollback()
	remove("test")


def all_pages(call, **arguments) -> list[dict]:
	"""Every mail of a search, page after page."""
	mails, start = [], 0
	while True:
		page = call(start=start, page_length=100, **arguments)
		mails += page["mails"]
		if len(page["mails"]) < 100:
			return mails
		start += 100


def test_the_generator_makes_what_it_says(archive):
	counts = generated_rows("test")
	assert counts["Communication"] == counts["Mail Search Text"] == MAILS
	assert counts["Mail Address Index"] == 2 * MAILS
	assert counts["Mail Archive Account"] == counts["Email Account"] == counts["User"] == ACCOUNTS
	assert counts["Customer"] == CUSTOMERS
	filed = counts["Timeline Link"]
	assert 0.85 * MAILS < filed < 0.95 * MAILS
	biggest = frappe.db.count("Timeline Link", {"link_doctype": "Customer", "link_name": archive.big[0]})
	assert 0.5 * filed < biggest < 0.7 * filed
	# no word of the vocabulary is found by a rare word (words are matched as prefixes)
	assert not [w for w in ZipfWords().words if w.lower().startswith(tuple(r.lower() for r in RARE_WORDS))]
	# the accounts: disabled (never synced), the rule's kinds among them
	assert not frappe.db.count("Mail Archive Account", {"name": ("in", archive.accounts), "enabled": 1})
	assert frappe.db.get_value("Mail Archive Account", archive.accounts[1], "visibility") == "Private"
	assert frappe.db.get_value("Mail Archive Account", archive.accounts[2], "confidential") == 1
	assert visibility(0) == ("Shared", 0) and "Sales User" in frappe.get_roles(archive.sales_user)


def test_planted_words_are_found_exactly_in_the_tab_and_on_the_page(archive):
	for word, (big, other, hidden) in RARE_WORDS.items():
		planted = set(archive.planted[word])
		assert len(planted) == big + other + hidden
		everywhere = api.search_mail(word, page_length=100)
		assert everywhere["total"] == len(planted) and not everywhere["capped"], word
		assert {mail["name"] for mail in all_pages(api.search_mail, text=word)} == planted
		tab = api.get_archive("Customer", archive.big[0], search=word, page_length=100)
		assert tab["total"] == archive.at_big[word] == big + hidden and not tab["total_more"], word
		assert {mail["name"] for mail in tab["mails"]} <= planted
	# the search text of a mail holds its sender: a domain finds the mail from there
	domain = customer_domain(1)
	found = all_pages(api.search_mail, text="Kupferlackdraht", sender_domain=domain)
	senders = frappe.get_all(
		"Communication", {"name": ("in", archive.planted["Kupferlackdraht"])}, ["name", "sender"]
	)
	assert {mail["name"] for mail in found} == {
		row.name for row in senders if row.sender.endswith(f"@{domain}")
	}


def test_a_sales_user_holding_one_mailbox_finds_only_what_the_rule_allows(archive):
	frappe.set_user(archive.sales_user)
	for word, (big, other, _hidden) in RARE_WORDS.items():
		everywhere = api.search_mail(word, page_length=100)
		assert everywhere["total"] == big + other, word  # a Private account's mail is not found
		tab = api.get_archive("Customer", archive.big[0], search=word, page_length=100)
		assert tab["total"] == big, word
	assert api.search_mail("Geheimrezeptur")["mails"] == []
	assert api.get_archive("Customer", archive.big[0], search="Geheimrezeptur")["mails"] == []
	# what a common word shows them: each mail one they may read, none of a Private or another's
	# confidential account (the tab lists a Headers only account's mail by its headers, unsearched)
	hidden = {archive.accounts[a] for a in range(ACCOUNTS) if visibility(a) != ("Shared", 0) and a != 0}
	page = api.search_mail("Rechnung", page_length=100)
	tab = api.get_archive("Customer", archive.big[0], search="Rechnung", page_length=100)
	assert len(page["mails"]) == 100 and len(tab["mails"]) == 100
	for mail in page["mails"] + tab["mails"]:
		assert mail["email_account"] not in hidden
		assert can_read_archived_mail(mail["name"], mail["email_account"], archive.sales_user)
	frappe.set_user("Administrator")
	assert len(api.search_mail("Geheimrezeptur")["mails"]) == RARE_WORDS["Geheimrezeptur"][2]


def test_large_counts_stop_at_the_cap_small_ones_stay_exact(archive):
	filed = frappe.db.count("Timeline Link", {"link_doctype": "Customer", "link_name": archive.big[0]})
	assert filed > COUNT_CAP
	tab = api.get_archive("Customer", archive.big[0])
	assert (tab["total"], tab["total_more"], tab["filed"], tab["filed_more"]) == (COUNT_CAP, 1, COUNT_CAP, 1)
	unread = frappe.db.sql(
		"""select count(*) from `tabTimeline Link` t join tabCommunication c on c.name = t.communication
		where t.link_doctype = 'Customer' and t.link_name = %s and c.seen = 0""",
		archive.big[0],
	)[0][0]
	assert unread < COUNT_CAP and (tab["unread"], tab["unread_more"]) == (unread, 0)
	# "die": in nearly every mail (not an InnoDB stopword)
	searched = api.get_archive("Customer", archive.big[0], search="die")
	assert (searched["total"], searched["total_more"]) == (COUNT_CAP, 1)
	everywhere = api.search_mail("die")
	assert (everywhere["total"], everywhere["capped"], everywhere["more"]) == (COUNT_CAP, 1, True)
	assert len(everywhere["mails"]) == 20
	# beyond the cap the pages go on
	assert len(api.search_mail("die", start=COUNT_CAP, page_length=20)["mails"]) == 20
	exact = api.get_archive("Customer", archive.big[0], search="Zollplombe")
	assert (exact["total"], exact["total_more"]) == (RARE_WORDS["Zollplombe"][0], 0)


def test_removing_the_generated_archive_leaves_nothing_behind():
	# (the load without the FULLTEXT index, at a million mails, is the benchmark's: a test does not
	# change the shared test site's schema)
	remove("gone")  # what an interrupted run may have left
	try:
		generated = generate(300, 4, 10, seed=9, tag="gone", log=lambda _: None)
		assert generated_rows("gone")["Communication"] == 300
		found = all_pages(api.search_mail, text="Kupferlackdraht")
		assert {mail["name"] for mail in found} >= set(generated.planted["Kupferlackdraht"])
	finally:
		frappe.db.rollback()
		remove("gone")
	assert set(generated_rows("gone").values()) == {0}
	assert not frappe.db.sql("select 1 from `tabMail Search Text` where name like 'SCALE-gone-%' limit 1")
	assert not frappe.db.sql(
		"select 1 from tabCommunication where mail_archive_key like 'scale-gone-%' limit 1"
	)
	assert not frappe.db.exists("User", "scale-gone-0000@firma.example")
