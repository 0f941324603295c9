"""Test data that needs no site (Frappe-free): the unit level may import it."""
