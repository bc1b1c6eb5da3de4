/*-------------------------------------------------------------------------
 *
 * transaction_block.c
 *		Refuses a procedure that commits when it is called inside a
 *		transaction block.
 *
 * The TTL cleanup is PL/pgSQL (src/sql/06_ttl.sql): plain SQL that a DBA
 * can read.  What PL/pgSQL cannot see is whether the procedure may commit;
 * awstore.purge_expired() asks here first, so that a CALL inside a
 * transaction block fails up front with a clear message instead of
 * deleting a batch and then failing at its first COMMIT.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(awstore_prevent_in_transaction_block);

/*
 * awstore.prevent_in_transaction_block(command text): raise the error that
 * VACUUM raises when it is run inside a transaction block.
 */
Datum
awstore_prevent_in_transaction_block(PG_FUNCTION_ARGS)
{
	char	   *command = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", command),
				 errhint("It commits after each batch: run it on its own with CALL, as pg_cron does.")));
	PG_RETURN_VOID();
}
