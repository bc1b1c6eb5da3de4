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
	local logdir=$1 upstream=$2 script pid port i
	local args

	AWSTORE_FAULT_ACCESS_KEY=${AWSTORE_FAULT_ACCESS_KEY:-AKIDAWSTORETEST}
	AWSTORE_FAULT_SECRET_KEY=${AWSTORE_FAULT_SECRET_KEY:-awstore/test+secret}
	AWSTORE_FAULT_REGION=${AWSTORE_FAULT_REGION:-us-east-1}
	export AWSTORE_FAULT_ACCESS_KEY AWSTORE_FAULT_SECRET_KEY AWSTORE_FAULT_REGION
	[ -n "${AWSTORE_FAULT_SESSION_TOKEN:-}" ] && export AWSTORE_FAULT_SESSION_TOKEN

	# The test user may not be able to read the checkout (/root): run a copy.
	script=$logdir/faultproxy.py
	cp "$AWSTORE_ROOT/test/faultproxy.py" "$script" && chmod 644 "$script" ||
		awstore_die "could not copy faultproxy.py to $logdir"

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

	# Debian's python3 has botocore (python3-boto3); the first python3 on
	# PATH may not.
	awstore_as_test_user /usr/bin/python3 "$script" "${args[@]}" \
		>"$logdir/faultproxy.out" 2>"$logdir/faultproxy.log" &
	pid=$!
	_awstore_pids+=("$pid")

	for ((i = 0; i < 200; i++)); do
		port=$(sed -n 's/^faultproxy listening on \([0-9][0-9]*\)$/\1/p' \
			"$logdir/faultproxy.out" 2>/dev/null)
		if [ -n "$port" ]; then
			AWSTORE_FAULT_PORT=$port
			AWSTORE_FAULT_ENDPOINT="http://127.0.0.1:$port"
			export AWSTORE_FAULT_PORT AWSTORE_FAULT_ENDPOINT
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$logdir/faultproxy.log" >&2
	awstore_die "faultproxy did not start"
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
