#!/usr/bin/env bash
# test/versions.sh — the version lives in awstore.control (default_version);
# everything that states it must agree:
#   * META.json (built from META.json.in by make) says the release version,
#     the control file's with a patch level (1.1 → 1.1.0), for the
#     distribution and for the extension it provides, and is valid against
#     the PGXN Meta Spec (test/pgxn_meta_check.py);
#   * debian/changelog's newest entry is that release version, with a
#     Debian revision;
#   * awstore.version() says the control file's version (checked by the
#     schema suite, against the installed control file).
# Prints "ok - …" / "not ok - … # why" lines.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
root=$AWSTORE_ROOT

control=$(awstore_control_version "$root/awstore.control")
read -r extversion release < <(make -s -C "$root" PG_CONFIG="$PG_CONFIG" print-version)
if [ -n "$control" ] && [ "$extversion" = "$control" ] &&
	[[ $release =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && [[ $release == "$control"* ]]; then
	echo "ok - version: awstore.control $control, release $release"
else
	echo "not ok - version: awstore.control '$control', make says '$extversion' and release '$release'"
fi

meta=$(mktemp -d /tmp/awstore-meta.XXXXXX)
trap 'rm -rf "$meta"' EXIT
if sed -e "s/@RELEASE_VERSION@/$release/g" "$root/META.json.in" >"$meta/META.json" &&
	make -s -C "$root" PG_CONFIG="$PG_CONFIG" META.json >/dev/null &&
	cmp -s "$meta/META.json" "$root/META.json"; then
	/usr/bin/python3 "$root/test/pgxn_meta_check.py" "$root/META.json"
	metaversions=$(/usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["version"], m["provides"]["awstore"]["version"])' "$root/META.json")
	if [ "$metaversions" = "$release $release" ]; then
		echo "ok - version: META.json says $release"
	else
		echo "not ok - version: META.json says '$metaversions', not $release"
	fi
else
	echo "not ok - version: make META.json did not build META.json from META.json.in"
fi

# the newest entry of debian/changelog: "awstore (<version>-<revision>) …"
debian=$(sed -n '1s/^awstore (\([^)]*\)).*/\1/p' "$root/debian/changelog")
upstream=${debian%-*}
upstream=${upstream#*:}
if [ "$upstream" = "$release" ] && [ "$debian" != "$upstream" ]; then
	echo "ok - version: debian/changelog says $debian"
else
	echo "not ok - version: debian/changelog says '$debian', not $release-<revision>"
fi

# make dist: the PGXN archive, with META.json, from a git checkout
if [ -d "$root/.git" ] && command -v git >/dev/null 2>&1; then
	if make -s -C "$root" PG_CONFIG="$PG_CONFIG" dist >/dev/null 2>"$meta/dist.err" &&
		/usr/bin/python3 - "$root/awstore-$release.zip" "awstore-$release" <<'PY'
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = set(z.namelist())
top = sys.argv[2] + "/"
need = [top + n for n in ("META.json", "awstore.control", "Makefile", "README.md", "LICENSE")]
missing = [n for n in need if n not in names]
if missing:
    sys.exit("missing: %s" % ", ".join(missing))
if any(not n.startswith(top) for n in names):
    sys.exit("a file outside " + top)
meta = json.loads(z.read(top + "META.json"))
if meta["version"] != sys.argv[2].split("-", 1)[1]:
    sys.exit("META.json says %s" % meta["version"])
PY
	then
		echo "ok - make dist: awstore-$release.zip holds the tree and META.json"
	else
		echo "not ok - make dist: awstore-$release.zip # $(tr '\n' ' ' <"$meta/dist.err")"
	fi
	rm -f "$root/awstore-$release.zip"
fi
