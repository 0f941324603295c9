"""The search index: a `Mail Search Text` row per archived mail (written with the mail, in the
batch's INSERT), its attachments' words added by a background job after the batch is committed,
and the FULLTEXT condition the archive's views search with.

Words are matched as prefixes in InnoDB's boolean mode: "Rechnung" finds "Rechnungen" and
"Rechnungsnummer", "Angebot" finds "Angebote". Every word of the query must occur in the mail or its
attachments. Words shorter than InnoDB's minimum token size (3) cannot be in the index; the
views match those in the subject and sender instead.
"""

from __future__ import annotations

import re

import frappe
from pypika.terms import Criterion

from crm_mail_archive.infra.jobs import LIVE_QUEUE, enqueue
from crm_mail_archive.mailbox.parser import ParsedMail

SEARCH_TEXT = "Mail Search Text"
FULLTEXT_INDEX = "mail_archive_words"
MAX_MAIL_TEXT_CHARS = 200_000
MIN_WORD_LENGTH = 3  # innodb_ft_min_token_size
MAX_QUERY_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)


def mail_text(parsed: ParsedMail) -> str:
	"""What a mail is found by: subject, names and addresses, and its text."""
	people = [parsed.from_address, *parsed.reply_to, *parsed.to, *parsed.cc]
	header = " ".join(
		[parsed.subject or ""]
		+ [f"{person.name or ''} {person.email}" for person in people if person]
		+ [attachment.filename or "" for attachment in parsed.attachments]
	)
	return " ".join(f"{header}\n{parsed.text or ''}"[:MAX_MAIL_TEXT_CHARS].split())


def search_row(communication: str, parsed: ParsedMail) -> tuple[str, dict]:
	"""The mail's row of the index, for the batch's multi-row INSERT."""
	return (
		SEARCH_TEXT,
		{"name": communication, "communication": communication, "mail_text": mail_text(parsed)},
	)


def query_words(text: str | None) -> tuple[list[str], list[str]]:
	"""(words the index can match, words too short for it), at most MAX_QUERY_WORDS in all."""
	words = _WORD.findall(text or "")[:MAX_QUERY_WORDS]
	return (
		[word for word in words if len(word) >= MIN_WORD_LENGTH],
		[word for word in words if len(word) < MIN_WORD_LENGTH],
	)


def boolean_query(words: list[str]) -> str:
	"""Every word required, each as a prefix. Only \\w characters reach the query: none of
	boolean mode's operators can come from the user's text."""
	return " ".join(f"+{word}*" for word in words)


class WordsMatch(Criterion):
	"""MATCH (mail_text, attachment_text) AGAINST (… IN BOOLEAN MODE) on the index table."""

	def __init__(self, table, words: list[str]) -> None:
		super().__init__()
		self.table = table
		self.query = boolean_query(words)

	def get_sql(self, **kwargs) -> str:
		table = self.table.get_table_name()
		return (
			f"match(`{table}`.`mail_text`, `{table}`.`attachment_text`) "
			f"against ({frappe.db.escape(self.query)} in boolean mode)"
		)


def words_conditions(communication, text: str) -> list:
	"""Conditions on Communication (a pypika table) for every word of the search: words the index
	holds through it (asked first, so that many mails are never read row by row), shorter words
	as word starts in the subject or the sender's name, and a search of no word at all as written
	in the subject."""
	words, short = query_words(text)
	conditions = []
	if words:
		search = frappe.qb.DocType(SEARCH_TEXT)
		conditions.append(
			communication.name.isin(
				frappe.qb.from_(search).select(search.name).where(WordsMatch(search, words))
			)
		)
	for word in short:  # as the index would: the start of a word, in the subject or sender's name
		pattern = f"(^|[^[:alnum:]_]){word}"  # \w characters only: nothing of a regex
		conditions.append(
			communication.subject.regexp(pattern) | communication.sender_full_name.regexp(pattern)
		)
	if not words and not short:
		conditions.append(communication.subject.like(f"%{text.strip()}%"))
	return conditions


def snippets(communications: list[str], text: str | None) -> dict[str, str]:
	"""Where the search's first word occurs in each mail's words, about 160 characters around
	it (plain text; the desk escapes it and marks the words)."""
	words, _short = query_words(text)
	if not words or not communications:
		return {}
	pattern = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + ")", re.IGNORECASE)
	found = {}
	for row in frappe.db.sql(
		f"""select name, left(mail_text, 100000) as mail_text,
			left(attachment_text, 100000) as attachment_text
		from `tab{SEARCH_TEXT}` where name in %(names)s""",
		{"names": tuple(communications)},
		as_dict=True,
	):
		for source in (row.mail_text, row.attachment_text):
			hit = pattern.search(source or "")
			if hit:
				start = max(0, hit.start() - 60)
				found[row.name] = ("…" if start else "") + source[start : hit.start() + 100].strip() + "…"
				break
	return found


def ensure_fulltext_index() -> None:
	"""The FULLTEXT index (a DocType cannot declare one): created once, on install or migrate."""
	exists = frappe.db.sql(
		"""select 1 from information_schema.statistics
		where table_schema = database() and table_name = %s and index_name = %s limit 1""",
		(f"tab{SEARCH_TEXT}", FULLTEXT_INDEX),
	)
	if not exists:
		frappe.db.sql_ddl(
			f"alter table `tab{SEARCH_TEXT}` add fulltext index `{FULLTEXT_INDEX}` (`mail_text`, `attachment_text`)"
		)


def enqueue_attachment_text(communications: list[str], queue: str = LIVE_QUEUE) -> None:
	"""After the batch commits: read its attachments' words in the background (never in the sync;
	one job per batch, on the bulk queue for an import's)."""
	if communications:
		enqueue(
			"crm_mail_archive.search.attachments.index_attachments_job",
			queue=queue,
			timeout=60 * 60,
			communications=communications,
		)
