/*-------------------------------------------------------------------------
 *
 * scan.c
 *		Executing reads of DynamoDB tables: the executor callbacks.
 *
 * BeginForeignScan decodes the plan once (scanplan.c) and opens the
 * client; the first IterateForeignScan evaluates the values of the
 * conditions (keycond.c) and sends the first requests; then each call
 * returns the next item of the page being read as a row, taking the next
 * page when one is read (scanpage.c sends the requests and takes the
 * pages).  Items whose filter or sort key range could not be sent are
 * checked here, locally.  ReScan aborts what is in flight; the values are
 * evaluated again at the first fetch after it.
 *
 * Memory: the requests and pages of one execution live in scan_cxt, reset
 * at rescan and deleted at the end of the scan or when an error unwinds
 * the query.  Tuples are built in temp_cxt, reset for every item.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fdw/scan.h"

/* ---------------------------------------------------------------------
 * Executor callbacks
 * ---------------------------------------------------------------------
 */

static void
aw_conversion_error_callback(void *arg)
{
	AwScanState *s = arg;
	AwScanPlan *plan = s->plan;

	if (s->conv.column && s->conv.item.p)
		errcontext("column \"%s\" of foreign table \"%s\", item %s of DynamoDB table \"%s\"",
				   s->conv.column->colname, RelationGetRelationName(s->rel),
				   awstore_raw_item_key_text(s->conv.item, plan->pk, plan->sk), plan->table);
}

static void
aw_reset_execution(AwScanState *s)
{
	s->page = NULL;				/* freed with scan_cxt */
	MemoryContextReset(s->scan_cxt);
	s->items.ok = false;
	s->single.p = NULL;
	s->count_pending = 0;
	s->started = false;
	s->rr = 0;
	s->limit_left = s->plan->limit;
	s->segs = MemoryContextAllocZero(s->scan_cxt, sizeof(AwSegment) * s->plan->nsegments);
	for (int i = 0; i < s->plan->nsegments; i++)
	{
		s->segs[i].scan = s;
		s->segs[i].segment = i;
	}
}

void
awstoreBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	AwScanState *s;
	EState	   *estate = node->ss.ps.state;
	RangeTblEntry *rte;
	ForeignTable *table;
	ForeignServer *server;
	UserMapping *user;
	Oid			userid;
	ListCell   *lc;

	s = palloc0(sizeof(AwScanState));
	node->fdw_state = s;
	s->plan = awstore_scan_plan_from_list(plan->fdw_private);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	s->rel = node->ss.ss_currentRelation;
	s->columns = awstore_get_columns(s->rel);
	awstore_columns_use_key_types(s->columns, s->plan->pk, s->plan->pk_type,
								  s->plan->sk, s->plan->sk_type);
	rte = exec_rt_fetch(plan->scan.scanrelid, estate);
	userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	table = GetForeignTable(RelationGetRelid(s->rel));
	server = GetForeignServer(table->serverid);
	user = GetUserMapping(userid, server->serverid);
	awstore_server_options(server, &s->opts);
	awstore_table_options(RelationGetRelid(s->rel), &s->opts);
	s->client = awstore_get_client(server, user, &s->opts);
	s->budget = awstore_budget(estate, server->serverid, &s->opts, AW_BUDGET_READ, user,
							   s->client, s->plan->table, s->plan->index,
							   AW_READ_UNIT(s->plan->consistent));

	/* the target of UPDATE or DELETE: where its scan tuple holds the key */
	foreach(lc, plan->fdw_scan_tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Var		   *var = (Var *) tle->expr;

		if (!IsA(var, Var) || var->varattno > 0)
			continue;
		if (awstore_is_row_key_var((Node *) var))
			s->key_att = tle->resno;
		else if (var->varattno == InvalidAttrNumber)
			s->row_att = tle->resno;
		else if (var->varattno == TableOidAttributeNumber)
			s->tableoid_att = tle->resno;
	}

	s->value_states = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);
	if (plan->fdw_recheck_quals)
		s->recheck = ExecInitQual(plan->fdw_recheck_quals, (PlanState *) node);

	s->scan_cxt = AllocSetContextCreate(estate->es_query_cxt, "awstore scan",
										ALLOCSET_DEFAULT_SIZES);
	s->temp_cxt = AllocSetContextCreate(estate->es_query_cxt, "awstore item",
										ALLOCSET_DEFAULT_SIZES);
	s->conv.table = s->plan->table;
	s->conv.partition_key = s->plan->pk;
	s->conv.sort_key = s->plan->sk;

	aw_reset_execution(s);
}

