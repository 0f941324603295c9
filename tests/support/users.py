"""Users with roles, as the tests need them."""

from __future__ import annotations

import uuid

import frappe


def make_user(
	*roles: str, password: str | None = None, website: bool = False, first_name: str = "Test", email: str = ""
) -> str:
	"""A user with these roles (a Website User when `website`); not committed."""
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email or f"user-{uuid.uuid4().hex[:10]}@mail.test",
			"first_name": first_name,
			"send_welcome_email": 0,
			"new_password": password,
			"user_type": "Website User" if website else "System User",
		}
	).insert(ignore_permissions=True)
	if roles:
		user.add_roles(*roles)
	return user.name
