# test/faultproxy.sh — start test/faultproxy.py for a test run.
#
# Source it after test/lib.sh; it defines functions and runs nothing.
#
# awstore_start_faultproxy <logdir> <upstream-url> starts the proxy as the
# test user in front of dynalite (usually "$AWSTORE_DYNAMODB_ENDPOINT"),
# records its pid in _awstore_pids so that awstore_cleanup stops it, waits
# until it listens, and exports
#   AWSTORE_FAULT_ENDPOINT   http://127.0.0.1:<port>  (point awstore here)
#   AWSTORE_FAULT_PORT       <port>
# Output goes to <logdir>/faultproxy.out, its log to <logdir>/faultproxy.log.
#
# The proxy checks every request's AWS Signature Version 4 (botocore as the
# oracle) against these credentials, which it also exports:
#   AWSTORE_FAULT_ACCESS_KEY     default AKIDAWSTORETEST
#   AWSTORE_FAULT_SECRET_KEY     default awstore/test+secret
#   AWSTORE_FAULT_REGION         default us-east-1
#   AWSTORE_FAULT_SESSION_TOKEN  default unset; when set, every request must
#                                carry it, signed, in X-Amz-Security-Token
# With AWSTORE_FAULT_AWSMETA set to test/awsmeta.py's endpoint (test/run
# sets it to AWSTORE_AWSMETA_ENDPOINT), the proxy also accepts every
# temporary key awsmeta issued, only with its session token (signed) and
# until it expires; then it answers DynamoDB's ExpiredTokenException.
# Set them before the call to override.  By default a header named in
# SignedHeaders but absent from the request is refused, as AWS services do;
# libcurl before 8.3.0 signs such a header whenever a default header is
# suppressed with "Expect:" (curl issue #11664).
# AWSTORE_FAULT_ALLOW_ABSENT_SIGNED=1 makes the proxy canonicalize it as
# empty instead (--allow-absent-signed-headers).
# AWSTORE_FAULT_LATENCY_MS=N adds N ms to every DynamoDB request
# (--latency-ms; requests on different connections wait at the same time),
# as from a distant endpoint; bench/scan/run uses it.
#
# Faults are armed over HTTP on the same port (see test/faultproxy.py):
#   awstore_fault '{"mode": "throttle", "count": 2}'
#   awstore_fault '{"mode": "mix", "rate": 0.1, "seed": 7,
#                   "faults": ["error500", "drop_before"]}'
#   awstore_fault_stats            (JSON counters on stdout)
#   awstore_fault_reset            (fault off, counters zeroed)
# Keep in mind that libcurl silently resends a request once when a reused
# connection dies before any reply: a single drop_before or drop_after on a
# kept-alive connection is invisible to awstore (and drop_after then applies
# the write twice); arm count=2 to make a drop reach awstore's own retries.

# Start the proxy; see above.
awstore_start_faultproxy() {
	local logdir=$1 upstream=$2
	local args

	AWSTORE_FAULT_ACCESS_KEY=${AWSTORE_FAULT_ACCESS_KEY:-AKIDAWSTORETEST}
	AWSTORE_FAULT_SECRET_KEY=${AWSTORE_FAULT_SECRET_KEY:-awstore/test+secret}
	AWSTORE_FAULT_REGION=${AWSTORE_FAULT_REGION:-us-east-1}
	export AWSTORE_FAULT_ACCESS_KEY AWSTORE_FAULT_SECRET_KEY AWSTORE_FAULT_REGION
	[ -n "${AWSTORE_FAULT_SESSION_TOKEN:-}" ] && export AWSTORE_FAULT_SESSION_TOKEN

	args=(--listen-port 0 --upstream "$upstream"
		--access-key "$AWSTORE_FAULT_ACCESS_KEY"
		--secret-key "$AWSTORE_FAULT_SECRET_KEY"
		--region "$AWSTORE_FAULT_REGION")
	if [ -n "${AWSTORE_FAULT_SESSION_TOKEN:-}" ]; then
		args+=(--session-token "$AWSTORE_FAULT_SESSION_TOKEN")
	fi
	if [ -n "${AWSTORE_FAULT_AWSMETA:-}" ]; then
		args+=(--awsmeta "$AWSTORE_FAULT_AWSMETA")
	fi
	if [ "${AWSTORE_FAULT_ALLOW_ABSENT_SIGNED:-0}" = 1 ]; then
		args+=(--allow-absent-signed-headers)
	fi
	if [ -n "${AWSTORE_FAULT_LATENCY_MS:-}" ]; then
		args+=(--latency-ms "$AWSTORE_FAULT_LATENCY_MS")
	fi

	awstore_start_py_server faultproxy "$logdir" "${args[@]}"
	AWSTORE_FAULT_PORT=$AWSTORE_STARTED_PORT
	AWSTORE_FAULT_ENDPOINT="http://127.0.0.1:$AWSTORE_STARTED_PORT"
	export AWSTORE_FAULT_PORT AWSTORE_FAULT_ENDPOINT
}

# Arm a fault: awstore_fault '<json>' (see test/faultproxy.py for the modes).
awstore_fault() {
	curl -sf --noproxy '*' -X POST -H 'Content-Type: application/json' \
		-d "$1" "$AWSTORE_FAULT_ENDPOINT/__fault" >/dev/null
}

# Print the proxy's counters (JSON).
awstore_fault_stats() {
	curl -sf --noproxy '*' "$AWSTORE_FAULT_ENDPOINT/__stats"
}

# Disarm any fault and zero the counters.
awstore_fault_reset() {
	awstore_fault '{"mode": "off"}' &&
		curl -sf --noproxy '*' -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" >/dev/null
}