/*
 * The columns of an UPDATE or DELETE target's scan tuple that are not the
 * relation's: the item's key as DynamoDB returned it, with the whole item
 * when the whole row is read (the row identity, see modifyplan.c), the whole
 * row, tableoid.  In the current memory context.
 */
static void
aw_store_row_identity(AwScanState *s, TupleTableSlot *slot, DynRaw item)
{
	AwScanPlan *plan = s->plan;
	DynRaw		pkv;
	DynRaw		skv;
	StringInfoData key;

	if (!dyn_raw_member(item, plan->pk, &pkv) ||
		(plan->sk && !dyn_raw_member(item, plan->sk, &skv)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("DynamoDB returned an item of table \"%s\" without its key", plan->table)));
	/* [key] or, when the whole row is read (UPDATE), [key, item as read] */
	initStringInfo(&key);
	appendStringInfoString(&key, "[{");
	awstore_append_json_string(&key, plan->pk, strlen(plan->pk));
	appendStringInfoChar(&key, ':');
	appendBinaryStringInfo(&key, pkv.p, (int) pkv.len);
	if (plan->sk)
	{
		appendStringInfoChar(&key, ',');
		awstore_append_json_string(&key, plan->sk, strlen(plan->sk));
		appendStringInfoChar(&key, ':');
		appendBinaryStringInfo(&key, skv.p, (int) skv.len);
	}
	appendStringInfoChar(&key, '}');
	if (s->row_att)
	{
		appendStringInfoChar(&key, ',');
		appendBinaryStringInfo(&key, item.p, (int) item.len);
	}
	appendStringInfoChar(&key, ']');
	slot->tts_values[s->key_att - 1] = PointerGetDatum(cstring_to_text_with_len(key.data, key.len));
	slot->tts_isnull[s->key_att - 1] = false;
	if (s->row_att)
	{
		TupleDesc	desc = RelationGetDescr(s->rel);
		HeapTuple	tuple = heap_form_tuple(desc, slot->tts_values, slot->tts_isnull);

		slot->tts_values[s->row_att - 1] = heap_copy_tuple_as_datum(tuple, desc);
		slot->tts_isnull[s->row_att - 1] = false;
	}
	if (s->tableoid_att)
	{
		slot->tts_values[s->tableoid_att - 1] = ObjectIdGetDatum(RelationGetRelid(s->rel));
		slot->tts_isnull[s->tableoid_att - 1] = false;
	}
}

/*
 * Fills the slot from an item, which starts at item->p: its length, a
 * bound until then, is set to the item's own.
 */
static void
aw_store_item(AwScanState *s, TupleTableSlot *slot, DynRaw *item)
{
	ErrorContextCallback errcb;
	MemoryContext old;

	if (s->plan->retrieved == NIL && s->key_att == 0)
	{
		/* no column is needed, only the row */
		awstore_item_extent(item);
		ExecClearTuple(slot);
		ExecStoreAllNullTuple(slot);
		return;
	}
	MemoryContextReset(s->temp_cxt);
	old = MemoryContextSwitchTo(s->temp_cxt);
	errcb.callback = aw_conversion_error_callback;
	errcb.arg = s;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	if (s->plan->retrieved != NIL)
		awstore_fill_slot(slot, s->columns, s->plan->retrieved, item, &s->conv);
	else
	{
		awstore_item_extent(item);
		ExecClearTuple(slot);
		ExecStoreAllNullTuple(slot);
	}
	error_context_stack = errcb.previous;
	if (s->key_att)
		aw_store_row_identity(s, slot, *item);
	MemoryContextSwitchTo(old);
}

/*
 * How many items are read between two looks at the sockets of the
 * requests in flight (dyn_client_pump): a few hundred microseconds of
 * work, far less than a page takes to arrive.
 */
