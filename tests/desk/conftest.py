"""desk/: Debian's Chromium against the test site's web server. The site's fixtures (tests/support/fixtures.py)."""

from tests.support.fixtures import *
