# test/tls.sh — TLS fronts and a CONNECT proxy for a test run.
#
# Source it after test/lib.sh; it defines functions and runs nothing.
#
# awstore_start_tls <dir> <faultproxy host:port> <dynalite host:port> makes a
# test CA and certificates with openssl under <dir>/tls (a server
# certificate for 127.0.0.1 and localhost, an expired one, one for another
# host name, and a second CA that signed none of them), starts
# test/tlsfront.py fronts as the test user, records their pids for
# awstore_cleanup, and exports:
#   AWSTORE_TLS_CA                the test CA (PEM)
#   AWSTORE_TLS_OTHER_CA          a CA that signed nothing here
#   AWSTORE_TLS_ENDPOINT          https://127.0.0.1:<port> -> the fault proxy
#   AWSTORE_TLS_COUNT             file: TLS handshakes of that front
#   AWSTORE_TLS_EXPIRED_ENDPOINT  https, an expired certificate -> dynalite
#   AWSTORE_TLS_WRONGHOST_ENDPOINT https, a certificate for other.example
#   AWSTORE_TLS_STALL_ENDPOINT    https, never answers the handshake
#   AWSTORE_TLS_PROXY             http://127.0.0.1:<port>, a CONNECT proxy
#   AWSTORE_TLS_PROXY_COUNT       file: tunnels the proxy opened
#
# awstore_start_tls_relays <dir> <upstream host:port> makes the same CA and
# starts two fronts to one upstream, for a benchmark: one over TLS, one
# relaying plain http the same way.  It exports AWSTORE_TLS_CA and
#   AWSTORE_TLS_RELAY_ENDPOINT    https://127.0.0.1:<port> -> upstream
#   AWSTORE_PLAIN_RELAY_ENDPOINT  http://127.0.0.1:<port> -> upstream

# Make the CA and certificates (valid for two days).
_awstore_tls_certs() {
	local d=$1
	mkdir -p "$d" || return 1
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=awstore test CA" &&
			openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem \
				-days 2 -subj "/CN=awstore other CA" &&
			openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
				-subj "/CN=127.0.0.1" &&
			printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out server.pem -days 2 -extfile server.ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out expired.pem -days -1 -extfile server.ext &&
			printf 'subjectAltName=DNS:other.example\n' >other.ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out wronghost.pem -days 2 -extfile other.ext
	) >"$d/openssl.log" 2>&1 || return 1
	chmod 755 "$d" && chmod 644 "$d"/*
}

# The certificates and a copy of tlsfront.py in <dir>, owned by the test
# user.
_awstore_tls_setup() {
	local d=$1
	_awstore_tls_certs "$d" || { cat "$d/openssl.log" >&2; return 1; }
	cp "$AWSTORE_ROOT/test/tlsfront.py" "$d/" && chmod 644 "$d/tlsfront.py" || return 1
	[ "$(id -u)" -eq 0 ] && chown -R "$AWSTORE_TEST_USER" "$d"
	return 0
}

# Start one front: _awstore_tls_front <dir> <name> <mode> [tlsfront args…];
# sets _awstore_tls_port.  (Not run in $(…): the pid must reach
# _awstore_pids of this shell, for awstore_cleanup to stop the front.)
_awstore_tls_front() {
	local d=$1 name=$2 mode=$3 pid
	shift 3
	awstore_as_test_user /usr/bin/python3 "$d/tlsfront.py" "$mode" \
		--port-file "$d/$name.port" --count-file "$d/$name.count" "$@" \
		>"$d/$name.log" 2>&1 &
	pid=$!
	_awstore_pids+=("$pid")
	awstore_await_port "$pid" "$d/$name.log" cat "$d/$name.port" || return 1
	_awstore_tls_port=$AWSTORE_STARTED_PORT
}

awstore_start_tls() {
	local d=$1/tls fault=$2 dynalite=$3
	_awstore_tls_setup "$d" || return 1

	_awstore_tls_front "$d" good tls --cert "$d/server.pem" --key "$d/server.key" \
		--upstream "$fault" || return 1
	AWSTORE_TLS_ENDPOINT="https://127.0.0.1:$_awstore_tls_port"
	_awstore_tls_front "$d" expired tls --cert "$d/expired.pem" --key "$d/server.key" \
		--upstream "$dynalite" || return 1
	AWSTORE_TLS_EXPIRED_ENDPOINT="https://127.0.0.1:$_awstore_tls_port"
	_awstore_tls_front "$d" wronghost tls --cert "$d/wronghost.pem" --key "$d/server.key" \
		--upstream "$dynalite" || return 1
	AWSTORE_TLS_WRONGHOST_ENDPOINT="https://127.0.0.1:$_awstore_tls_port"
	_awstore_tls_front "$d" stall stall || return 1
	AWSTORE_TLS_STALL_ENDPOINT="https://127.0.0.1:$_awstore_tls_port"
	_awstore_tls_front "$d" proxy connect || return 1
	AWSTORE_TLS_PROXY="http://127.0.0.1:$_awstore_tls_port"

	AWSTORE_TLS_CA=$d/ca.pem
	AWSTORE_TLS_OTHER_CA=$d/other-ca.pem
	AWSTORE_TLS_COUNT=$d/good.count
	AWSTORE_TLS_PROXY_COUNT=$d/proxy.count
	export AWSTORE_TLS_CA AWSTORE_TLS_OTHER_CA AWSTORE_TLS_ENDPOINT AWSTORE_TLS_COUNT \
		AWSTORE_TLS_EXPIRED_ENDPOINT AWSTORE_TLS_WRONGHOST_ENDPOINT \
		AWSTORE_TLS_STALL_ENDPOINT AWSTORE_TLS_PROXY AWSTORE_TLS_PROXY_COUNT
}

awstore_start_tls_relays() {
	local d=$1/tls upstream=$2
	_awstore_tls_setup "$d" || return 1

	_awstore_tls_front "$d" relay_tls tls --cert "$d/server.pem" --key "$d/server.key" \
		--upstream "$upstream" || return 1
	AWSTORE_TLS_RELAY_ENDPOINT="https://127.0.0.1:$_awstore_tls_port"
	_awstore_tls_front "$d" relay_plain plain --upstream "$upstream" || return 1
	AWSTORE_PLAIN_RELAY_ENDPOINT="http://127.0.0.1:$_awstore_tls_port"
	AWSTORE_TLS_CA=$d/ca.pem
	export AWSTORE_TLS_CA AWSTORE_TLS_RELAY_ENDPOINT AWSTORE_PLAIN_RELAY_ENDPOINT
}
