/*-------------------------------------------------------------------------
 *
 * modify.c
 *		Executing writes to DynamoDB tables: INSERT, COPY and DELETE.
 *
 * INSERT and COPY write with BatchWriteItem through the batch writer
 * (writer.c), several requests in flight; a plain INSERT overwrites an
 * item with the same key, as PutItem does.  INSERT … RETURNING and
 * INSERT … ON CONFLICT DO NOTHING write row by row with PutItem, the latter
 * on condition attribute_not_exists(partition key), so that only the rows
 * actually written are counted.
 *
 * UPDATE and DELETE identify an item by its key exactly as the scan read it
 * (a row identity column holding the key's AttributeValue JSON), never by
 * reading it again nor by rebuilding it from converted column values
 * (modifyplan.c adds that column).  UPDATE is executed in update.c.
 * DELETE batches DeleteRequests, or sends DeleteItem per row with
 * RETURNING.  With AFTER ROW triggers, INSERT and DELETE write row by row,
 * so that the triggers see written rows.  TRUNCATE is truncate.c's.
 *
 * DynamoDB has no transactions: what was sent stays written when the
 * PostgreSQL transaction rolls back (a WARNING says so), and a transaction
 * that wrote to DynamoDB cannot be prepared (xact.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "fdw/modify.h"

/* ---------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------------
 */

/*
 * The user whose user mapping the writes use: the table's checkAsUser.
 * Partitions receiving routed rows have no range table entry of their own
 * (index 0): their root's is the one that counts.
 */
static Oid
aw_checkas_user(EState *estate, ResultRelInfo *rinfo)
{
	Index		rti = rinfo->ri_RangeTableIndex;
	RangeTblEntry *rte;

	if (rti == 0 && rinfo->ri_RootResultRelInfo)
		rti = rinfo->ri_RootResultRelInfo->ri_RangeTableIndex;
	if (rti == 0)
		return GetUserId();
	rte = exec_rt_fetch(rti, estate);
	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
}

/*
 * AFTER ROW triggers must see rows that are written: with them, rows are
 * written one request each, before the trigger fires.
 */
static bool
aw_after_row_triggers(ResultRelInfo *rinfo, CmdType op)
{
	TriggerDesc *td = rinfo->ri_TrigDesc;

	if (td == NULL)
		return false;
	return (op == CMD_INSERT && td->trig_insert_after_row) ||
		(op == CMD_DELETE && td->trig_delete_after_row);
}

/*
 * Does the statement read, through another range table entry, the DynamoDB
 * table that rel writes to?  Then an INSERT must not write while it reads:
 * a Scan could meet the new items and copy them again (INSERT INTO t SELECT
 * … FROM t).  Conservative: any foreign table of the same server naming the
 * same DynamoDB table counts, scanned or not.
 */
static bool
aw_statement_reads_table(EState *estate, ResultRelInfo *rinfo, const char *table)
{
	Oid			relid = RelationGetRelid(rinfo->ri_RelationDesc);
	Oid			serverid = GetForeignTable(relid)->serverid;
	Index		self = rinfo->ri_RangeTableIndex;
	Index		rti = 0;
	ListCell   *lc;

	foreach(lc, estate->es_range_table)
	{
		RangeTblEntry *rte = lfirst(lc);
		AwOptions	opts;

		rti++;
		if (rti == self || rte->rtekind != RTE_RELATION ||
			rte->relkind != RELKIND_FOREIGN_TABLE)
			continue;
		if (GetForeignTable(rte->relid)->serverid != serverid)
			continue;
		memset(&opts, 0, sizeof(opts));
		awstore_table_options(rte->relid, &opts);
		if (opts.table_name && strcmp(opts.table_name, table) == 0)
			return true;
	}
	return false;
}

