#!/usr/bin/env bash
# The test command: services up, the bench's app pointed at THIS checkout, the test site
# migrated, then lint (ruff, compile check, merge markers) and the whole pytest suite.
# Exits non-zero on any failure.   scripts/test.sh [--lint-only] [pytest args...]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings

lint() {
	log "lint: ruff, compile check, merge markers"
	ruff check "$CHECKOUT_DIR"
	ruff format --check "$CHECKOUT_DIR"
	"$PYTHON_BIN" -m compileall -q -x '/(\.git|node_modules)/' "$CHECKOUT_DIR/crm_mail_archive" "$CHECKOUT_DIR/tests" >/dev/null
	if git -C "$CHECKOUT_DIR" grep -nE '^(<<<<<<<|>>>>>>>)( |$)|^=======$' -- . ':!*.po' ':!*.pot'; then
		die "merge conflict markers found"
	fi
}

# The bench's app link is put back to where it pointed before, so a test run from a
# throwaway clone does not leave the development site importing a deleted directory.
restore_app_link() {
	local previous=$1
	[[ -n "$previous" && -d "$previous" && "$previous" != "$CHECKOUT_DIR" ]] || return 0
	log "pointing the bench's crm_mail_archive back at $previous"
	CHECKOUT_DIR=$previous link_app_to_checkout || true
}

main() {
	[[ -d "$BENCH_DIR/apps/frappe" ]] || die "no bench at $BENCH_DIR: run the setup command (make setup) first"
	site_exists "$TEST_SITE" || die "no test site $TEST_SITE in $BENCH_DIR: run the setup command (make setup) first"
	ensure_tools
	lint
	[[ "${1:-}" == "--lint-only" ]] && return 0

	ensure_mariadb
	ensure_db_admin
	ensure_hosts_entries
	ensure_bench_redis
	# the syncs' queue (Frappe refuses a job for an undeclared queue), also on a bench set up before it
	declare_sync_queue

	local previous
	previous=$(readlink "$BENCH_DIR/apps/crm_mail_archive" 2>/dev/null || true)
	trap "restore_app_link '$previous'" EXIT
	log "installing this checkout ($CHECKOUT_DIR) into the bench"
	link_app_to_checkout

	log "compiling translations, migrating $TEST_SITE"
	bench_cmd compile-po-to-mo --app crm_mail_archive --force >/dev/null
	site_has_app "$TEST_SITE" crm_mail_archive || bench_cmd --site "$TEST_SITE" install-app crm_mail_archive
	bench_cmd --site "$TEST_SITE" migrate --skip-search-index >/dev/null
	# no scheduler (a development bench's, say) syncs test accounts behind the tests' backs; the
	# test of scheduled sync turns it on for itself
	bench_cmd --site "$TEST_SITE" scheduler disable >/dev/null
	# the development bench may run beside the tests (make setup leaves it running): the test
	# site's jobs go to queues of their own, run by the tests' own workers
	isolate_site_queues "$TEST_SITE"

	log "pytest"
	export CRM_MAIL_ARCHIVE_TEST_SITE=$TEST_SITE CRM_MAIL_ARCHIVE_SCRATCH_SITE=$SCRATCH_SITE
	cd "$BENCH_DIR/sites"
	"$BENCH_DIR/env/bin/python" -m pytest -c "$CHECKOUT_DIR/pyproject.toml" --rootdir "$CHECKOUT_DIR" \
		-p no:cacheprovider "$CHECKOUT_DIR/tests" "$@"
}

main "$@"
