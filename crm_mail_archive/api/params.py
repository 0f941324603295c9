"""Arguments as the desk, REST form fields and the Python API send them."""

import frappe


def as_list(value: list[str] | str) -> list[str]:
	"""A list from the desk's JSON, a REST form field or a single name."""
	if isinstance(value, str):
		value = frappe.parse_json(value) if value.strip().startswith("[") else [value]
	return [str(name) for name in value]
