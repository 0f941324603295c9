# The two commands of the README: `make setup` (a bench with the app, demo mailbox, first sync)
# and `make test` (lint + the whole pytest suite against a real site, MariaDB, Redis and Dovecot).
.PHONY: setup test lint start stop bench soak

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

# benchmarks (not part of the tests): make bench, or make bench QUICK=1 for a smaller run
bench:
	scripts/benchmark.sh $(if $(QUICK),--quick,)

# fault soak: SIGKILLed workers and cut IMAP connections, then lost and duplicate counts
soak:
	scripts/soak.sh
