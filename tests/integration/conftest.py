"""integration/: the real site, MariaDB, Redis and Dovecot. The site's fixtures (tests/support/fixtures.py)."""

from tests.support.fixtures import *
