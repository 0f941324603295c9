#!/usr/bin/env bash
# The fault soak (issue: lost and duplicate counts must be 0): 2,000 mails, the sync worker
# SIGKILLed at 20 random points, then the IMAP connection cut at 20 random points through a local
# TCP proxy; reruns after each fault. Runs on the benchmark site (created once if missing).
#   scripts/soak.sh [--mails N] [--kills N] [--cuts N] [--seed N]        (make soak)
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
	local status=0
	(cd "$BENCH_DIR/sites" && "$BENCH_DIR/env/bin/python" -m crm_mail_archive.devtools.soak --site "$BENCH_SITE" "$@") || status=$?
	if [[ -n "$previous" && -d "$previous" && "$previous" != "$CHECKOUT_DIR" ]]; then
		CHECKOUT_DIR=$previous link_app_to_checkout
	fi
	return $status
}

main "$@"
