"""Stock Frappe strings that our surfaces show (the reader's actions, the reply composer) and whose
stock German reads oddly ("Nach vorne" for Forward, "Botschaft" for Message, "Antwort" where the
verb is meant). Listed here so that our catalog (locale/de.po) carries them: Frappe loads an app's
translations after Frappe's own, so ours are the ones the desk shows."""

from frappe import _lt

STOCK_TERMS = (
	_lt("Reply"),
	_lt("Reply All"),
	_lt("Forward"),
	_lt("Message"),
	_lt("Send"),
	_lt("Subject"),
	_lt("To"),
	_lt("CC"),
	_lt("BCC"),
	_lt("Attachments"),
	_lt("Mark as Read"),
	_lt("Mark as Unread"),
	_lt("Mark as Spam"),
	_lt("Move To Trash"),
)