#define AW_PUMP_ITEMS 32

/*
 * Reads the page's next item into the slot; false when it has no more.
 * An item of the Items array is read where it starts, and the array's
 * reading goes on where reading the item ended: each byte is read once.
 */
static bool
aw_next_item(AwScanState *s, TupleTableSlot *slot)
{
	DynRaw		item;
	const char *start;

	if (s->single.p)
	{
		item = s->single;
		s->single.p = NULL;
		aw_store_item(s, slot, &item);
		return true;
	}
	if (!s->items.ok)
		return false;
	if (dyn_raw_next_start(&s->items, &start))
	{
		/* the next pages keep arriving while this one is read */
		if (++s->since_pump >= AW_PUMP_ITEMS)
		{
			s->since_pump = 0;
			dyn_client_pump(s->client);
		}
		item.p = start;
		item.len = s->items.end - start;
		item.esc = false;
		aw_store_item(s, slot, &item);
		dyn_raw_iter_skip_to(&s->items, item.p + item.len);
		return true;
	}
	if (!dyn_raw_iter_done(&s->items))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("DynamoDB returned a page of table \"%s\" whose items are not well-formed",
						s->plan->table)));
	return false;
}

TupleTableSlot *
awstoreIterateForeignScan(ForeignScanState *node)
{
	AwScanState *s = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	if (!s->started)
	{
		MemoryContext old;

		/* parameters (of a join, say) have their values only now */
		old = MemoryContextSwitchTo(s->scan_cxt);
		awstore_scan_values(s->plan, s->value_states, econtext, s->recheck != NULL,
							&s->values);
		MemoryContextSwitchTo(old);
		s->started = true;
		awstore_scan_start(s);
	}
	for (;;)
	{
		if (s->count_pending > 0)
		{
			s->count_pending--;
			ExecClearTuple(slot);
			return ExecStoreAllNullTuple(slot);
		}
		if (aw_next_item(s, slot))
		{
			if (s->values.filter_local || s->values.sk_local)
			{
				/* the filter or sort key range DynamoDB could not be given */
				ResetExprContext(econtext);
				econtext->ecxt_scantuple = slot;
				if (!ExecQual(s->recheck, econtext))
					continue;
			}
			return slot;
		}
		awstore_scan_release_page(s);
		CHECK_FOR_INTERRUPTS();
		if (!awstore_scan_next_page(s))
			return ExecClearTuple(slot);
	}
}

void
awstoreReScanForeignScan(ForeignScanState *node)
{
	/* aborts what is in flight; values are evaluated again on first fetch */
	aw_reset_execution(node->fdw_state);
}

void
awstoreEndForeignScan(ForeignScanState *node)
{
	AwScanState *s = node->fdw_state;

	if (s == NULL || s->scan_cxt == NULL)
		return;					/* EXPLAIN without ANALYZE */
	/* aborts requests still in flight and frees the pages */
	MemoryContextDelete(s->scan_cxt);
	MemoryContextDelete(s->temp_cxt);
	s->page = NULL;
}

/* ---------------------------------------------------------------------
 * For EXPLAIN (explain.c)
 * ---------------------------------------------------------------------
 */

/*
 * The plan of a scan, as awstoreBeginForeignScan decoded it (which it does
 * under EXPLAIN without ANALYZE too).
 */
const AwScanPlan *
awstore_scan_plan(ForeignScanState *node)
{
	AwScanState *s = node->fdw_state;

	if (s == NULL)
		elog(ERROR, "awstore: the foreign scan was not begun");
	return s->plan;
}

/* What a scan has done so far; false when it was not executed. */
bool
awstore_scan_counts(ForeignScanState *node, AwScanCounts *counts)
{
	AwScanState *s = node->fdw_state;

	if (s == NULL || s->scan_cxt == NULL)
		return false;
	counts->requests = s->requests;
	counts->pages = s->pages;
	counts->retries = s->retries;
	counts->capacity = s->capacity;
	counts->cap = s->budget ? awstore_budget_cap(s->budget) : 0;
	counts->budget_wait_ms = s->budget_wait_ms;
	return true;
}
