# test/sanitize.sh — the sanitizer and valgrind modes of test/run.
#
# Source it after test/lib.sh.  `test/run --sanitize` builds awstore with
# clang's AddressSanitizer and UndefinedBehaviorSanitizer in a copy of the
# source tree (so that the normal build's objects are never mixed with
# instrumented ones), installs it into a private copy of the server only,
# and runs the suites with the ASan runtime preloaded into every process
# pg_regress starts.  `test/run --valgrind` runs the postmaster, and every
# backend it forks, under valgrind memcheck.  In both modes the reports go
# to a folder that test/run scans afterwards: any report is a failure.
#
# ASan's leak check is off: PostgreSQL frees its memory contexts wholesale
# at exit and never frees what lives for the life of a process, which leak
# reports would drown everything in.  Leaks of malloc'd memory in awstore's
# network layer are the fuzzers' business (test/fuzz), where leaks count.

AWSTORE_SANITIZE_PACKAGES="clang-14 libclang-rt-14-dev"
AWSTORE_VALGRIND_PACKAGES="valgrind"
AWSTORE_SANITIZE_CC=${AWSTORE_SANITIZE_CC:-clang-14}
AWSTORE_SANITIZE_CFLAGS="-O1 -g -fno-omit-frame-pointer -fwrapv -fno-strict-aliasing \
 -fsanitize=address,undefined -fno-sanitize-recover=all"

# The mode test/run was asked for: "", sanitize or valgrind.
AWSTORE_CHECK_MODE=${AWSTORE_CHECK_MODE:-}

# Adds the mode's Debian packages to what awstore_ensure_packages installs.
awstore_check_mode_packages() {
	case $AWSTORE_CHECK_MODE in
	sanitize) AWSTORE_APT_PACKAGES="$AWSTORE_APT_PACKAGES $AWSTORE_SANITIZE_PACKAGES" ;;
	valgrind) AWSTORE_APT_PACKAGES="$AWSTORE_APT_PACKAGES $AWSTORE_VALGRIND_PACKAGES" ;;
	esac
}

# The private server the instrumented module goes to: never the system's.
awstore_check_mode_prefix() {
	if [ -n "${AWSTORE_PG_PREFIX:-}" ]; then
		AWSTORE_PG_PREFIX=$AWSTORE_PG_PREFIX-$AWSTORE_CHECK_MODE
	else
		AWSTORE_PG_PREFIX=/tmp/awstore-pg-$AWSTORE_CHECK_MODE
	fi
	export AWSTORE_PG_PREFIX
}

# Builds awstore with the sanitizers in $1/build and installs it into the
# private server.  The C unit tests are built there too, sanitized.
awstore_sanitize_build_install() {
	local build=$1/build
	awstore_log "building awstore with -fsanitize=address,undefined ($AWSTORE_SANITIZE_CC)"
	mkdir -p "$build" || return 1
	(cd "$AWSTORE_ROOT" && tar cf - --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		--exclude=test/fuzz/bin Makefile awstore.control awstore--*.sql src test/unit \
		test/fuzz) | (cd "$build" && tar xf -) ||
		return 1
	# PGXS's CFLAGS are gcc's; with_llvm=no: no JIT bitcode of instrumented
	# code.  Unlike gcc, clang warns of PG_FUNCTION_ARGS's unused fcinfo
	# (a system header's macro); the normal build checks unused parameters.
	make -C "$build" -s PG_CONFIG="$PG_CONFIG" with_llvm=no \
		CC="$AWSTORE_SANITIZE_CC" CFLAGS="$AWSTORE_SANITIZE_CFLAGS" \
		PG_CFLAGS="-Wall -Wextra ${PG_CFLAGS:-} -Wno-unused-parameter" >&2 || return 1
	awstore_private_server "$AWSTORE_PG_PREFIX" || return 1
	make -C "$build" -s PG_CONFIG="$PG_CONFIG" with_llvm=no \
		CC="$AWSTORE_SANITIZE_CC" DESTDIR="$AWSTORE_PG_PREFIX" install >/dev/null || return 1
	"$AWSTORE_SANITIZE_CC" -shared -fPIC -O1 -Wall -Wextra ${PG_CFLAGS:-} \
		-o "$1/sanitize_preload.so" "$AWSTORE_ROOT/test/sanitize_preload.c"
}

# Runs the C unit tests of the sanitized build; output on stdout.
awstore_sanitize_unit() {
	local build=$1/build
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		make -C "$build" -s unit PG_CONFIG="$PG_CONFIG" CC="$AWSTORE_SANITIZE_CC" \
		PG_CFLAGS="$AWSTORE_SANITIZE_CFLAGS ${PG_CFLAGS:-}" 2>&1
}

# Prints the env assignments (one a line) that make every process
# pg_regress starts load the ASan runtime and write reports under $1.
awstore_sanitize_env() {
	local logdir=$1 runtime
	runtime=$("$AWSTORE_SANITIZE_CC" -print-file-name=libclang_rt.asan-x86_64.so)
	# the runtime first, as ASan requires; see test/sanitize_preload.c
	echo "LD_PRELOAD=$runtime:$(dirname "$logdir")/sanitize_preload.so"
	echo "ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_odr_violation=0:log_path=$logdir/asan:log_exe_name=1"
	echo "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$logdir/ubsan:log_exe_name=1"
}

