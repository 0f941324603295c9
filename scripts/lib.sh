# Shared helpers for scripts/setup.sh and scripts/test.sh (sourced, not executed).
#
# Settings come from the environment or from a settings file outside the repository
# (default: ~/.config/crm_mail_archive/settings.env, KEY=VALUE lines). Environment wins.

set -euo pipefail

CHECKOUT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SETTINGS_FILE=${CRM_MAIL_ARCHIVE_SETTINGS:-$HOME/.config/crm_mail_archive/settings.env}

load_settings() {
	if [[ -f "$SETTINGS_FILE" ]]; then
		local line key value
		while IFS= read -r line || [[ -n "$line" ]]; do
			[[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
			key=${line%%=*}
			value=${line#*=}
			key=${key//[[:space:]]/}
			# the environment overrides the file
			[[ -z "${!key:-}" ]] && export "$key=$value"
		done <"$SETTINGS_FILE"
	fi
	export BENCH_DIR=${BENCH_DIR:-$HOME/crm-mail-archive-bench}
	export TOOLS_DIR=${TOOLS_DIR:-$HOME/.local/share/crm_mail_archive/tools}
	export FRAPPE_REPO_URL=${FRAPPE_REPO_URL:-https://github.com/frappe/frappe}
	export ERPNEXT_REPO_URL=${ERPNEXT_REPO_URL:-https://github.com/frappe/erpnext}
	export FRAPPE_BRANCH=${FRAPPE_BRANCH:-version-15}
	export ERPNEXT_BRANCH=${ERPNEXT_BRANCH:-version-15}
	export DEV_SITE=${DEV_SITE:-mail-archive.localhost}
	export TEST_SITE=${TEST_SITE:-test.mail-archive.localhost}
	export SCRATCH_SITE=${SCRATCH_SITE:-scratch.mail-archive.localhost}
	export ADMIN_PASSWORD=${ADMIN_PASSWORD:-admin}
	export WEB_PORT=${WEB_PORT:-8000}
	export DB_ADMIN_USER=${DB_ADMIN_USER:-crm_archive_dba}
	export DEMO_IMAP_PORT=${DEMO_IMAP_PORT:-14143}
	export DEMO_IMAPS_PORT=${DEMO_IMAPS_PORT:-14993}
	export DEMO_DOVECOT_DIR=${DEMO_DOVECOT_DIR:-/var/lib/crm_mail_archive/demo-dovecot}
	export PYTHON_BIN=${PYTHON_BIN:-python3.11}
	export PATH="$TOOLS_DIR/bin:$PATH"
	# bench runs as root only when it is told which user the bench belongs to
	export BENCH_DEVELOPER=1
}

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() {
	printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2
	exit 1
}

as_root() {
	if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# --- system packages -------------------------------------------------------------------------

APT_PACKAGES=(git curl ca-certificates build-essential pkg-config mariadb-server mariadb-client
	redis-server dovecot-imapd dovecot-core openssl nodejs npm chromium chromium-driver
	libffi-dev libssl-dev cron xvfb)

ensure_system_packages() {
	local missing=() pkg
	for pkg in "${APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	# node may come from elsewhere (nvm, nodesource): only ask apt for it when there is none
	if command -v node >/dev/null && command -v npm >/dev/null; then
		missing=("${missing[@]/nodejs/}")
		missing=("${missing[@]/npm/}")
	fi
	local wanted=()
	for pkg in "${missing[@]}"; do [[ -n "$pkg" ]] && wanted+=("$pkg"); done
	if ((${#wanted[@]})); then
		log "installing system packages: ${wanted[*]}"
		# no service may start on its own during install: we start what we need on our ports
		if [[ ! -e /usr/sbin/policy-rc.d ]]; then
			printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
			as_root chmod +x /usr/sbin/policy-rc.d
		fi
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
	fi
	command -v "$PYTHON_BIN" >/dev/null || die "$PYTHON_BIN is required (Frappe v15 runs on Python 3.10-3.13)"
}

ensure_tools() {
	if [[ ! -x "$TOOLS_DIR/bin/bench" || ! -x "$TOOLS_DIR/bin/uv" || ! -x "$TOOLS_DIR/bin/ruff" ]]; then
		log "installing bench, uv and ruff into $TOOLS_DIR"
		"$PYTHON_BIN" -m venv "$TOOLS_DIR"
		"$TOOLS_DIR/bin/pip" install -q --upgrade pip
		"$TOOLS_DIR/bin/pip" install -q "frappe-bench==5.31.1" "uv" "ruff==0.8.6"
	fi
	if [[ "$(yarn --version 2>/dev/null)" != 1.22.* ]]; then
		log "installing yarn 1.22"
		as_root npm install -g --silent yarn@1.22.22
	fi
	# uv builds sdists in isolated environments; some of Frappe's still import pkg_resources
	export UV_BUILD_CONSTRAINT="$TOOLS_DIR/build-constraints.txt"
	echo "setuptools<81" >"$UV_BUILD_CONSTRAINT"
}

# --- MariaDB ----------------------------------------------------------------------------------

MARIADB_CNF_DIR=/etc/mysql/conf.d
MARIADB_CNF=$MARIADB_CNF_DIR/crm-mail-archive-frappe.cnf

mariadb_up() { mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; }

start_mariadb() {
	as_root mkdir -p /run/mysqld
	as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
	as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
	local i
	for i in $(seq 1 60); do
		mariadb_up && return 0
		sleep 1
	done
	die "MariaDB did not start (see /var/log/mysql/error.log)"
}

ensure_mariadb() {
	# Frappe needs utf8mb4 with the unicode collation; the file is ours, so rewriting it is safe
	local wanted
	wanted=$(
		cat <<-'EOF'
			# written by crm_mail_archive's setup: what Frappe v15 needs from MariaDB
			[mysqld]
			character-set-client-handshake = FALSE
			character-set-server = utf8mb4
			collation-server = utf8mb4_unicode_ci
			innodb-file-per-table = 1
			innodb-buffer-pool-size = 512M
			max-allowed-packet = 256M

			[mysql]
			default-character-set = utf8mb4
		EOF
	)
	local changed=0
	as_root mkdir -p "$MARIADB_CNF_DIR"
	if [[ ! -f "$MARIADB_CNF" ]] || [[ "$(cat "$MARIADB_CNF")" != "$wanted" ]]; then
		printf '%s\n' "$wanted" | as_root tee "$MARIADB_CNF" >/dev/null
		changed=1
	fi
	local main_cnf=/etc/mysql/my.cnf
	if [[ -f "$main_cnf" ]] && ! grep -qE "^\s*!includedir\s+$MARIADB_CNF_DIR/?\s*$" "$main_cnf"; then
		printf '\n!includedir %s/\n' "$MARIADB_CNF_DIR" | as_root tee -a "$main_cnf" >/dev/null
		changed=1
	fi
	if mariadb_up; then
		local collation
		collation=$(mariadb -uroot -N -e "select @@collation_server")
		if [[ $changed -eq 1 || "$collation" != "utf8mb4_unicode_ci" ]]; then
			log "restarting MariaDB with Frappe's settings"
			mariadb-admin --protocol=socket -uroot shutdown
			sleep 2
			start_mariadb
		fi
	else
		log "starting MariaDB"
		start_mariadb
	fi
}

db_admin_password_file() { echo "$HOME/.config/crm_mail_archive/db_admin_password"; }

ensure_db_admin() {
	# a dedicated admin account lets bench create and drop sites without the root password
	local pw_file
	pw_file=$(db_admin_password_file)
	if [[ ! -s "$pw_file" ]]; then
		mkdir -p "$(dirname "$pw_file")"
		(umask 077 && openssl rand -hex 16 >"$pw_file")
	fi
	DB_ADMIN_PASSWORD=$(cat "$pw_file")
	export DB_ADMIN_PASSWORD
	local host
	for host in localhost 127.0.0.1; do
		mariadb --protocol=socket -uroot <<-EOF
			CREATE USER IF NOT EXISTS '$DB_ADMIN_USER'@'$host' IDENTIFIED BY '$DB_ADMIN_PASSWORD';
			ALTER USER '$DB_ADMIN_USER'@'$host' IDENTIFIED BY '$DB_ADMIN_PASSWORD';
			GRANT ALL PRIVILEGES ON *.* TO '$DB_ADMIN_USER'@'$host' WITH GRANT OPTION;
		EOF
	done
}

# --- bench ------------------------------------------------------------------------------------

# The development tools (Dovecot fixture, demo data, soak, site setup, translations) live in the
# checkout's devtools/, outside the installable package: commands that need them run with the
# checkout on the Python path.
with_devtools() { PYTHONPATH="$CHECKOUT_DIR${PYTHONPATH:+:$PYTHONPATH}" "$@"; }
# run_devtool SITE devtools.module.function  (`bench execute` runs installed apps' functions only)
run_devtool() {
	(cd "$BENCH_DIR/sites" && with_devtools "$BENCH_DIR/env/bin/python" -m devtools.run --site "$1" "${@:2}")
}

bench_cmd() { (cd "$BENCH_DIR" && bench "$@"); }
bench_python() { "$BENCH_DIR/env/bin/python" "$@"; }

redis_port_of() { sed -n 's/^port \([0-9]*\)/\1/p' "$BENCH_DIR/config/$1.conf"; }

ensure_bench_redis() {
	local name port
	for name in redis_cache redis_queue; do
		[[ -f "$BENCH_DIR/config/$name.conf" ]] || continue
		port=$(redis_port_of "$name")
		if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
			log "starting the bench's $name on port $port"
			(cd "$BENCH_DIR/config" && redis-server "$name.conf" --daemonize yes --dir "$BENCH_DIR/config/pids" \
				--logfile "$BENCH_DIR/logs/$name.log")
		fi
	done
}

# The sites are reached by name (socket.io tells sites apart by host name): map them to loopback.
ensure_hosts_entries() {
	local site
	for site in "$DEV_SITE" "$TEST_SITE" "$SCRATCH_SITE" ${BENCH_SITE:-} ${STOCK_SITE:-}; do
		grep -qE "^127\.0\.0\.1\s.*\s$site(\s|$)" /etc/hosts ||
			printf '127.0.0.1\t%s\n' "$site" | as_root tee -a /etc/hosts >/dev/null
	done
}

site_exists() { [[ -f "$BENCH_DIR/sites/$1/site_config.json" ]]; }

# A site with a bench_id of its own has RQ queues of its own (Frappe names queues
# "<bench_id>:<queue>" and reads bench_id from the site's config when it enqueues): the test site's
# jobs never reach the development bench's worker and scheduler, and theirs never reach the tests,
# which run the test site's jobs with a worker of its own queues (devtools/worker.py).
isolate_site_queues() {
	bench_cmd --site "$1" set-config bench_id "site-$1" >/dev/null
}

# The syncs (IDLE-triggered and scheduled) have a queue of their own with a worker of its own, so
# live work never waits behind bulk work (README "Queues and workers"). Frappe knows a queue that
# the bench's common_site_config.json declares under `workers`; `bench worker --queue` and the
# app's enqueue accept no other.
declare_sync_queue() {
	bench_cmd set-config -g -p workers '{"mail_archive_sync": {"timeout": 3600}}' >/dev/null
}

site_has_app() {
	bench_cmd --site "$1" list-apps 2>/dev/null | grep -q "^$2\b"
}

# Point the bench's crm_mail_archive at this checkout (a symlink), so the code under test
# is always the checkout's own, and install it (editable) into the bench's virtualenv.
link_app_to_checkout() {
	local app_dir="$BENCH_DIR/apps/crm_mail_archive"
	if [[ -e "$app_dir" && ! -L "$app_dir" ]]; then
		die "$app_dir exists and is not a link to a checkout; move it away first"
	fi
	ln -sfn "$CHECKOUT_DIR" "$app_dir"
	local apps_txt="$BENCH_DIR/sites/apps.txt"
	if ! grep -qx crm_mail_archive "$apps_txt"; then
		# bench writes apps.txt without a final newline
		[[ -s "$apps_txt" && -n "$(tail -c1 "$apps_txt")" ]] && echo >>"$apps_txt"
		echo crm_mail_archive >>"$apps_txt"
	fi
	(cd "$BENCH_DIR" && uv pip install -q -e "$app_dir" --python "$BENCH_DIR/env/bin/python")
	mkdir -p "$BENCH_DIR/sites/assets"
	ln -sfn "$app_dir/crm_mail_archive/public" "$BENCH_DIR/sites/assets/crm_mail_archive"
	local resolved
	resolved=$(cd "$BENCH_DIR/sites" && bench_python -c \
		"import crm_mail_archive, os; print(os.path.realpath(os.path.dirname(crm_mail_archive.__file__)))")
	[[ "$resolved" == "$CHECKOUT_DIR/crm_mail_archive" ]] ||
		die "the bench imports crm_mail_archive from $resolved, not from $CHECKOUT_DIR"
	build_desk_bundle
}

# The desk bundle (public/js/*.bundle.js, public/scss/*.bundle.scss) of the linked checkout, built
# into its public/dist (a few seconds); the desk finds it through sites/assets/assets.json.
build_desk_bundle() {
	log "building the desk bundle of $CHECKOUT_DIR"
	(cd "$BENCH_DIR/sites" && PYTHONPATH="$CHECKOUT_DIR" bench_python -m frappe.utils.bench_helper frappe \
		build --app crm_mail_archive >/dev/null) || die "bench build --app crm_mail_archive failed"
}

# --- sites (setup.sh, benchmark.sh) -----------------------------------------------------------

new_erpnext_site() {
	local site=$1
	if site_exists "$site"; then return 0; fi
	log "creating site $site with ERPNext (takes a few minutes)"
	bench_cmd new-site "$site" --admin-password "$ADMIN_PASSWORD" --db-root-username "$DB_ADMIN_USER" \
		--db-root-password "$DB_ADMIN_PASSWORD" --mariadb-user-host-login-scope=% --install-app erpnext
}

ensure_site() {
	local site=$1 with_app=$2 developer_mode=${3:-1}
	new_erpnext_site "$site"
	bench_cmd --site "$site" set-config developer_mode "$developer_mode" >/dev/null
	if [[ "$with_app" == yes ]]; then
		if ! site_has_app "$site" crm_mail_archive; then
			log "installing crm_mail_archive on $site"
			bench_cmd --site "$site" install-app crm_mail_archive
		fi
		# The wizard's company is what ERPNext's forms and tests expect to exist
		run_devtool "$site" devtools.site.complete_setup_wizard
		bench_cmd --site "$site" migrate >/dev/null
	fi
}

# Run a command in <bench>/sites against the benchmark site (created once, with ERPNext and this
# checkout's app, scheduler off: nothing but the command syncs there; not in developer mode, which
# reloads every app's hooks and controllers in each process and job, as a production site does
# not), then point the bench's app back at the checkout it used before. Returns the command's status.
run_on_bench_site() {
	[[ -d "$BENCH_DIR/apps/frappe" ]] || die "no bench at $BENCH_DIR: run the setup command (make setup) first"
	ensure_mariadb
	ensure_db_admin
	ensure_bench_redis
	local previous status=0
	previous=$(readlink "$BENCH_DIR/apps/crm_mail_archive" 2>/dev/null || true)
	link_app_to_checkout
	ensure_site "$BENCH_SITE" yes 0
	bench_cmd --site "$BENCH_SITE" migrate --skip-search-index >/dev/null
	bench_cmd --site "$BENCH_SITE" scheduler disable >/dev/null 2>&1 || true
	(cd "$BENCH_DIR/sites" && "$@") || status=$?
	if [[ -n "$previous" && -d "$previous" && "$previous" != "$CHECKOUT_DIR" ]]; then
		CHECKOUT_DIR=$previous link_app_to_checkout
	fi
	return $status
}
