/*-------------------------------------------------------------------------
 *
 * migration_counter.c
 *		Counts the rows a migration statement reads.
 *
 * A from_dynamodb statement filters its source rows through
 * awstore.migration_pass(ok), which counts the rows for which ok is true,
 * and then reads the count with awstore.migration_passed(), which starts it
 * again at 0.  The count is backend-local and belongs to the statement
 * that counts: an aborted transaction or subtransaction resets it, so a
 * failed statement leaves nothing behind for the next one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(awstore_migration_pass);
PG_FUNCTION_INFO_V1(awstore_migration_passed);

/* Rows passed by migration_pass() since migration_passed() last took them. */
static int64 rows_passed = 0;
static bool rows_passed_callbacks = false;

/*
 * The count of rows read belongs to the statement that counts them: a
 * statement that fails leaves nothing behind for the next one.
 */
static void
rows_passed_xact_callback(XactEvent event, void *arg)
{
	(void) arg;
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		rows_passed = 0;
}

static void
rows_passed_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
							 SubTransactionId parentSubid, void *arg)
{
	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		rows_passed = 0;
}

/*
 * awstore.migration_pass(ok boolean) RETURNS boolean: ok, counting it when
 * true.  A from_dynamodb statement filters its source rows through it, so
 * that it knows how many rows it read without keeping them (a second scan
 * of a MATERIALIZED CTE costs a copy of every row).
 */
Datum
awstore_migration_pass(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!rows_passed_callbacks)
	{
		RegisterXactCallback(rows_passed_xact_callback, NULL);
		RegisterSubXactCallback(rows_passed_subxact_callback, NULL);
		rows_passed_callbacks = true;
	}
	if (PG_GETARG_BOOL(0))
		rows_passed++;
	PG_RETURN_BOOL(PG_GETARG_BOOL(0));
}

/* awstore.migration_passed() RETURNS bigint: the count so far, then 0. */
Datum
awstore_migration_passed(PG_FUNCTION_ARGS)
{
	int64		n = rows_passed;

	rows_passed = 0;
	PG_RETURN_INT64(n);
}