# Makes $1/bin: the private server's binaries, with `postgres` a script
# that runs the real one under valgrind memcheck; prints that folder.
# initdb and pg_ctl resolve the real binaries through their symlinks.
awstore_valgrind_bindir() {
	local dir=$1/bin logdir=$2 f supp
	supp="--suppressions=$AWSTORE_ROOT/test/valgrind.supp"
	# PostgreSQL's own file (src/tools/valgrind.supp of its source), if given
	if [ -n "${AWSTORE_VALGRIND_SUPP:-}" ]; then
		supp="$supp --suppressions=$AWSTORE_VALGRIND_SUPP"
	fi
	mkdir -p "$dir"
	for f in "$PG_BINDIR"/*; do
		ln -sf "$f" "$dir/$(basename "$f")"
	done
	rm -f "$dir/postgres"
	cat >"$dir/postgres" <<-SCRIPT
	#!/bin/sh
	# a server process of the valgrind run of test/run
	case " \$* " in
	*" -V "*|*" --version "*|*" -C "*|*" --describe-config "*|*" --boot "*|*" --single "*)
		exec "$PG_BINDIR/postgres" "\$@" ;;
	esac
	exec valgrind --quiet --tool=memcheck --trace-children=yes \\
		$supp --gen-suppressions=all \\
		--num-callers=30 --leak-check=no \\
		--log-file="$logdir/valgrind.%p.log" \\
		"$PG_BINDIR/postgres" "\$@"
	SCRIPT
	chmod 755 "$dir/postgres"
	echo "$dir"
}

# The suites --valgrind runs when none is named: the FDW's and migration's.
awstore_valgrind_tests() {
	local t out=()
	for t in "$@"; do
		case $t in fdw_* | migrate*) out+=("$t") ;; esac
	done
	echo "${out[*]}"
}

# Source files of awstore, as valgrind names them in a stack.
AWSTORE_VALGRIND_OURS='awstore\.so|\((admin|analyze|columns|connection|decode|deparse|describe|encode|explain|handler|import|item|jsontext|keycond|modify|options|plan|scan|scanplan|writer|actions|buf|client|jsoncheck|value|crc32|http|awstore|deps|keep_data|migrate|ttl)\.c:[0-9]+\)'

# Scans the report folder; prints "ok - …" or "not ok - …".  Any ASan or
# UBSan report fails.  A valgrind error fails when a frame of its stack is
# awstore's; the others (PostgreSQL's, the libraries') are counted and
# shown, with the suppression to add to test/valgrind.supp if they are
# understood to be harmless.
awstore_check_mode_reports() {
	local logdir=$1 f found=0 foreign=0
	for f in "$logdir"/*; do
		[ -s "$f" ] || continue
		if [ "$AWSTORE_CHECK_MODE" = valgrind ]; then
			# one error a paragraph: from "==pid== <kind>" to the blank "==pid== "
			if awk -v ours="$AWSTORE_VALGRIND_OURS" '
				/^==[0-9]+== [A-Z]/ && !inerr { inerr = 1; text = ""; mine = 0 }
				inerr { text = text $0 "\n"; if ($0 ~ ours) mine = 1 }
				/^==[0-9]+== *$/ && inerr { inerr = 0; if (mine) { printf "%s", text; n++ } }
				END { exit n ? 0 : 1 }' "$f" >"$f.ours"; then
				found=1
				echo "not ok - valgrind error in awstore: $(basename "$f")"
				sed -n '1,120p' "$f.ours"
			elif grep -qE '^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination overlap|Argument)' "$f"; then
				foreign=$((foreign + 1))
				echo "# valgrind error outside awstore: $f"
			fi
			rm -f "$f.ours"
			continue
		fi
		found=1
		echo "not ok - $AWSTORE_CHECK_MODE report $(basename "$f")"
		sed -n '1,80p' "$f"
	done
	if [ "$found" -eq 0 ]; then
		if [ "$foreign" -gt 0 ]; then
			echo "ok - no $AWSTORE_CHECK_MODE report in awstore ($foreign logs with errors outside it)"
		else
			echo "ok - no $AWSTORE_CHECK_MODE report"
		fi
	fi
}

# Builds the libFuzzer targets in $1/build and runs each for
# AWSTORE_FUZZ_SECONDS (30) from its seed corpus, new inputs going to a
# scratch copy; prints "ok - fuzz <target>" or "not ok - fuzz <target>".
awstore_fuzz_smoke() {
	local build=$1/build seconds=${AWSTORE_FUZZ_SECONDS:-30} bin name out
	if ! make -C "$build" -s fuzz FUZZ_CC="$AWSTORE_SANITIZE_CC" \
		PG_CFLAGS="${PG_CFLAGS:-}" >"$1/fuzz-build.out" 2>&1; then
		cat "$1/fuzz-build.out"
		echo "not ok - fuzz build"
		return
	fi
	for bin in "$build"/test/fuzz/bin/fuzz_*; do
		name=${bin##*/fuzz_}
		out=$1/fuzz-$name
		mkdir -p "$out/corpus" "$out/artifacts"
		if (cd "$out" && "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
			-max_len=8192 -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
			corpus "$AWSTORE_ROOT/test/fuzz/corpus/$name") >"$out/log" 2>&1; then
			echo "ok - fuzz $name: $(grep -o 'Done [0-9]* runs' "$out/log")"
		else
			tail -n 40 "$out/log"
			echo "not ok - fuzz $name (artifacts in $out/artifacts)"
		fi
	done
}
