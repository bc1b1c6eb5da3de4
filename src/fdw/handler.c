/*-------------------------------------------------------------------------
 *
 * handler.c
 *		The awstore_dynamodb foreign data wrapper's handler.
 *
 * Returns the FdwRoutine whose callbacks live in plan.c (planning reads),
 * scan.c (reading), modifyplan.c (planning writes), modify.c and update.c
 * (writing), truncate.c (TRUNCATE), explain.c (EXPLAIN), import.c (IMPORT
 * FOREIGN SCHEMA) and analyze.c (ANALYZE).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "fdw/fdw.h"

PG_FUNCTION_INFO_V1(awstore_dynamodb_handler);

/*
 * The scan's own segments already run in parallel; a parallel worker would
 * have to open its own DynamoDB client and share paging state.
 */
static bool
awstoreIsForeignScanParallelSafe(PlannerInfo *root, RelOptInfo *rel,
								 RangeTblEntry *rte)
{
	(void) root;
	(void) rel;
	(void) rte;
	return false;
}

Datum
awstore_dynamodb_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	(void) fcinfo;
	routine->GetForeignRelSize = awstoreGetForeignRelSize;
	routine->GetForeignPaths = awstoreGetForeignPaths;
	routine->GetForeignPlan = awstoreGetForeignPlan;
	routine->BeginForeignScan = awstoreBeginForeignScan;
	routine->IterateForeignScan = awstoreIterateForeignScan;
	routine->ReScanForeignScan = awstoreReScanForeignScan;
	routine->EndForeignScan = awstoreEndForeignScan;
	routine->ExplainForeignScan = awstoreExplainForeignScan;
	routine->IsForeignScanParallelSafe = awstoreIsForeignScanParallelSafe;
	routine->AddForeignUpdateTargets = awstoreAddForeignUpdateTargets;
	routine->PlanForeignModify = awstorePlanForeignModify;
	routine->BeginForeignModify = awstoreBeginForeignModify;
	routine->ExecForeignInsert = awstoreExecForeignInsert;
	routine->ExecForeignBatchInsert = awstoreExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = awstoreGetForeignModifyBatchSize;
	routine->ExecForeignUpdate = awstoreExecForeignUpdate;
	routine->ExecForeignDelete = awstoreExecForeignDelete;
	routine->EndForeignModify = awstoreEndForeignModify;
	routine->BeginForeignInsert = awstoreBeginForeignInsert;
	routine->EndForeignInsert = awstoreEndForeignInsert;
	routine->IsForeignRelUpdatable = awstoreIsForeignRelUpdatable;
	routine->ExplainForeignModify = awstoreExplainForeignModify;
	routine->ExecForeignTruncate = awstoreExecForeignTruncate;
	routine->ImportForeignSchema = awstoreImportForeignSchema;
	routine->AnalyzeForeignTable = awstoreAnalyzeForeignTable;

	PG_RETURN_POINTER(routine);
}
