#!/usr/bin/env bash
# The benchmark command: a dedicated site (created once, with ERPNext and this checkout's app),
# private Dovecot mailboxes filled with seeded mails, then the tables of measured figures.
#   scripts/benchmark.sh [--quick]      (make bench, make bench QUICK=1)
# Needs a machine where the setup command has run. Writes the tables to perf/latest.md too.
# The development processes (make start) are paused meanwhile: their worker would take the
# measured jobs, and any process of theirs takes time from the measured ones.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings
BENCH_SITE=${BENCH_SITE:-bench.mail-archive.localhost}
# P15 compares the desk with ERPNext's own: a site with ERPNext (setup wizard done) and no app of ours
STOCK_SITE=${STOCK_SITE:-stock.mail-archive.localhost}
SERVICES="$CHECKOUT_DIR/scripts/services.sh"

# as on a production machine, Python keeps its compiled modules (a shell may have said otherwise):
# without them every process and job compiles Frappe's modules again
unset PYTHONDONTWRITEBYTECODE
log "compiling the bench's Python modules (once; later runs find them compiled)"
"$BENCH_DIR/env/bin/python" -m compileall -q -j 0 "$BENCH_DIR/apps" "$BENCH_DIR/env/lib" >/dev/null ||
	log "some modules did not compile (they are compiled when imported)"

paused=""
if [[ "$("$SERVICES" status)" == *": running"* ]]; then
	log "pausing the development processes for the benchmark"
	"$SERVICES" stop
	paused=yes
fi
# started again however the run ends (a failed step included)
restart_paused() {
	if [[ -n "$paused" ]]; then
		log "starting the development processes again"
		"$SERVICES" start
	fi
}
trap restart_paused EXIT
status=0
ensure_mariadb
ensure_db_admin  # the stock site may be new: made with the database admin
ensure_hosts_entries  # the desk figures (P15) reach the sites by name
ensure_site "$STOCK_SITE" no 0
run_devtool "$STOCK_SITE" devtools.site.complete_setup_wizard
run_on_bench_site with_devtools "$BENCH_DIR/env/bin/python" -m perf.benchmark --site "$BENCH_SITE" \
	--stock-site "$STOCK_SITE" --output "$CHECKOUT_DIR/perf/latest.md" "$@" || status=$?
exit $status
