"""The suite by level, each with its own conftest:

- unit/        specifications of Frappe-free code (parsers, rules, the signature reader, layers):
               no site, no servers; `pytest tests/unit` runs without a bench
- integration/ against the real test site, MariaDB, Redis and a private Dovecot
- desk/        desk flows in Debian's Chromium, as the users who work with them
- security/    the attacker matrix: every role against every read path, over real HTTP

support/ holds the shared builders, role users and the site's fixtures. This file imports nothing
of Frappe, so that the unit level runs anywhere.
"""
