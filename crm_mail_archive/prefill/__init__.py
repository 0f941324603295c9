"""Prefilling records from a mail: the signature reader (Frappe-free: own text, block, fields,
vocabulary) and "Create Contact / Lead / Opportunity / Issue from this mail" built on it."""
