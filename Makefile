# awstore — PGXS build
#
#   make && make install        build and install into the server of PG_CONFIG
#   make installcheck           pg_regress on a temporary instance (needs a
#                               running dynalite: see test/run)
#   make unit                   C unit tests that need no server
#   make aws-live               the credential layer's test (needs awsmeta)
#   make dist                   the PGXN release archive (awstore-<version>.zip)
#   dpkg-buildpackage -us -uc -b   the Debian package (debian/, pg_buildext)
#
# CI passes -Werror through PG_CFLAGS, not through this file.

EXTENSION = awstore
MODULE_big = awstore
# The install script of the current version is built from the sections under
# src/sql, in the order of their numbers.  Released scripts and update
# scripts are frozen files: they stay in the tree as they are.
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'$$/\1/p" $(srcdir)/awstore.control)
# The version lives there only.  awstore.version() is built with it; the
# release version (the PGXN archive, the Debian package) is it with a
# patch level: 1.1 is released as 1.1.0.  test/versions.sh checks that
# debian/changelog agrees.
RELEASE_VERSION = $(shell echo '$(EXTVERSION)' | sed -E 's/^([0-9]+[.][0-9]+)$$/\1.0/')
SQL_SECTIONS = $(sort $(wildcard $(srcdir)/src/sql/*.sql))
DATA = awstore--1.0.sql awstore--1.0--1.1.sql
DATA_built = awstore--$(EXTVERSION).sql
PGFILEDESC = "awstore - ActingWeb schema, TTL cleanup and a DynamoDB FDW"

# Files that include postgres.h, and files that must not (the outside world:
# libcurl, json-c), kept apart as the design requires.
PG_SRCS = $(wildcard src/*.c src/fdw/*.c)
NOPG_SRCS = $(wildcard src/http/*.c src/dynamo/*.c src/aws/*.c) src/deps.c
OBJS = $(sort $(patsubst %.c,%.o,$(PG_SRCS) $(NOPG_SRCS)))

PKG_CONFIG ?= pkg-config
# No OpenSSL: awstore calls none of it; libcurl brings its own for TLS.
AWSTORE_DEPS = libcurl json-c zlib
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(AWSTORE_DEPS))
DEPS_LIBS := $(shell $(PKG_CONFIG) --libs $(AWSTORE_DEPS))

# PostgreSQL's own headers do not build cleanly under -Wextra; reading them
# as system headers keeps -Wall -Wextra -Werror meaningful for our code.
PG_CPPFLAGS = -I$(srcdir)/src $(DEPS_CFLAGS) \
	-isystem $(includedir_server) -isystem $(includedir_internal) \
	-DAWSTORE_VERSION='"$(EXTVERSION)"'
SHLIB_LINK = $(DEPS_LIBS)

REGRESS = schema adopt drop_keeps_data dump_restore upgrade \
	ttl ttl_register orphans cron privileges security \
	fdw_options fdw_scan fdw_types fdw_encoding fdw_pushdown fdw_key_ranges fdw_import fdw_errors \
	fdw_faults fdw_cancel fdw_privileges fdw_security fdw_tls \
	fdw_insert fdw_copy fdw_update fdw_delete fdw_truncate fdw_roundtrip fdw_values \
	fdw_tables fdw_write_faults fdw_row_key fdw_self_insert fdw_halloween fdw_lost_update \
	fdw_subxact fdw_write_report fdw_write_retry migrate migrate_interrupt
# client lifetime, sockets, response size, per-page memory
REGRESS += fdw_client_lifetime fdw_bounds fdw_wait_interrupts
# capacity budgets (the rates: test/pacing.py)
REGRESS += fdw_pacing
# every AWS credential source, against test/awsmeta.py
REGRESS += fdw_credentials
# Where the engines legitimately answer differently: one suite, with one
# expected output per engine (fdw_engines.out, fdw_engines_1.out; docs/fdw.md,
# "Tested against").  test/run runs every suite on both engines except
# what only DynamoDB Local can run (dynalite lacks UpdateTimeToLive).
REGRESS += fdw_engines
REGRESS_LOCAL_ONLY = fdw_enable_ttl replication
REGRESS_OPTS = --temp-config=$(srcdir)/test/regress.conf \
	--temp-instance=tmp_check --inputdir=$(srcdir)

EXTRA_CLEAN = test/unit/bin test/fuzz/bin META.json awstore-*.zip

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# awstore.version() says the version of awstore.control
src/awstore.o src/awstore.bc: $(srcdir)/awstore.control

# --- releases ---------------------------------------------------------------
# META.json (PGXN) from META.json.in, with the release version.
META.json: $(srcdir)/META.json.in $(srcdir)/awstore.control
	sed -e 's/@RELEASE_VERSION@/$(RELEASE_VERSION)/g' $< >$@

# The PGXN release archive: the tree of HEAD (git archive) and META.json,
# under awstore-<version>/.  Commit first: what is not committed is not in it.
dist: META.json
	@git -C $(srcdir) diff --quiet HEAD -- || \
		echo "warning: uncommitted changes are not in the archive" >&2
	git -C $(srcdir) archive --format=zip --prefix=awstore-$(RELEASE_VERSION)/ \
		--add-file=$(abspath META.json) -o $(abspath awstore-$(RELEASE_VERSION).zip) HEAD
	@echo awstore-$(RELEASE_VERSION).zip

print-version:
	@echo $(EXTVERSION) $(RELEASE_VERSION)

.PHONY: dist print-version

$(DATA_built): $(SQL_SECTIONS) $(srcdir)/awstore.control
	{ echo '/* $@ */'; \
	  echo '-- Built by make from src/sql/*.sql: edit those, not this file.'; \
	  for f in $(SQL_SECTIONS); do echo; cat $$f; done; } >$@

# --- C unit tests (no server) -------------------------------------------
UNIT_SRCS = $(wildcard test/unit/test_*.c)
UNIT_BINS = $(patsubst test/unit/%.c,test/unit/bin/%,$(UNIT_SRCS))
UNIT_CFLAGS = -O1 -g -Wall -Wextra $(PG_CFLAGS) -Isrc -Itest/unit $(DEPS_CFLAGS)

# A test that includes one of our .c files (to reach its static functions)
# is linked with the other ones.
test/unit/bin/%: test/unit/%.c test/unit/unit.h $(NOPG_SRCS) $(wildcard src/http/*.h src/dynamo/*.h src/aws/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< \
		$(filter-out $(call fuzz_included,$<),$(NOPG_SRCS)) $(DEPS_LIBS) -lm

# Each fuzz target also runs over its seed corpus with any compiler.
REPLAY_BINS = $(patsubst test/fuzz/fuzz_%.c,test/unit/bin/replay_%,$(wildcard test/fuzz/fuzz_*.c))

test/unit/bin/replay_%: test/fuzz/fuzz_%.c test/fuzz/replay.c $(wildcard test/fuzz/*.h) $(NOPG_SRCS) $(wildcard src/http/*.h src/dynamo/*.h src/aws/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Itest/fuzz -DFUZZ_TARGET='"fuzz_$*"' \
		-DFUZZ_CORPUS='"test/fuzz/corpus/$*"' -o $@ $< test/fuzz/replay.c \
		$(filter-out $(call fuzz_included,$< $(call fuzz_headers_of,$<)),$(NOPG_SRCS)) \
		$(DEPS_LIBS) -lm

unit: $(UNIT_BINS) $(REPLAY_BINS)
	@for t in $(UNIT_BINS) $(REPLAY_BINS); do ./$$t || exit 1; done

.PHONY: unit

# The credential layer against test/awsmeta.py (test/run starts it and runs
# test/unit/bin/aws_live with AWSTORE_AWSMETA_ENDPOINT).
aws-live: test/unit/bin/aws_live

.PHONY: aws-live

# --- libFuzzer targets (clang) -------------------------------------------
# A target that includes one of our .c files (to reach its static
# functions) is linked with the other ones.  test/fuzz/run.sh runs them.
FUZZ_CC ?= clang
FUZZ_SRCS = $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BINS = $(patsubst test/fuzz/%.c,test/fuzz/bin/%,$(FUZZ_SRCS))
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra $(PG_CFLAGS) -Isrc -Itest/fuzz $(DEPS_CFLAGS)
fuzz_included = $(patsubst %,src/%,$(shell sed -n 's/^\#include "\(.*\.c\)"/\1/p' $(1)))
# ... and the headers of test/fuzz/ that a target includes (response.h)
fuzz_headers_of = $(wildcard $(addprefix test/fuzz/,$(shell sed -n 's/^\#include "\([^/]*\.h\)"/\1/p' $(1))))

test/fuzz/bin/%: test/fuzz/%.c $(wildcard test/fuzz/*.h) $(NOPG_SRCS) $(wildcard src/http/*.h src/dynamo/*.h src/aws/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< \
		$(filter-out $(call fuzz_included,$< $(call fuzz_headers_of,$<)),$(NOPG_SRCS)) \
		$(DEPS_LIBS) -lm

fuzz: $(FUZZ_BINS)

.PHONY: fuzz

# The pg_regress tests, for test/run.
print-regress:
	@echo $(REGRESS)

print-regress-local:
	@echo $(REGRESS) $(REGRESS_LOCAL_ONLY)

.PHONY: print-regress print-regress-local