static AwModifyState *
aw_begin(EState *estate, ResultRelInfo *rinfo, CmdType op, List *target_attrs,
		 bool on_conflict, bool returning)
{
	Relation	rel = rinfo->ri_RelationDesc;
	MemoryContext cxt = AllocSetContextCreate(estate->es_query_cxt, "awstore modify",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	AwModifyState *m = palloc0(sizeof(AwModifyState));
	Oid			userid = aw_checkas_user(estate, rinfo);
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(userid, server->serverid);

	m->op = op;
	m->rel = rel;
	m->cxt = cxt;
	m->temp_cxt = AllocSetContextCreate(cxt, "awstore modify row", ALLOCSET_DEFAULT_SIZES);
	m->columns = awstore_get_columns(rel);
	awstore_server_options(server, &m->opts);
	awstore_table_options(RelationGetRelid(rel), &m->opts);
	m->client = awstore_get_client(server, user, &m->opts);
	m->tinfo = awstore_table_info(rel, server, user, &m->opts);
	m->budget = awstore_budget(estate, server->serverid, &m->opts, AW_BUDGET_WRITE, user,
							   m->client, m->tinfo->table_name, NULL, 1.0);
	awstore_columns_use_key_types(m->columns, m->tinfo->partition_key, m->tinfo->partition_type,
								  m->tinfo->sort_key, m->tinfo->sort_type);
	m->shape.columns = m->columns;
	m->shape.table = m->tinfo->table_name;
	m->shape.pk = m->tinfo->partition_key;
	m->shape.pk_type = m->tinfo->partition_type;
	m->shape.sk = m->tinfo->sort_key;
	m->shape.sk_type = m->tinfo->sort_type;
	m->target_attrs = list_copy(target_attrs);
	m->on_conflict = on_conflict;
	m->returning = returning;
	m->sync = on_conflict || returning || op == CMD_UPDATE || aw_after_row_triggers(rinfo, op);
	m->conv.table = m->shape.table;
	m->conv.partition_key = m->shape.pk;
	m->conv.sort_key = m->shape.sk;
	if (op == CMD_UPDATE)
	{
		ListCell   *lc;

		foreach(lc, m->target_attrs)
			if (m->columns->columns[lfirst_int(lc) - 1].kind != AW_COL_ATTRIBUTE)
				m->document_set = true;
	}
	if (op == CMD_INSERT && aw_statement_reads_table(estate, rinfo, m->shape.table))
	{
		if (m->sync)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot insert row by row into DynamoDB table \"%s\" while the same statement reads it",
							m->shape.table),
					 errdetail("INSERT with RETURNING, ON CONFLICT or AFTER ROW triggers writes each row at once, and reading the table could meet the new items."),
					 errhint("Select the rows into a temporary table first.")));
		/* written when the statement has read everything (aw_flush_deferred) */
		m->deferred_desc = CreateTemplateTupleDesc(4);
		TupleDescInitEntry(m->deferred_desc, 1, "item", TEXTOID, -1, 0);
		TupleDescInitEntry(m->deferred_desc, 2, "key", TEXTOID, -1, 0);
		TupleDescInitEntry(m->deferred_desc, 3, "key_text", TEXTOID, -1, 0);
		TupleDescInitEntry(m->deferred_desc, 4, "units", FLOAT8OID, -1, 0);
		m->deferred = tuplestore_begin_heap(false, false, work_mem);
	}
	if (!m->sync)
	{
		m->writer = awstore_writer_create(m->client, m->shape.table, m->opts.batch_size,
										  m->opts.max_retries, cxt);
		awstore_writer_set_budget(m->writer, m->budget);
	}
	MemoryContextSwitchTo(old);
	return m;
}

void
awstoreBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						  List *fdw_private, int subplan_index, int eflags)
{
	AwModifyState *m;

	(void) subplan_index;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	m = aw_begin(mtstate->ps.state, rinfo, mtstate->operation,
				 list_nth(fdw_private, AwModTargetAttrs),
				 intVal(list_nth(fdw_private, AwModOnConflict)) != 0,
				 intVal(list_nth(fdw_private, AwModReturning)) != 0);
	if (m->op == CMD_UPDATE || m->op == CMD_DELETE)
	{
		Plan	   *subplan = outerPlanState(mtstate)->plan;

		m->key_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, "awstore_key");
		if (!AttributeNumberIsValid(m->key_junk))
			elog(ERROR, "awstore: the key of the row to modify is missing");
	}
	rinfo->ri_FdwState = m;
}

