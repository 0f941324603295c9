#!/usr/bin/env bash
# The benchmark command: a dedicated site (created once, with ERPNext and this checkout's app),
# private Dovecot mailboxes filled with seeded mails, then one table of measured figures.
#   scripts/benchmark.sh [--quick]      (make bench, make bench QUICK=1)
# Needs a machine where the setup command has run. Writes the table to perf/latest.md too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings
BENCH_SITE=${BENCH_SITE:-bench.mail-archive.localhost}

run_on_bench_site with_devtools "$BENCH_DIR/env/bin/python" "$CHECKOUT_DIR/perf/benchmark.py" --site "$BENCH_SITE" \
	--output "$CHECKOUT_DIR/perf/latest.md" "$@"
