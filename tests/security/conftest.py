"""security/: the attacker matrix: every role against every read path, over real HTTP. The site's fixtures (tests/support/fixtures.py)."""

from tests.support.fixtures import *