void
awstoreBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	bool		on_conflict = false;
	List	   *all = NIL;
	TupleDesc	desc = RelationGetDescr(rinfo->ri_RelationDesc);

	if (mtstate && mtstate->ps.plan &&
		((ModifyTable *) mtstate->ps.plan)->onConflictAction == ONCONFLICT_NOTHING)
		on_conflict = true;
	if (mtstate && mtstate->ps.plan &&
		((ModifyTable *) mtstate->ps.plan)->onConflictAction == ONCONFLICT_UPDATE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT DO UPDATE is not supported on DynamoDB foreign tables")));
	for (int i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			all = lappend_int(all, i + 1);
	rinfo->ri_FdwState = aw_begin(mtstate->ps.state, rinfo, CMD_INSERT, all, on_conflict,
								  rinfo->ri_returningList != NIL);
}

/*
 * A resent conditional PutItem found its condition false: is the item now
 * exactly the one sent?  Then an earlier attempt of this very request was
 * applied (read back consistently).
 */
static bool
aw_item_now(AwModifyState *m, const char *key_json, const char *item_json)
{
	size_t		len;
	char	   *body = dyn_body_get_item(m->shape.table, key_json, NULL, NULL, true, &len);
	AwCallHolder *holder = awstore_call(m->client, "GetItem", body, len, m->shape.table);
	DynValue   *current = dyn_get(dyn_call_response(holder->call), "Item");

	return current != NULL && awstore_item_is_as_sent(current, item_json, NIL, true);
}

static TupleTableSlot *
aw_insert(AwModifyState *m, TupleTableSlot *slot)
{
	MemoryContext old;
	char	   *item;
	char	   *key_json;
	char	   *key_text;
	long		size;
	double		units;
	TupleTableSlot *result = slot;

	MemoryContextReset(m->temp_cxt);
	old = MemoryContextSwitchTo(m->temp_cxt);
	item = awstore_build_item(&m->shape, slot, NIL, NULL, &key_json, &key_text, &size);
	units = awstore_table_write_units(m->tinfo, size);
	if (m->sync)
	{
		size_t		len;
		char	   *body;
		bool		resent;

		if (m->on_conflict)
			body = dyn_body_put_item(m->shape.table, item, "attribute_not_exists(#k)",
									 awstore_key_names(m), NULL, &len);
		else
			body = dyn_body_put_item(m->shape.table, item, NULL, NULL, NULL, &len);
		if (awstore_conditional_request(m, "PutItem", body, len, units, &resent) == NULL &&
			!(resent && aw_item_now(m, key_json, item)))
			result = NULL;		/* the key exists: DO NOTHING */
	}
	else if (m->deferred)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(item);
		values[1] = CStringGetTextDatum(key_json);
		values[2] = CStringGetTextDatum(key_text);
		values[3] = Float8GetDatum(units);
		MemoryContextSwitchTo(m->cxt);
		tuplestore_putvalues(m->deferred, m->deferred_desc, values, nulls);
	}
	else
		awstore_writer_put(m->writer, item, units, key_json, key_text);
	MemoryContextSwitchTo(old);
	if (result)
		m->rows++;
	return result;
}

/*
 * Writes the items an INSERT held back because the statement reads the
 * same table: its scans have ended when the executor ends the insert.
 */
static void
aw_flush_deferred(AwModifyState *m)
{
	TupleTableSlot *slot;
	Tuplestorestate *ts = m->deferred;

	if (ts == NULL)
		return;
	m->deferred = NULL;
	slot = MakeSingleTupleTableSlot(m->deferred_desc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		bool		isnull;
		MemoryContext old;

		MemoryContextReset(m->temp_cxt);
		old = MemoryContextSwitchTo(m->temp_cxt);
		awstore_writer_put(m->writer,
						   TextDatumGetCString(slot_getattr(slot, 1, &isnull)),
						   DatumGetFloat8(slot_getattr(slot, 4, &isnull)),
						   TextDatumGetCString(slot_getattr(slot, 2, &isnull)),
						   TextDatumGetCString(slot_getattr(slot, 3, &isnull)));
		MemoryContextSwitchTo(old);
		CHECK_FOR_INTERRUPTS();
	}
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_end(ts);
}

TupleTableSlot *
awstoreExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
						 TupleTableSlot *planSlot)
{
	(void) estate;
	(void) planSlot;
	return aw_insert(rinfo->ri_FdwState, slot);
}

TupleTableSlot **
awstoreExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
							  TupleTableSlot **planSlots, int *numSlots)
{
	(void) estate;
	(void) planSlots;
	for (int i = 0; i < *numSlots; i++)
		(void) aw_insert(rinfo->ri_FdwState, slots[i]);
	return slots;
}

