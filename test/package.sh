#!/usr/bin/env bash
# test/package.sh — the Debian package, end to end, as root on Debian 12:
# installs the build dependencies, builds postgresql-15-awstore from the
# committed tree (git archive HEAD, in a temporary folder) with
# dpkg-buildpackage, checks it with lintian, installs it with apt, and runs
# the suite against it (test/run --installed, with any arguments given).
# The package is purged at the end unless AWSTORE_KEEP_PACKAGE=1.
#
# Lintian: no E: or W: tag, except initial-upload-closes-no-bugs (a first
# package outside Debian's archive has no ITP bug to close).
#
# Ends with a line "N passed, M failed" and exits non-zero when anything
# failed, like test/run.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/test/lib.sh"

passed=0
failed=0
failures=()
record() {
	if [ "$2" = ok ]; then
		passed=$((passed + 1))
		echo "ok - $1"
	else
		failed=$((failed + 1))
		failures+=("$1")
		echo "not ok - $1${3:+ # $3}"
	fi
}
finish() {
	echo
	[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

[ "$(id -u)" -eq 0 ] || awstore_die "test/package.sh installs a package: run it as root"
build=$(mktemp -d /tmp/awstore-package.XXXXXX)
installed=no
cleanup() {
	if [ "$installed" = yes ] && [ "${AWSTORE_KEEP_PACKAGE:-0}" != 1 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq postgresql-15-awstore >/dev/null 2>&1
	fi
	rm -rf "$build"
}
trap cleanup EXIT

awstore_log "build dependencies"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	build-essential debhelper postgresql-server-dev-all libcurl4-openssl-dev \
	libjson-c-dev zlib1g-dev pkgconf lintian >"$build/apt.log" 2>&1; then
	tail -n 20 "$build/apt.log"
	record "package: build dependencies" fail
	finish
fi

awstore_log "dpkg-buildpackage -us -uc -b (in $build)"
mkdir -p "$build/src"
git -C "$root" archive HEAD | tar -x -C "$build/src"
if (cd "$build/src" && dpkg-buildpackage -us -uc -b) >"$build/build.log" 2>&1; then
	record "package: dpkg-buildpackage builds postgresql-15-awstore" ok
else
	tail -n 40 "$build/build.log"
	record "package: dpkg-buildpackage builds postgresql-15-awstore" fail
	finish
fi
grep -E '^(ok|not ok) ' "$build/build.log" | grep -q '^not ok' &&
	record "package: the unit tests at build time" fail
deb=$(ls "$build"/postgresql-15-awstore_*_*.deb | grep -v dbgsym | head -n 1)
echo "package: $(basename "$deb")"
dpkg-deb -I "$deb" | sed -n 's/^ \(Version\|Depends\|Recommends\):/  \1:/p'

awstore_log "lintian"
lintian --no-tag-display-limit "$build"/*.changes >"$build/lintian.log" 2>&1
cat "$build/lintian.log"
tags=$(grep -E '^(E|W): ' "$build/lintian.log" | grep -v ' initial-upload-closes-no-bugs ')
if [ -z "$tags" ]; then
	record "package: lintian reports no error or warning" ok
else
	record "package: lintian reports no error or warning" fail "$(echo "$tags" | head -n 3 | tr '\n' ' ')"
fi

awstore_log "apt install $(basename "$deb")"
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$build/install.log" 2>&1; then
	installed=yes
	record "package: apt installs it" ok
else
	tail -n 20 "$build/install.log"
	record "package: apt installs it" fail
	finish
fi
owner=$(dpkg-query -S "$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)/awstore.so" 2>/dev/null)
if [[ $owner == postgresql-15-awstore:* ]]; then
	record "package: it owns awstore.so" ok
else
	record "package: it owns awstore.so" fail "${owner:-no package owns it}"
fi

awstore_log "test/run --installed $*"
bash "$root/test/run" --installed "$@" 2>&1 | tee "$build/run.out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$build/run.out" | tail -n 1)
if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
	[ "${BASH_REMATCH[2]}" -eq 0 ] || failures+=("test/run --installed")
else
	record "package: test/run --installed ended without a summary" fail
fi
finish
