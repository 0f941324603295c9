# The two commands of the README: `make setup` (a bench with the app, demo mailbox, first sync)
# and `make test` (lint + the whole pytest suite against a real site, MariaDB, Redis and Dovecot).
.PHONY: setup test lint start stop

setup:
	scripts/setup.sh

test:
	scripts/test.sh

lint:
	scripts/test.sh --lint-only

start:
	scripts/services.sh start

stop:
	scripts/services.sh stop