int
awstoreGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	AwModifyState *m = rinfo->ri_FdwState;

	if (m == NULL || m->sync || rinfo->ri_WithCheckOptions != NIL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row)))
		return 1;
	return m->opts.batch_size;
}

/* Fills slot from an item given as JSON text. */
static void
aw_fill_from_json(AwModifyState *m, TupleTableSlot *slot, const char *item_json)
{
	DynValue   *volatile item = dyn_parse(item_json, strlen(item_json));

	if (item == NULL)
		elog(ERROR, "awstore: the item read is not valid JSON");
	PG_TRY();
	{
		awstore_fill_slot_value(slot, m->columns, NIL, item, &m->conv);
	}
	PG_FINALLY();
	{
		dyn_value_free(item);
	}
	PG_END_TRY();
}

TupleTableSlot *
awstoreExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
						 TupleTableSlot *planSlot)
{
	AwModifyState *m = rinfo->ri_FdwState;
	MemoryContext old;
	char	   *key_json;
	char	   *key_text;
	char	   *item_json = NULL;
	TupleTableSlot *result = slot;

	(void) estate;
	MemoryContextReset(m->temp_cxt);
	old = MemoryContextSwitchTo(m->temp_cxt);
	key_json = awstore_target_row_key(m, planSlot, &key_text, m->sync ? &item_json : NULL);
	if (m->sync)
	{
		size_t		len;
		char	   *body = dyn_body_delete_item(m->shape.table, key_json,
												"attribute_exists(#k)", awstore_key_names(m),
												m->returning ? "ALL_OLD" : NULL, &len);
		bool		resent;
		DynCall    *call = awstore_conditional_request(m, "DeleteItem", body, len,
													   awstore_table_write_units(m->tinfo, -1),
													   &resent);

		if (call == NULL && resent)
		{
			/*
			 * Gone, and this request was sent more than once: an earlier
			 * attempt that DynamoDB applied deleted it.  The row is the item
			 * as the scan read it (the whole row is read for RETURNING).
			 */
			if (m->returning && item_json)
				aw_fill_from_json(m, slot, item_json);
		}
		else if (call == NULL)
			result = NULL;		/* the item is gone already */
		else if (m->returning)
			result = awstore_returned_row(m, call, slot);
	}
	else
		awstore_writer_delete(m->writer, key_json, awstore_table_write_units(m->tinfo, -1),
							  key_text);
	MemoryContextSwitchTo(old);
	if (result)
		m->rows++;
	return result;
}

static void
aw_end(AwModifyState *m)
{
	if (m == NULL)
		return;
	aw_flush_deferred(m);
	if (m->writer)
		awstore_writer_finish(m->writer);
	MemoryContextDelete(m->cxt);
}

void
awstoreEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	(void) estate;
	aw_end(rinfo->ri_FdwState);
	rinfo->ri_FdwState = NULL;
}

void
awstoreEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	(void) estate;
	aw_end(rinfo->ri_FdwState);
	rinfo->ri_FdwState = NULL;
}

/*
 * How the modification of rinfo writes, and with analyze, what it has
 * written, for EXPLAIN (explain.c).  The writes still batched are finished
 * first, so that the figures are complete.
 */
void
awstore_modify_report(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
					  bool analyze, AwModifyReport *report)
{
	AwModifyState *m = rinfo->ri_FdwState;
	CmdType		op = mtstate->operation;
	bool		returning = fdw_private && intVal(list_nth(fdw_private, AwModReturning));

	memset(report, 0, sizeof(AwModifyReport));
	report->on_conflict = fdw_private && intVal(list_nth(fdw_private, AwModOnConflict));
	report->per_row = returning || aw_after_row_triggers(rinfo, op);

	if (analyze && m)
	{
		AwWriteStats st = m->stats;

		if (m->writer)
		{
			const AwWriteStats *ws;

			/* finish now, so that the figures are complete */
			aw_flush_deferred(m);
			awstore_writer_finish(m->writer);
			ws = awstore_writer_stats(m->writer);
			st.requests += ws->requests;
			st.retries += ws->retries + ws->unprocessed_retries;
			st.capacity += ws->capacity;
			st.budget_wait_ms += ws->budget_wait_ms;
		}
		st.items = m->writer ? awstore_writer_stats(m->writer)->items : m->rows;
		report->stats = st;
		report->cap = m->budget ? awstore_budget_cap(m->budget) : 0;
		report->executed = true;
	}
}
