#!/usr/bin/env bash
# The benchmark command: a dedicated site (created once, with ERPNext and this checkout's app),
# private Dovecot mailboxes filled with seeded mails, then one table of measured figures.
#   scripts/benchmark.sh [--quick]      (make bench, make bench QUICK=1)
# Needs a machine where the setup command has run. Writes the table to perf/latest.md too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings
BENCH_SITE=${BENCH_SITE:-bench.mail-archive.localhost}

main() {
	[[ -d "$BENCH_DIR/apps/frappe" ]] || die "no bench at $BENCH_DIR: run the setup command (make setup) first"
	ensure_mariadb
	ensure_db_admin
	ensure_bench_redis
	local previous
	previous=$(readlink "$BENCH_DIR/apps/crm_mail_archive" 2>/dev/null || true)
	link_app_to_checkout
	ensure_site "$BENCH_SITE" yes
	bench_cmd --site "$BENCH_SITE" migrate --skip-search-index >/dev/null
	# the benchmark sends nothing: no scheduler, no outgoing mail
	bench_cmd --site "$BENCH_SITE" scheduler disable >/dev/null 2>&1 || true
	cd "$BENCH_DIR/sites"
	"$BENCH_DIR/env/bin/python" "$CHECKOUT_DIR/perf/benchmark.py" --site "$BENCH_SITE" \
		--output "$CHECKOUT_DIR/perf/latest.md" "$@"
	if [[ -n "$previous" && -d "$previous" && "$previous" != "$CHECKOUT_DIR" ]]; then
		CHECKOUT_DIR=$previous link_app_to_checkout
	fi
}

main "$@"
