# bench/lib.sh — shell functions every bench/<name>/run shares.
#
# Sourced after test/lib.sh by each bench's run script; it defines
# functions and runs nothing.  Three groups:
#
#   setup       bench_build (build and install awstore, or BUILD=0),
#               bench_workdir (the run's folder), bench_node_pid (the
#               dynalite process whose CPU time is measured) and
#               bench_proc_pid (the same for a Python endpoint),
#               bench_start_cluster (the throwaway PostgreSQL, stopped at
#               exit) and sql / sql1 on it;
#   statistics  over the run's results file, one line a measurement,
#               "<name> key=value ...": field_of, bench_vals, med, mx,
#               calc, ratio; and proc_cpu, a process's CPU seconds;
#   verdicts    a figure against its target: at_least and at_most print
#               PASS, MISS, or n/a when the figure could not be measured.
#
# The statistics read the file named by $results; a line carrying ok=0 is
# a failed run and never counts.  A figure that could not be measured is
# "nan" throughout.

# Build and install awstore (awstore_build_install), or with BUILD=0 check
# that it is installed already and use that.
bench_build() {
	if [ "${BUILD:-1}" = 1 ]; then
		awstore_ensure_packages
		awstore_build_install
	else
		awstore_log "BUILD=0: using the awstore already installed in $("$PG_CONFIG" --sharedir)/extension"
		[ -f "$("$PG_CONFIG" --sharedir)/extension/awstore.control" ] ||
			awstore_die "awstore is not installed; run without BUILD=0"
	fi
}

# Create the run's folder /tmp/awstore-bench-<name>.XXXXXX with out/ in
# it, owned by the test user; sets work.
bench_workdir() {			# bench_workdir <name>
	work=$(mktemp -d "/tmp/awstore-bench-$1.XXXXXX")
	chmod 755 "$work"
	mkdir -p "$work/out"
	[ "$(id -u)" -eq 0 ] && chown -R "$AWSTORE_TEST_USER" "$work"
	return 0
}

# Print the pid of the node process at or below a process (runuser, maybe
# a shell, then node), waiting up to 5 s for it to appear; fails when there
# is none.
bench_node_pid() { bench_proc_pid "$1" node; }	# bench_node_pid <pid>

# The same for any command name (as in /proc/<pid>/comm): python3 for the
# harness's Python endpoints.
bench_proc_pid() {			# bench_proc_pid <pid> <comm>
	local pid try
	for ((try = 0; try < 50; try++)); do
		pid=$1
		for _ in 1 2 3 4; do
			[ -n "$pid" ] || break
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid" && return 0
			pid=$(pgrep -P "$pid" | head -n 1 || true)
		done
		sleep 0.1
	done
	return 1
}

# Start the bench's throwaway PostgreSQL in $work (awstore_start_cluster)
# with database $db, the lines given added to postgresql.conf, and stop it
# at exit (its data directory removed unless KEEP_CLUSTER=1).  Sets pgdata,
# pglog, port and dsn.
bench_start_cluster() {			# bench_start_cluster <conf line>...
	awstore_log "starting a throwaway PostgreSQL 15 in $work"
	awstore_start_cluster "$work" "$db" "$@" ||
		awstore_die "the throwaway PostgreSQL did not start (see $work/initdb.log, $work/postgres.log)"
	pgdata=$AWSTORE_PGDATA
	pglog=$work/postgres.log
	port=$AWSTORE_PG_PORT
	dsn=$AWSTORE_PG_DSN
	if [ "${KEEP_CLUSTER:-0}" = 1 ]; then
		awstore_on_cleanup "awstore_stop_cluster '$pgdata'"
	else
		awstore_on_cleanup "awstore_stop_cluster '$pgdata' remove"
	fi
}

# psql on the bench's cluster, quiet, stopping at the first error.
sql() { awstore_psql -q -v ON_ERROR_STOP=1 "$@"; }
# One value (or row, fields separated by |) from a query.
sql1() { sql -At -c "$1"; }

# --- statistics --------------------------------------------------------------

now() { date +%s.%N; }
# CPU seconds (user + system) a process has used so far.
proc_cpu() {				# proc_cpu <pid>
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}
# Arithmetic with two decimals: calc "$a / $b".
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }
# The value of key in a "key=value key=value" line.
field_of() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
# Values of a field over the successful runs of a measurement, one a line.
bench_vals() {				# bench_vals <name> <field>
	awk -v n="$1" -v k="$2" '$1 == n && !/ ok=0/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$results"
}
# Median of a field over the runs of a measurement (nan when none).
med() {					# med <name> <field>
	bench_vals "$1" "$2" | sort -g | awk '{ v[++c] = $1 } END { if (c == 0) { print "nan"; exit } print (c % 2) ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2 }'
}
# Largest value of a field over the runs of a measurement.
mx() { bench_vals "$1" "$2" | sort -g | tail -n 1; }
# Items a second of each run of a measurement, on one line.
each() { bench_vals "$1" items_per_s | awk '{ printf "%s%.0f", (c++ ? " " : ""), $1 }'; }
# a / b, nan when either is nan.
ratio() { [ "$1" = nan ] || [ "$2" = nan ] && echo nan || calc "$1 / $2"; }

# --- verdicts ----------------------------------------------------------------

# PASS when the figure is at least the target, MISS otherwise, n/a when it
# is nan.
at_least() {				# at_least <figure> <target>
	awk -v a="$1" -v b="$2" 'BEGIN { print (a == "nan" ? "n/a" : (a + 0 >= b + 0) ? "PASS" : "MISS") }'
}
# PASS when the figure is at most the target, MISS otherwise, n/a when it
# is nan.
at_most() {				# at_most <figure> <target>
	awk -v a="$1" -v b="$2" 'BEGIN { print (a == "nan" ? "n/a" : (a + 0 <= b + 0) ? "PASS" : "MISS") }'
}
