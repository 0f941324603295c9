"""Committed CRM records for a test (Customers, Contacts, Leads), removed after it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import frappe


class CrmBuilder:
	"""Committed CRM records (the sync commits), each registered for removal after the test."""

	def __init__(self, register: Callable[[str, str], None]):
		self.tag = uuid.uuid4().hex[:6]
		self.register = register

	def customer(self, name: str) -> str:
		doc = frappe.get_doc(
			{"doctype": "Customer", "customer_name": f"{name} {self.tag}", "customer_type": "Company"}
		).insert(ignore_permissions=True)
		self.register("Customer", doc.name)
		return doc.name

	def contact(self, emails: list[str], links: list[tuple[str, str]] = ()) -> str:
		doc = frappe.get_doc({"doctype": "Contact", "first_name": f"Kontakt {self.tag}"})
		for index, address in enumerate(emails):
			doc.append("email_ids", {"email_id": address, "is_primary": int(index == 0)})
		for doctype, name in links:
			doc.append("links", {"link_doctype": doctype, "link_name": name})
		doc.insert(ignore_permissions=True)
		self.register("Contact", doc.name)
		return doc.name

	def lead(self, address: str) -> str:
		doc = frappe.get_doc(
			{"doctype": "Lead", "lead_name": f"Lead {self.tag}", "email_id": address}
		).insert(ignore_permissions=True)
		self.register("Lead", doc.name)
		# ERPNext makes a Contact for a Lead with an address
		for contact in self.contacts_of("Lead", doc.name):
			self.register("Contact", contact)
		return doc.name

	def contacts_of(self, doctype: str, name: str) -> list[str]:
		return frappe.get_all(
			"Dynamic Link",
			{"parenttype": "Contact", "link_doctype": doctype, "link_name": name},
			pluck="parent",
		)

	def address(self, local: str, domain: str = "kunde-{tag}.example") -> str:
		return f"{local}@{domain.format(tag=self.tag)}"
