#!/usr/bin/env bash
# Bring up a development bench with ERPNext and this checkout's crm_mail_archive, a demo IMAP
# mailbox in Dovecot and the first sync. Idempotent: a second run only does what is missing.
#
# Settings (environment or ~/.config/crm_mail_archive/settings.env): see README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings

check_sources_reachable() {
	local name url
	for name in FRAPPE_REPO_URL ERPNEXT_REPO_URL; do
		url=${!name}
		git ls-remote --heads "$url" >/dev/null 2>&1 ||
			die "cannot reach $name=$url. Set $name (environment or $SETTINGS_FILE) to a Frappe/ERPNext git repository this machine can read."
	done
}

# bench refuses to run as root unless the bench names its user; `bench init` reads that from
# ./sites/common_site_config.json of the directory it is started in.
bench_init() {
	local staging
	staging=$(mktemp -d)
	mkdir -p "$staging/sites"
	echo "{\"frappe_user\": \"$(id -un)\"}" >"$staging/sites/common_site_config.json"
	mkdir -p "$(dirname "$BENCH_DIR")"
	(cd "$staging" && bench init --frappe-path "$FRAPPE_REPO_URL" --frappe-branch "$FRAPPE_BRANCH" \
		--python "$(command -v "$PYTHON_BIN")" --no-backups --skip-redis-config-generation "$BENCH_DIR")
	rm -rf "$staging"
}

ensure_bench() {
	if [[ ! -d "$BENCH_DIR/apps/frappe" ]]; then
		check_sources_reachable
		log "creating the bench in $BENCH_DIR (Frappe $FRAPPE_BRANCH from $FRAPPE_REPO_URL)"
		rm -rf "$BENCH_DIR"
		bench_init
	fi
	(cd "$BENCH_DIR" && uv pip install -q "setuptools<81" --python env/bin/python)
	if [[ ! -f "$BENCH_DIR/config/redis_queue.conf" ]]; then
		bench_cmd setup redis
	fi
	bench_cmd set-config -g frappe_user "$(id -un)" >/dev/null
	bench_cmd set-config -g root_login "$DB_ADMIN_USER" >/dev/null
	bench_cmd set-config -g root_password "$DB_ADMIN_PASSWORD" >/dev/null
	bench_cmd set-config -g db_host 127.0.0.1 >/dev/null
	bench_cmd set-config -g webserver_port "$WEB_PORT" >/dev/null
	ensure_bench_redis
	if [[ ! -d "$BENCH_DIR/apps/erpnext" ]]; then
		check_sources_reachable
		log "getting ERPNext $ERPNEXT_BRANCH from $ERPNEXT_REPO_URL"
		bench_cmd get-app --branch "$ERPNEXT_BRANCH" "$ERPNEXT_REPO_URL"
	fi
	(cd "$BENCH_DIR" && uv pip install -q pytest hypothesis playwright drafthorse --python env/bin/python)
}

# `bench start` runs the bench's Procfile (bench writes it): add the development site's IMAP IDLE
# watcher once. `bench setup procfile` writes a new one without it; the next setup adds it again.
ensure_procfile_watch() {
	local procfile="$BENCH_DIR/Procfile"
	[[ -f "$procfile" ]] || return 0
	[[ -z $(tail -c1 "$procfile") ]] || echo >>"$procfile"
	grep -q '^mail_archive_watch:' "$procfile" ||
		echo "mail_archive_watch: bench --site $DEV_SITE mail-archive watch" >>"$procfile"
	# the syncs' own worker (lib.sh: declare_sync_queue)
	grep -q '^mail_archive_sync_worker:' "$procfile" ||
		echo "mail_archive_sync_worker: bench worker --queue mail_archive_sync" >>"$procfile"
}

main() {
	ensure_system_packages
	ensure_tools
	ensure_mariadb
	ensure_db_admin
	ensure_hosts_entries
	ensure_bench
	declare_sync_queue
	link_app_to_checkout
	bench_cmd compile-po-to-mo --app crm_mail_archive --force >/dev/null # the German UI
	ensure_site "$DEV_SITE" yes
	ensure_site "$TEST_SITE" yes
	bench_cmd --site "$TEST_SITE" set-config allow_tests true >/dev/null
	isolate_site_queues "$TEST_SITE"
	ensure_site "$SCRATCH_SITE" no
	bench_cmd use "$DEV_SITE"
	ensure_procfile_watch
	"$CHECKOUT_DIR/scripts/demo.sh"
	"$CHECKOUT_DIR/scripts/services.sh" start
	cat <<-EOF

		crm_mail_archive is set up.
		  Desk:   http://$DEV_SITE:$WEB_PORT  (or http://127.0.0.1:$WEB_PORT with Host: $DEV_SITE)
		  Login:  Administrator / $ADMIN_PASSWORD
		  Bench:  $BENCH_DIR
		  Tests:  make test
	EOF
}

main "$@"
