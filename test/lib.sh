# test/lib.sh — shell functions shared by test/run, demo/run and bench/*.
#
# Source it; it defines functions and a few variables, and runs nothing.
# Every function that starts a process records how to stop it, and
# awstore_cleanup (installed as an EXIT trap by the callers) stops them all.

AWSTORE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_CONFIG=${PG_CONFIG:-$PG_BINDIR/pg_config}
AWSTORE_TEST_USER=${AWSTORE_TEST_USER:-awstore_test}

# Debian packages the build, the tests and the demo need.
AWSTORE_APT_PACKAGES="postgresql-15 postgresql-server-dev-15 postgresql-15-cron
  libcurl4-openssl-dev libjson-c-dev zlib1g-dev pkg-config make gcc
  python3-boto3 python3-psycopg openssl"

# AWS's own DynamoDB engine (DynamoDB Local 1.25.1), as shipped inside this
# npm package; only the package's own tarball is fetched, and checked.
AWSTORE_DDBLOCAL_PACKAGE=amplify-dynamodb-simulator
AWSTORE_DDBLOCAL_VERSION=2.9.30
AWSTORE_DDBLOCAL_INTEGRITY=sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==

_awstore_pids=()
# A command the engines are started under, e.g. (setsid) for an engine that
# outlives the script (demo/run); empty by default.
AWSTORE_ENGINE_WRAPPER=()
_awstore_cleanups=()
AWSTORE_TEST_USER_ENV=()

awstore_log() { printf '== %s\n' "$*" >&2; }

awstore_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Run a command as root: directly when we are root, through sudo otherwise.
awstore_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		awstore_die "need root (or sudo) to run: $*"
	fi
}

