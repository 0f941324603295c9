"""Mail sent from the desk marks the mail it answers or forwards, on the server too."""

import re

from crm_mail_archive.actions.service import request
from crm_mail_archive.filing.threading import answered_communication

# Frappe's composer prefixes forwards with "Fw:" (and its translations); mail clients add more
FORWARD_PREFIX = re.compile(r"^\s*(fw|fwd|wg|tr|rv|doorst)\s*:", re.IGNORECASE)


def reply_sent(doc, method=None) -> None:
	"""Communication after_insert: a reply sets \\Answered, a forward $Forwarded on the original."""
	if doc.communication_medium != "Email" or doc.sent_or_received != "Sent" or doc.get("mail_archive_key"):
		return
	original = answered_communication(doc)
	if not original:
		return
	request(original, "Forwarded" if FORWARD_PREFIX.match(doc.subject or "") else "Answered")
