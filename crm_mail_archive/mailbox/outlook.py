"""Outlook `.msg` files into RFC 5322 messages (extract-msg), so that they take the same path as
any other mail. Frappe-free.

An Outlook file keeps the mail's internet headers when it came from outside (Message-ID, Date,
addresses): the converted message keeps them, so a mail imported as `.msg` and synced from the
server is one mail."""

from __future__ import annotations

import email.policy
import hashlib

MINIMAL_SIZE = 1536  # the smallest compound file: a header, a FAT and a directory sector


class OutlookMessageError(Exception):
	"""The file is no Outlook mail that can be converted."""


def outlook_to_rfc822(data: bytes) -> bytes:
	import extract_msg  # only an import of .msg files needs it

	if len(data) < MINIMAL_SIZE:
		# olefile would take shorter bytes for a file name
		raise OutlookMessageError("too short for an Outlook message")
	try:
		message = extract_msg.openMsg(data, strict=True)
	except Exception as error:  # extract-msg raises many kinds on damaged files, and olefile's own
		raise OutlookMessageError(_describe(error)) from error
	try:
		if not hasattr(message, "asEmailMessage"):
			raise OutlookMessageError(f"an Outlook {type(message).__name__}, not a mail")
		try:
			converted = message.asEmailMessage()
			# boundaries from the file's hash, not random: the same file converts to the same
			# bytes, so importing it twice finds the mail it stored the first time
			seed = hashlib.sha256(data).hexdigest()[:24]
			for number, part in enumerate(converted.walk()):
				if part.is_multipart():
					part.set_boundary(f"=_part{number}_{seed}")
			return converted.as_bytes(policy=email.policy.SMTP)
		except Exception as error:
			raise OutlookMessageError(_describe(error)) from error
	finally:
		message.close()


def _describe(error: Exception) -> str:
	return f"{type(error).__name__}: {error}"[:300]