# Install the Debian packages that are missing, and Node.js when there is
# no npm on the machine.
awstore_ensure_packages() {
	local missing=() pkg
	for pkg in $AWSTORE_APT_PACKAGES; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$pkg")
		fi
	done
	if ! command -v npm >/dev/null 2>&1; then
		missing+=(nodejs npm)
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		awstore_log "installing Debian packages: ${missing[*]}"
		awstore_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		awstore_as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

# npm packages pinned in test/package-lock.json (dynalite).
awstore_ensure_node_modules() {
	local dir=$AWSTORE_ROOT/test
	if [ ! -x "$dir/node_modules/.bin/dynalite" ] ||
		[ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		awstore_log "installing npm packages (npm ci)"
		(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
	fi
}

# Build and install the extension into the server of PG_CONFIG.
#
# With AWSTORE_PG_PREFIX set, the server's binaries and shared files are
# copied once under that folder (PostgreSQL finds its share and lib folders
# relative to its binary) and awstore is installed there instead, with
# PG_BINDIR pointing at the copy: several checkouts can then build and test
# side by side without replacing each other's awstore.so.
awstore_build_install() {
	awstore_log "building awstore"
	# autodepend: an object is rebuilt when a header it includes changed
	# (PGXS tracks nothing by default: stale objects after a merge crash).
	make -C "$AWSTORE_ROOT" -s PG_CONFIG="$PG_CONFIG" autodepend=yes \
		PG_CFLAGS="-Wall -Wextra ${PG_CFLAGS:-}" >&2 || return 1
	if [ -n "${AWSTORE_PG_PREFIX:-}" ]; then
		awstore_private_server "$AWSTORE_PG_PREFIX" || return 1
		make -C "$AWSTORE_ROOT" -s PG_CONFIG="$PG_CONFIG" \
			DESTDIR="$AWSTORE_PG_PREFIX" install >/dev/null
		return
	fi
	awstore_as_root make -C "$AWSTORE_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# The version a control file says (its default_version).
awstore_control_version() {
	sed -n "s/^default_version = '\(.*\)'$/\1/p" "$1"
}

# test/run --installed: awstore as installed for PG_CONFIG's server (by the
# Debian package, say), not built from the checkout; its version must be
# the checkout's.
awstore_check_installed() {
	local sharedir pkglibdir want have owner
	sharedir=$("$PG_CONFIG" --sharedir) || return 1
	pkglibdir=$("$PG_CONFIG" --pkglibdir) || return 1
	if [ ! -f "$sharedir/extension/awstore.control" ] || [ ! -f "$pkglibdir/awstore.so" ]; then
		echo "error: awstore is not installed for $PG_CONFIG ($sharedir/extension, $pkglibdir)" >&2
		return 1
	fi
	want=$(awstore_control_version "$AWSTORE_ROOT/awstore.control")
	have=$(awstore_control_version "$sharedir/extension/awstore.control")
	if [ "$want" != "$have" ]; then
		echo "error: the installed awstore is $have, the checkout is $want" >&2
		return 1
	fi
	owner=$(dpkg-query -S "$pkglibdir/awstore.so" 2>/dev/null | cut -d: -f1)
	if [ -n "$owner" ]; then
		owner="$owner $(dpkg-query -W -f '${Version}' "$owner" 2>/dev/null)"
	fi
	awstore_log "testing the installed awstore $have (${owner:-not from a package})"
}

# Copy the server of PG_CONFIG under $1 (once) and point PG_BINDIR at it.
awstore_private_server() {
	local prefix=$1 bindir sharedir libdir
	bindir=$("$PG_CONFIG" --bindir)
	sharedir=$("$PG_CONFIG" --sharedir)
	libdir=$("$PG_CONFIG" --pkglibdir)
	if [ ! -x "$prefix$bindir/postgres" ]; then
		mkdir -p "$prefix$bindir" "$prefix$sharedir" "$prefix$libdir" || return 1
		cp -a "$bindir/." "$prefix$bindir/" &&
			cp -a "$sharedir/." "$prefix$sharedir/" &&
			cp -a "$libdir/." "$prefix$libdir/" || return 1
		chmod -R a+rX "$prefix"
	fi
	PG_BINDIR=$prefix$bindir
}

# The unprivileged user that runs the servers (initdb refuses root).
awstore_ensure_test_user() {
	if [ "$(id -u)" -ne 0 ]; then
		AWSTORE_TEST_USER=$(id -un)
		return
	fi
	if ! id -u "$AWSTORE_TEST_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin "$AWSTORE_TEST_USER"
	fi
}

# Run a command as the test user, with the PostgreSQL binaries on PATH.
# AWSTORE_TEST_USER_ENV (an array of NAME=value) is added to its
# environment: test/run --sanitize sets it to preload the ASan runtime.
awstore_as_test_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$AWSTORE_TEST_USER" -- env PATH="$PG_BINDIR:$PATH" HOME=/tmp \
			"${AWSTORE_TEST_USER_ENV[@]}" "$@"
	else
		env PATH="$PG_BINDIR:$PATH" "${AWSTORE_TEST_USER_ENV[@]}" "$@"
	fi
}

# Is anything listening on this loopback TCP port?
awstore_port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print a loopback TCP port that nothing listens on.
awstore_free_port() {
	local port tries=0
	while [ $tries -lt 200 ]; do
		port=$((20000 + RANDOM % 40000))
		if ! awstore_port_in_use "$port"; then
			echo "$port"
			return 0
		fi
		tries=$((tries + 1))
	done
	awstore_die "no free loopback port found"
}

# Wait until a TCP port accepts connections (or fail after $2 seconds).
awstore_wait_port() {
	local port=$1 seconds=${2:-20} i
	for ((i = 0; i < seconds * 10; i++)); do
		awstore_port_in_use "$port" && return 0
		sleep 0.1
	done
	return 1
}

# Start the run's DynamoDB engine: dynalite, or DynamoDB Local when
# AWSTORE_ENGINE=local.  Either way AWSTORE_DYNAMODB_PORT and
# AWSTORE_DYNAMODB_ENDPOINT name it, and AWSTORE_ENGINE says which it is.
awstore_start_engine() {
	if [ "${AWSTORE_ENGINE:-dynalite}" = local ]; then
		awstore_ensure_dynamodb_local || awstore_die "could not install DynamoDB Local"
		awstore_start_dynamodb_local "$1"
		AWSTORE_DYNAMODB_PORT=$AWSTORE_DDBLOCAL_PORT
		AWSTORE_DYNAMODB_ENDPOINT=$AWSTORE_DDBLOCAL_ENDPOINT
	else
		AWSTORE_ENGINE=dynalite
		awstore_start_dynalite "$1"
	fi
	export AWSTORE_ENGINE AWSTORE_DYNAMODB_PORT AWSTORE_DYNAMODB_ENDPOINT
}

# Start a server as the test user on a free loopback port (three tries):
# _awstore_listen <log> <seconds to wait> <name> <command…>, where the word
# @PORT@ in the command stands for the port.  Sets _awstore_port; the pid
# is the last of _awstore_pids.
_awstore_listen() {
	local log=$1 seconds=$2 what=$3 port attempt
	shift 3
	for attempt in 1 2 3; do
		port=$(awstore_free_port)
		awstore_as_test_user "${@//@PORT@/$port}" >"$log" 2>&1 </dev/null &
		_awstore_pids+=($!)
		# the port must be ours: if another run's server holds it, ours exits
		if awstore_wait_port "$port" "$seconds" && sleep 0.3 && kill -0 "$!" 2>/dev/null; then
			_awstore_port=$port
			return 0
		fi
	done
	cat "$log" >&2
	awstore_die "$what did not start"
}

# Start dynalite on a free loopback port as the test user.  Sets
# AWSTORE_DYNAMODB_PORT and AWSTORE_DYNAMODB_ENDPOINT.  Logs go to $1/dynalite.log.
awstore_start_dynalite() {
	_awstore_listen "$1/dynalite.log" 20 dynalite "${AWSTORE_ENGINE_WRAPPER[@]}" \
		node "$AWSTORE_ROOT/test/node_modules/dynalite/cli.js" \
		--host 127.0.0.1 --port @PORT@ --createTableMs 0 --deleteTableMs 0 --updateTableMs 0
	AWSTORE_DYNAMODB_PORT=$_awstore_port
	AWSTORE_DYNAMODB_ENDPOINT="http://127.0.0.1:$_awstore_port"
	export AWSTORE_DYNAMODB_PORT AWSTORE_DYNAMODB_ENDPOINT
}

# Fetch DynamoDB Local (the pinned npm tarball, its sha512 checked) and
# unpack its emulator/ folder under test/dynamodb-local/ once.
awstore_ensure_dynamodb_local() {
	local dir=$AWSTORE_ROOT/test/dynamodb-local tgz sum
	if ! command -v java >/dev/null 2>&1; then
		awstore_log "installing Debian's Java runtime for DynamoDB Local"
		awstore_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			awstore_as_root env DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null ||
			return 1
	fi
	[ -f "$dir/$AWSTORE_DDBLOCAL_VERSION/DynamoDBLocal.jar" ] && return 0
	awstore_log "fetching DynamoDB Local ($AWSTORE_DDBLOCAL_PACKAGE@$AWSTORE_DDBLOCAL_VERSION)"
	mkdir -p "$dir/download" || return 1
	(cd "$dir/download" && npm pack "$AWSTORE_DDBLOCAL_PACKAGE@$AWSTORE_DDBLOCAL_VERSION" \
		--silent --no-audit --no-fund >/dev/null) || return 1
	tgz=$dir/download/$AWSTORE_DDBLOCAL_PACKAGE-$AWSTORE_DDBLOCAL_VERSION.tgz
	sum="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
	if [ "$sum" != "$AWSTORE_DDBLOCAL_INTEGRITY" ]; then
		rm -f "$tgz"
		awstore_log "DynamoDB Local: integrity mismatch ($sum)"
		return 1
	fi
	mkdir -p "$dir/$AWSTORE_DDBLOCAL_VERSION" &&
		tar -xzf "$tgz" -C "$dir/$AWSTORE_DDBLOCAL_VERSION" --strip-components=2 package/emulator &&
		rm -f "$tgz" && chmod -R a+rX "$dir"
}

# Start DynamoDB Local on a free loopback port as the test user (in memory,
# no telemetry).  Sets AWSTORE_DDBLOCAL_PORT and AWSTORE_DDBLOCAL_ENDPOINT.
# Logs go to $1/dynamodb-local.log.
awstore_start_dynamodb_local() {
	_awstore_listen "$1/dynamodb-local.log" 60 "DynamoDB Local" \
		env -C "$AWSTORE_ROOT/test/dynamodb-local/$AWSTORE_DDBLOCAL_VERSION" \
		"${AWSTORE_ENGINE_WRAPPER[@]}" java -Xms64m -Xmx512m \
		-Djava.library.path=DynamoDBLocal_lib -jar DynamoDBLocal.jar \
		-inMemory -sharedDb -port @PORT@ -disableTelemetry
	AWSTORE_DDBLOCAL_PORT=$_awstore_port
	AWSTORE_DDBLOCAL_ENDPOINT="http://127.0.0.1:$_awstore_port"
	export AWSTORE_DDBLOCAL_PORT AWSTORE_DDBLOCAL_ENDPOINT
}

# Start a throwaway PostgreSQL cluster as the test user: initdb into
# $1/pgdata (trust, UTF8, C locale, no fsync at initdb), reachable only
# over a unix socket in $1 on a free port, its log in $1/postgres.log;
# then create database $2 unless it is "postgres".  The other arguments
# are lines added to postgresql.conf (a bench's settings, pg_cron's
# preload).  Sets AWSTORE_PGDATA, AWSTORE_PG_HOST, AWSTORE_PG_PORT,
# AWSTORE_PG_DB and AWSTORE_PG_DSN, which awstore_psql uses.  Returns
# non-zero when a step fails (its output is in $1/initdb.log or the
# server log); the caller stops the cluster (awstore_stop_cluster, often
# through awstore_on_cleanup) unless it is meant to outlive the script.
awstore_start_cluster() {
	local dir=$1 db=$2 line
	shift 2
	AWSTORE_PGDATA=$dir/pgdata
	AWSTORE_PG_HOST=$dir
	AWSTORE_PG_PORT=$(awstore_free_port)
	AWSTORE_PG_DB=$db
	AWSTORE_PG_DSN="host=$dir port=$AWSTORE_PG_PORT user=postgres dbname=$db"
	awstore_as_test_user initdb -D "$AWSTORE_PGDATA" -U postgres --auth=trust \
		-E UTF8 --locale=C -N >"$dir/initdb.log" 2>&1 || return 1
	{
		echo
		echo "port = $AWSTORE_PG_PORT"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "log_line_prefix = '%m [%p] '"
		echo "lc_messages = 'C'"
		for line in "$@"; do echo "$line"; done
	} >>"$AWSTORE_PGDATA/postgresql.conf"
	awstore_as_test_user pg_ctl -D "$AWSTORE_PGDATA" -l "$dir/postgres.log" -w start \
		>/dev/null || return 1
	if [ "$db" != postgres ]; then
		awstore_as_test_user createdb -h "$dir" -p "$AWSTORE_PG_PORT" -U postgres "$db" || return 1
	fi
}

# Stop the cluster in $1 (a data directory) if it runs: a fast shutdown,
# an immediate one if that does not finish in a minute.  With a second
# argument "remove", its data directory goes too.
awstore_stop_cluster() {
	local pgdata=$1
	if [ -f "$pgdata/postmaster.pid" ]; then
		awstore_as_test_user pg_ctl -D "$pgdata" -m fast -w -t 60 stop >/dev/null ||
			awstore_as_test_user pg_ctl -D "$pgdata" -m immediate -w stop >/dev/null
	fi
	if [ "${2:-}" = remove ]; then
		rm -rf "$pgdata"
	fi
}

# psql as the test user on the cluster awstore_start_cluster started last
# (no psqlrc); the arguments are psql's.
awstore_psql() {
	awstore_as_test_user psql -X -h "$AWSTORE_PG_HOST" -p "$AWSTORE_PG_PORT" -U postgres \
		-d "$AWSTORE_PG_DB" "$@"
}

# Register a command to run at cleanup.
awstore_on_cleanup() { _awstore_cleanups+=("$*"); }

awstore_cleanup() {
	local pid cmd
	for cmd in "${_awstore_cleanups[@]}"; do
		eval "$cmd" >/dev/null 2>&1 || true
	done
	for pid in "${_awstore_pids[@]}"; do
		# The child of runuser is the real process; kill the whole group.
		pkill -TERM -P "$pid" 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${_awstore_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}

# Start test/awsmeta.py (IMDSv2, container credentials and STS on one
# loopback port) as the test user; awstore_cleanup stops it.  Extra
# arguments go to awsmeta.py (--expiry, --role, ...).  Exports
#   AWSTORE_AWSMETA_ENDPOINT  http://127.0.0.1:<port>
#   AWSTORE_AWSMETA_PORT      <port>
# Output goes to <logdir>/awsmeta.out, its log to <logdir>/awsmeta.log.
awstore_start_awsmeta() {
	local logdir=$1
	shift
	awstore_start_py_server awsmeta "$logdir" --port 0 "$@"
	AWSTORE_AWSMETA_PORT=$AWSTORE_STARTED_PORT
	AWSTORE_AWSMETA_ENDPOINT="http://127.0.0.1:$AWSTORE_STARTED_PORT"
	export AWSTORE_AWSMETA_PORT AWSTORE_AWSMETA_ENDPOINT
}

# Start one of the harness's Python endpoints, test/<name>.py, as the test
# user on a port it chooses itself, and wait until it prints
# "<name> listening on <port>": awstore_start_py_server <name> <logdir>
# <arguments…>.  The test user may not be able to read the checkout
# (/root), so a copy in <logdir> runs.  Sets AWSTORE_STARTED_PORT; output
# goes to <logdir>/<name>.out, its log to <logdir>/<name>.log;
# awstore_cleanup stops it.  Debian's python3 has botocore
# (python3-boto3); the first python3 on PATH may not.
awstore_start_py_server() {
	local name=$1 logdir=$2 script pid
	shift 2
	script=$logdir/$name.py
	cp "$AWSTORE_ROOT/test/$name.py" "$script" && chmod 644 "$script" ||
		awstore_die "could not copy $name.py to $logdir"
	awstore_as_test_user /usr/bin/python3 "$script" "$@" \
		>"$logdir/$name.out" 2>"$logdir/$name.log" &
	pid=$!
	_awstore_pids+=("$pid")
	awstore_await_port "$pid" "$logdir/$name.log" \
		sed -n "s/^$name listening on \([0-9][0-9]*\)\$/\1/p" "$logdir/$name.out" ||
		awstore_die "$name did not start"
}

# Wait until a command (awstore_await_port <pid> <log> <command…>) prints
# the port that the process <pid> listens on, for up to 20 s; sets
# AWSTORE_STARTED_PORT.  Fails, printing <log>, when the process ends first
# or the time is up.
awstore_await_port() {
	local pid=$1 log=$2 port i
	shift 2
	for ((i = 0; i < 200; i++)); do
		port=$("$@" 2>/dev/null)
		if [ -n "$port" ]; then
			AWSTORE_STARTED_PORT=$port
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

# Everything a pg_regress suite needs to test each AWS credential source,
# set up before pg_regress starts its server (a postmaster's environment is
# fixed at start): awstore_credential_fixture <dir> starts an awsmeta of
# its own (awstore_start_awsmeta <dir>; not the one the C tests
# reconfigure) and writes into <dir>
#   config, credentials    shared AWS files, profiles listed in docs/testing.md
#   web-identity-token     the web identity token awsmeta accepts
#   container-token        the container Authorization token awsmeta accepts
#   unreadable-token       a token file no one may read (mode 000)
# Both tokens are random for each run, so the secret scan finds any leak.
# Fills the array AWSTORE_CREDENTIAL_ENV with NAME=value words for the
# server's environment (test/run passes them to pg_regress only); see
# docs/testing.md for the list.  Call it after awstore_ensure_test_user.
awstore_credential_fixture() {
	local dir=$1 web_token container_token account=123456789012
	mkdir -p "$dir" && chmod 755 "$dir" || awstore_die "could not create $dir"
	[ "$(id -u)" -eq 0 ] && chown "$AWSTORE_TEST_USER" "$dir"
	web_token="awstore-web-identity-$(openssl rand -hex 16)"
	container_token="awstore-container-$(openssl rand -hex 16)"
	awstore_start_awsmeta "$dir" --account "$account" \
		--access-key "${AWSTORE_FAULT_ACCESS_KEY:-AKIDAWSTORETEST}" \
		--secret-key "${AWSTORE_FAULT_SECRET_KEY:-awstore/test+secret}" \
		--web-identity-token "$web_token" --container-token "$container_token"
	AWSTORE_CREDENTIAL_WEB_TOKEN=$web_token
	AWSTORE_CREDENTIAL_CONTAINER_TOKEN=$container_token
	printf '%s' "$web_token" >"$dir/web-identity-token"
	printf '%s' "$container_token" >"$dir/container-token"
	printf '%s' "$web_token" >"$dir/unreadable-token"
	cat >"$dir/credentials" <<-CREDENTIALS
		[default]
		aws_access_key_id = ${AWSTORE_FAULT_ACCESS_KEY:-AKIDAWSTORETEST}
		aws_secret_access_key = ${AWSTORE_FAULT_SECRET_KEY:-awstore/test+secret}

		[awstore-static]
		aws_access_key_id = ${AWSTORE_FAULT_ACCESS_KEY:-AKIDAWSTORETEST}
		aws_secret_access_key = ${AWSTORE_FAULT_SECRET_KEY:-awstore/test+secret}

		[awstore-unknown-key]
		aws_access_key_id = AKIDAWSTOREUNKNOWN
		aws_secret_access_key = not-a-known-secret
	CREDENTIALS
	cat >"$dir/config" <<-CONFIG
		[default]
		region = us-east-1

		[profile awstore-static]
		region = us-east-1

		[profile awstore-config-static]
		aws_access_key_id = ${AWSTORE_FAULT_ACCESS_KEY:-AKIDAWSTORETEST}
		aws_secret_access_key = ${AWSTORE_FAULT_SECRET_KEY:-awstore/test+secret}

		[profile awstore-assume]
		role_arn = arn:aws:iam::$account:role/awstore-assumed-role
		source_profile = awstore-static
		role_session_name = awstore-profile-assume

		[profile awstore-external]
		role_arn = arn:aws:iam::$account:role/awstore-external-role
		source_profile = awstore-static
		external_id = awstore-external-id

		[profile awstore-denied]
		role_arn = arn:aws:iam::$account:role/awstore-denied-role
		source_profile = awstore-static

		[profile awstore-web-identity]
		role_arn = arn:aws:iam::$account:role/awstore-web-identity-role
		web_identity_token_file = $dir/web-identity-token
		role_session_name = awstore-profile-web-identity

		[profile awstore-missing-source]
		role_arn = arn:aws:iam::$account:role/awstore-assumed-role
		source_profile = awstore-no-such-profile
	CONFIG
	chmod 644 "$dir/config" "$dir/credentials" "$dir/web-identity-token" \
		"$dir/container-token"
	chmod 000 "$dir/unreadable-token"
	[ "$(id -u)" -eq 0 ] && chown "$AWSTORE_TEST_USER" "$dir"/*
	AWSTORE_CREDENTIAL_ENV=(
		AWSTORE_AWSMETA_ENDPOINT="$AWSTORE_AWSMETA_ENDPOINT"
		AWSTORE_AWS_DIR="$dir"
		AWS_CONFIG_FILE="$dir/config"
		AWS_SHARED_CREDENTIALS_FILE="$dir/credentials"
		AWS_EC2_METADATA_SERVICE_ENDPOINT="$AWSTORE_AWSMETA_ENDPOINT"
		AWS_CONTAINER_CREDENTIALS_FULL_URI="$AWSTORE_AWSMETA_ENDPOINT/container/credentials"
		AWS_CONTAINER_AUTHORIZATION_TOKEN="$container_token"
		AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$dir/container-token"
		AWS_WEB_IDENTITY_TOKEN_FILE="$dir/web-identity-token"
		AWS_ROLE_ARN="arn:aws:iam::$account:role/awstore-web-identity-role"
		AWS_ROLE_SESSION_NAME=awstore-regress
		AWS_ENDPOINT_URL_STS="$AWSTORE_AWSMETA_ENDPOINT"
	)
}

# Print, one a line, every secret the fixture's awsmeta issued (secret keys
# and session tokens, from its GET /__issued) and the fixture's two tokens:
# what the secret scan looks for in the suites' outputs.
awstore_credential_secrets() {
	printf '%s\n' "$AWSTORE_CREDENTIAL_WEB_TOKEN" "$AWSTORE_CREDENTIAL_CONTAINER_TOKEN"
	curl -sf --noproxy '*' "$AWSTORE_AWSMETA_ENDPOINT/__issued" |
		/usr/bin/python3 -c 'import json, sys
for c in json.load(sys.stdin).values():
    print(c["secret"]); print(c["token"])'
}
