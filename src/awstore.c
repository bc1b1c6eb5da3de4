/*-------------------------------------------------------------------------
 *
 * awstore.c
 *		Module entry point: magic block, _PG_init and the awstore.* GUCs.
 *
 * Everything user-visible that is configured per session or per server is
 * an awstore.* GUC declared here; the prefix is reserved so that a typo in
 * postgresql.conf is reported instead of silently ignored.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "awstore.h"
#include "deps.h"

PG_MODULE_MAGIC;

/* the version of awstore.control: the Makefile passes it */
#ifndef AWSTORE_VERSION
#error "AWSTORE_VERSION is not defined: build with the Makefile"
#endif

/* Minutes of awstore.ttl_history kept by awstore.purge_expired(). */
int			awstore_ttl_history_retention = 7 * 24 * 60;

/* Milliseconds awstore.purge_expired() pauses after each batch. */
int			awstore_ttl_batch_delay = 0;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("awstore.ttl_history_retention",
							"How long awstore.purge_expired() keeps its history rows.",
							"Rows of awstore.ttl_history older than this are deleted at the end of each purge.",
							&awstore_ttl_history_retention,
							7 * 24 * 60,
							1,
							INT_MAX / 60,
							PGC_SUSET,
							GUC_UNIT_MIN,
							NULL, NULL, NULL);

	DefineCustomIntVariable("awstore.ttl_batch_delay",
							"Pause of awstore.purge_expired() after each batch.",
							"Paces the TTL cleanup of a large backlog, leaving the WAL and the disk to the application between batches.",
							&awstore_ttl_batch_delay,
							0,
							0,
							10000,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("awstore");
}

PG_FUNCTION_INFO_V1(awstore_version);

/*
 * awstore.version(): the extension's version and the libraries it runs with.
 */
Datum
awstore_version(PG_FUNCTION_ARGS)
{
	char		libs[512];

	(void) fcinfo;
	awstore_library_versions(libs, sizeof(libs));
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("awstore %s (%s)",
											  AWSTORE_VERSION, libs)));
}
