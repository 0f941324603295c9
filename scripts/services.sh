#!/usr/bin/env bash
# Start or stop the development site's processes without systemd or honcho:
# web server, socket.io, one worker for Frappe's queues, one for the syncs' own queue, the
# scheduler, the IMAP IDLE watcher and the demo Dovecot.
#   scripts/services.sh start | stop | status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings

PID_DIR="$BENCH_DIR/config/pids"
LOG_DIR="$BENCH_DIR/logs"

declare -A COMMANDS=(
	[web]="env DEV_SERVER=1 bench serve --port $WEB_PORT --noreload"
	[socketio]="node apps/frappe/socketio.js"
	[worker]="bench worker --queue short,default,long"
	[sync_worker]="bench worker --queue mail_archive_sync"
	[schedule]="bench schedule"
	[watch]="bench --site $DEV_SITE mail-archive watch"
)

running() { [[ -f "$PID_DIR/$1.pid" ]] && kill -0 "$(cat "$PID_DIR/$1.pid")" 2>/dev/null; }

start() {
	ensure_mariadb
	ensure_bench_redis
	declare_sync_queue
	mkdir -p "$PID_DIR" "$LOG_DIR"
	local name
	for name in "${!COMMANDS[@]}"; do
		if running "$name"; then continue; fi
		log "starting $name"
		# `cd` first: with `cd && cmd &` the pid would be a subshell's, not the session leader's
		(
			cd "$BENCH_DIR"
			setsid nohup ${COMMANDS[$name]} >>"$LOG_DIR/dev-$name.log" 2>&1 &
			echo $! >"$PID_DIR/$name.pid"
		)
	done
	run_devtool "$DEV_SITE" devtools.demo.ensure_demo_dovecot
	local i
	for i in $(seq 1 60); do
		curl -sf -o /dev/null -H "Host: $DEV_SITE" "http://127.0.0.1:$WEB_PORT/api/method/ping" && return 0
		sleep 1
	done
	die "the web server did not answer on port $WEB_PORT (see $LOG_DIR/dev-web.log)"
}

stop() {
	local name
	for name in "${!COMMANDS[@]}"; do
		if running "$name"; then
			kill -- -"$(cat "$PID_DIR/$name.pid")" 2>/dev/null || kill "$(cat "$PID_DIR/$name.pid")" || true
		fi
		rm -f "$PID_DIR/$name.pid"
	done
}

status() {
	local name
	for name in "${!COMMANDS[@]}"; do
		if running "$name"; then echo "$name: running"; else echo "$name: stopped"; fi
	done
}

case "${1:-status}" in
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 start|stop|status" ;;
esac
