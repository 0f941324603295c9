"""Where the signature block is: after the last closing phrase or "-- " delimiter, else the run of
short, non-prose lines at the end; and where its legal footer starts."""

from __future__ import annotations

from crm_mail_archive.prefill.fields import _BANK, _PHONE, _URL, _closing, _is_footer, _is_prose, _org_in_line
from crm_mail_archive.prefill.text import _CONTROL, CLOSING_ABOVE_DELIMITER, MAX_BLOCK_LINES, _clean


def _has_signal(texts: list[str]) -> bool:
	return any(
		_PHONE.search(text) or _URL.search(text) or "@" in text or _org_in_line(text) for text in texts
	)


def _block(window: list[tuple[str, bool]]) -> tuple[list[str], str]:
	"""The signature block's lines, and a name written on the closing line ("" if none)."""
	texts = [_clean(line) for line, _quoted in window]
	quoted = [is_quoted for _line, is_quoted in window]
	delimiter = next(
		(
			index
			for index in range(len(window) - 1, -1, -1)
			if not quoted[index] and _CONTROL.sub("", window[index][0]).rstrip() == "--"
		),
		None,
	)

	def followed_by_text(index: int) -> bool:
		for following in range(index + 1, len(texts)):
			if quoted[following]:
				return False
			if texts[following]:
				return True
		return False

	# the last closing phrase with something below it ("Thank you." ending a disclaimer has not)
	closing = tail = None
	for index in range(len(window) - 1, -1, -1):
		found = _closing(texts[index]) if texts[index] and not quoted[index] else None
		if found is None:
			continue
		if closing is None or found or followed_by_text(index):
			closing, tail = index, found
		if found or followed_by_text(index):
			break
	if closing is not None and (
		delimiter is None
		or closing > delimiter
		or sum(1 for text in texts[closing + 1 : delimiter] if text) <= CLOSING_ABOVE_DELIMITER
	):
		start = closing
	elif delimiter is not None:
		start, tail = delimiter, ""
	else:
		end = len(texts)
		start = end
		while start > 0 and end - start < MAX_BLOCK_LINES:
			if quoted[start - 1] or _is_prose(texts[start - 1]):
				break
			start -= 1
		block = texts[start:end]
		return (block, "") if _has_signal(block) else ([], "")
	block = []
	for index in range(start + 1, min(len(texts), start + 1 + MAX_BLOCK_LINES)):
		if quoted[index]:
			break
		block.append(texts[index])
	return block, tail or ""


def _footer_start(block: list[str]) -> int:
	return next((index for index, text in enumerate(block) if text and _is_footer(text)), len(block))


def _skip_for_org(block: list[str]) -> set[int]:
	"""Lines under a footer label without value ("Bankverbindung:", "Geschäftsführer:")."""
	skipped = set()
	for index, text in enumerate(block):
		if text.endswith(":") and (_is_footer(text) or _BANK.search(text)):
			following = next((n for n in range(index + 1, len(block)) if block[n]), None)
			if following is not None:
				skipped.add(following)
	return skipped
