/*-------------------------------------------------------------------------
 *
 * modify.c
 *		Writing DynamoDB tables: INSERT, COPY, UPDATE, DELETE, TRUNCATE.
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
 * reading it again nor by rebuilding it from converted column values.
 * UPDATE sends UpdateItem with the full key: SET for the columns set to a
 * value, REMOVE for those set to NULL, on condition that the item still
 * exists; changing a key column is refused.  Setting a document 'dynamodb'
 * column replaces the whole item (PutItem); a document 'plain' column
 * cannot be set, as plain JSON would change the item's sets and binaries.  DELETE batches DeleteRequests, or
 * sends DeleteItem per row with RETURNING.  With AFTER ROW triggers, INSERT
 * and DELETE write row by row, so that the triggers see written rows.
 * TRUNCATE scans the keys and
 * deletes them in batches.
 *
 * DynamoDB has no transactions: what was sent stays written when the
 * PostgreSQL transaction rolls back (a WARNING says so), and a transaction
 * that wrote to DynamoDB cannot be prepared.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/heap.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "fdw/fdw.h"

/* Indexes into the fdw_private list of a ModifyTable's foreign target. */
enum AwModifyPrivateIndex
{
	AwModTargetAttrs,			/* List of Integer: columns written */
	AwModOnConflict,			/* Integer: ON CONFLICT DO NOTHING */
	AwModReturning				/* Integer: RETURNING */
};

typedef struct AwModifyState
{
	CmdType		op;
	Relation	rel;
	AwColumns  *columns;
	AwOptions	opts;
	AwTableInfo *tinfo;
	DynClient  *client;
	AwItemShape shape;
	List	   *target_attrs;
	bool		on_conflict;	/* ON CONFLICT DO NOTHING */
	bool		returning;
	bool		sync;			/* one request per row */
	bool		document_set;	/* UPDATE sets a document column */
	AttrNumber	key_junk;		/* "awstore_key": the item's key as read */
	AwWriter   *writer;
	Tuplestorestate *deferred;	/* INSERT reading its own table: the items,
								 * written when the statement has read all */
	TupleDesc	deferred_desc;	/* (item, key JSON, key text) */
	MemoryContext cxt;			/* the state and the writer */
	MemoryContext temp_cxt;		/* one row */
	AwConvertContext conv;
	AwWriteStats stats;			/* of the per-row requests */
	long		rows;
} AwModifyState;

static bool aw_item_is_as_sent(DynValue *item, const char *sent_json, List *removed,
							   bool whole);

/* ---------------------------------------------------------------------
 * Transactions
 * ---------------------------------------------------------------------
 */
/*
 * Writes that may have been applied, by (sub)transaction nesting level:
 * aw_wrote[level] says that a request sent at that level, or in one of its
 * committed subtransactions, may have changed DynamoDB.  Rolling back a
 * level with a mark warns that its writes stay; committing a
 * subtransaction hands its mark to its parent.  A request that certainly
 * changed nothing (refused by DynamoDB, its condition false, never
 * delivered) takes its mark back (awstore_note_write_undo), so that only
 * writes that were sent and may have been applied warn.
 */
static bool *aw_wrote = NULL;
static int	aw_wrote_size = 0;
static bool aw_xact_wrote_any = false;	/* for PREPARE */
static bool aw_xact_callback_registered = false;

static bool
aw_wrote_at(int level)
{
	return level >= 0 && level < aw_wrote_size && aw_wrote[level];
}

static void
aw_set_wrote(int level, bool wrote)
{
	if (level >= aw_wrote_size)
	{
		int			size = Max(level + 1, Max(aw_wrote_size * 2, 8));

		if (!wrote)
			return;
		if (aw_wrote == NULL)
			aw_wrote = MemoryContextAllocZero(TopMemoryContext, sizeof(bool) * size);
		else
		{
			aw_wrote = repalloc(aw_wrote, sizeof(bool) * size);
			memset(aw_wrote + aw_wrote_size, 0, sizeof(bool) * (size - aw_wrote_size));
		}
		aw_wrote_size = size;
	}
	aw_wrote[level] = wrote;
}

static void
aw_forget_writes(void)
{
	if (aw_wrote)
		memset(aw_wrote, 0, sizeof(bool) * aw_wrote_size);
	aw_xact_wrote_any = false;
}

static void
aw_xact_callback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (aw_xact_wrote_any)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has written to DynamoDB"),
						 errdetail("DynamoDB writes take effect when they are sent; they can be neither prepared nor rolled back.")));
			break;
		case XACT_EVENT_ABORT:
			if (aw_wrote_at(1))
				ereport(WARNING,
						(errmsg("writes already sent to DynamoDB by this transaction were not undone"),
						 errdetail("DynamoDB has no rollback: items written, updated or deleted before the error stay so.")));
			aw_forget_writes();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			aw_forget_writes();
			break;
		default:
			break;
	}
}

static void
aw_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			if (aw_wrote_at(level))
				ereport(WARNING,
						(errmsg("writes already sent to DynamoDB in the rolled back subtransaction were not undone"),
						 errdetail("DynamoDB has no rollback: items written, updated or deleted there stay so, whatever the transaction does next.")));
			aw_set_wrote(level, false);
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			if (aw_wrote_at(level))
				aw_set_wrote(level - 1, true);
			aw_set_wrote(level, false);
			break;
		default:
			break;
	}
}

/*
 * Records that this (sub)transaction sent a write that may change
 * DynamoDB.  Returns what was recorded before, for
 * awstore_note_write_undo.
 */
bool
awstore_note_write(void)
{
	int			level = GetCurrentTransactionNestLevel();
	bool		before = aw_wrote_at(level);

	if (!aw_xact_callback_registered)
	{
		RegisterXactCallback(aw_xact_callback, NULL);
		RegisterSubXactCallback(aw_subxact_callback, NULL);
		aw_xact_callback_registered = true;
	}
	aw_set_wrote(level, true);
	aw_xact_wrote_any = true;
	return before;
}

/* A write noted with awstore_note_write certainly changed nothing. */
void
awstore_note_write_undo(bool before)
{
	aw_set_wrote(GetCurrentTransactionNestLevel(), before);
}

/*
 * Did a failed request certainly change nothing?  DynamoDB's 4xx answers
 * (a refused request, a false condition, throttling) and a connection that
 * was never made change nothing; a dropped connection, a timeout, a
 * cancel or a 5xx may have been applied.  With several attempts, only
 * throttled ones are known to have changed nothing.
 */
bool
awstore_error_wrote_nothing(const DynError *err)
{
	if (err->attempts > 1 &&
		!(err->kind == DYN_ERR_SERVICE && dyn_error_type_throttling(err->type)))
		return false;
	switch (err->kind)
	{
		case DYN_ERR_UNREACHABLE:
		case DYN_ERR_INTERNAL:
			return true;
		case DYN_ERR_SERVICE:
			return err->http_status >= 400 && err->http_status < 500;
		default:
			return false;
	}
}

/* ---------------------------------------------------------------------
 * Planning
 * ---------------------------------------------------------------------
 */

/* The description of a foreign table's DynamoDB table, for planning. */
static AwTableInfo *
aw_table_of(Relation rel, Oid userid, AwOptions *opts, AwColumns **cols)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(OidIsValid(userid) ? userid : GetUserId(),
									   server->serverid);
	AwTableInfo *t;

	awstore_server_options(server, opts);
	awstore_table_options(RelationGetRelid(rel), opts);
	*cols = awstore_get_columns(rel);
	t = awstore_table_info(rel, server, user, opts);
	awstore_columns_use_key_types(*cols, t->partition_key, t->partition_type,
								  t->sort_key, t->sort_type);
	return t;
}

/*
 * The row identity of UPDATE and DELETE is the item's key exactly as
 * DynamoDB returned it: AttributeValue JSON text, {"pk":{"S":"…"},…}.
 * Rebuilding the key from the key columns would not do: a uuid,
 * timestamptz, char(n), numeric(p,s) or float column holds a converted
 * value whose text may differ from the attribute's (letter case, time zone,
 * padding, rounding), and such a key names no item, or another one.
 *
 * The key travels as a text Var of the target relation with attribute
 * number SelfItemPointerAttributeNumber, named "awstore_key" (postgres_fdw
 * carries ctid the same way).  The scan of the target relation returns a
 * scan tuple of its own (fdw_scan_tlist, built by
 * awstore_row_key_scan_tlist): the relation's columns, then the key and the
 * other system Vars the plan needs (the whole row, tableoid), which scan.c
 * fills from each item.
 */
bool
awstore_is_row_key_var(Node *node)
{
	Var		   *var = (Var *) node;

	return node != NULL && IsA(node, Var) && var->varlevelsup == 0 &&
		var->varattno == SelfItemPointerAttributeNumber && var->vartype == TEXTOID;
}

List *
awstore_row_key_scan_tlist(Index relid, AwColumns *cols, List *exprs, List *quals)
{
	List	   *vars = pull_var_clause((Node *) list_make2(exprs, quals),
									   PVC_RECURSE_AGGREGATES | PVC_RECURSE_WINDOWFUNCS |
									   PVC_RECURSE_PLACEHOLDERS);
	List	   *extra = NIL;
	List	   *result = NIL;
	ListCell   *lc;
	bool		found = false;

	foreach(lc, vars)
	{
		Var		   *var = lfirst(lc);

		if ((Index) var->varno == relid && awstore_is_row_key_var((Node *) var))
			found = true;
	}
	if (!found)
		return NIL;
	foreach(lc, vars)
	{
		Var		   *var = lfirst(lc);
		ListCell   *lc2;
		bool		dup = false;

		if ((Index) var->varno != relid || var->varattno > 0)
			continue;
		if (var->varattno != InvalidAttrNumber && var->varattno != TableOidAttributeNumber &&
			!awstore_is_row_key_var((Node *) var))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("system column \"%s\" cannot be used in an UPDATE or DELETE of a DynamoDB foreign table",
							NameStr(SystemAttributeDefinition(var->varattno)->attname))));
		foreach(lc2, extra)
			if (((Var *) lfirst(lc2))->varattno == var->varattno)
				dup = true;
		if (!dup)
			extra = lappend(extra, copyObject(var));
	}
	for (int i = 0; i < cols->ncolumns; i++)
	{
		AwColumn   *col = &cols->columns[i];
		Expr	   *expr;

		/* a dropped column keeps its place, as a NULL */
		if (col->dropped)
			expr = (Expr *) makeNullConst(INT4OID, -1, InvalidOid);
		else
			expr = (Expr *) makeVar(relid, i + 1, col->typid, col->typmod, col->collid, 0);
		result = lappend(result, makeTargetEntry(expr, i + 1, NULL, false));
	}
	foreach(lc, extra)
		result = lappend(result, makeTargetEntry(lfirst(lc), list_length(result) + 1, NULL, false));
	return result;
}

/*
 * Does the scan of an UPDATE target read consistently?  Its UpdateItem is
 * conditional on the item as read (no lost updates): a stale read, of an
 * item written a moment before, would only make it fail.  So the table is
 * read with ConsistentRead whatever the server's consistent_read says (a
 * global index cannot be read so).
 */
bool
awstore_update_reads_consistently(PlannerInfo *root, List *scan_tlist)
{
	return scan_tlist != NIL && root->parse->commandType == CMD_UPDATE;
}

void
awstoreAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							   RangeTblEntry *target_rte, Relation target_relation)
{
	(void) target_rte;
	(void) target_relation;
	add_row_identity_var(root, makeVar(rtindex, SelfItemPointerAttributeNumber, TEXTOID, -1,
									   C_COLLATION_OID, 0),
						 rtindex, "awstore_key");

	/*
	 * DELETE … RETURNING reads the whole item, so that the key carries it:
	 * when a resent DeleteItem finds the item gone because its own earlier
	 * attempt deleted it, the row returned is the item as read.
	 */
	if (root->parse->commandType == CMD_DELETE && root->parse->returningList != NIL)
		add_row_identity_var(root, makeVar(rtindex, InvalidAttrNumber, RECORDOID, -1,
										   InvalidOid, 0),
							 rtindex, "awstore_row");
}

/*
 * Would reading this relation through an index with these key attributes
 * let an UPDATE meet an item again?  An UPDATE that sets an index key
 * attribute moves the item within the index, possibly ahead of the page
 * being read, where a later page meets it again (the Halloween problem):
 * such an index is never used to find the rows of an UPDATE.  The table's
 * own key cannot change, and an index whose keys are not set keeps each
 * item in its place.
 */
bool
awstore_update_moves_index(PlannerInfo *root, RelOptInfo *rel, AwColumns *cols,
						   const char *pk, const char *sk)
{
	Bitmapset  *updated;
	int			col = -1;

	if (root->parse->commandType != CMD_UPDATE ||
		!bms_is_member(rel->relid, root->all_result_relids))
		return false;
	updated = get_rel_all_updated_cols(root, rel);
	while ((col = bms_next_member(updated, col)) >= 0)
	{
		AttrNumber	attnum = col + FirstLowInvalidHeapAttributeNumber;
		AwColumn   *c;

		if (attnum <= 0 || attnum > cols->ncolumns)
			continue;
		c = &cols->columns[attnum - 1];
		/* a document column may set any attribute */
		if (c->kind != AW_COL_ATTRIBUTE)
			return true;
		if (strcmp(c->attname, pk) == 0 || (sk && strcmp(c->attname, sk) == 0))
			return true;
	}
	return false;
}

List *
awstorePlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
						 int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	List	   *target_attrs = NIL;
	bool		returning;
	AwOptions	opts;
	AwColumns  *cols;
	AwTableInfo *t;

	t = aw_table_of(rel, rte->checkAsUser, &opts, &cols);
	if (plan->operation == CMD_INSERT)
	{
		for (int i = 0; i < cols->ncolumns; i++)
			if (!cols->columns[i].dropped)
				target_attrs = lappend_int(target_attrs, i + 1);
	}
	else if (plan->operation == CMD_UPDATE)
	{
		RelOptInfo *relopt = find_base_rel(root, resultRelation);
		Bitmapset  *updated = get_rel_all_updated_cols(root, relopt);
		int			col = -1;

		while ((col = bms_next_member(updated, col)) >= 0)
		{
			AttrNumber	attnum = col + FirstLowInvalidHeapAttributeNumber;
			AwColumn   *c;

			if (attnum <= 0 || attnum > cols->ncolumns)
				continue;
			c = &cols->columns[attnum - 1];
			if (c->kind == AW_COL_ATTRIBUTE &&
				(strcmp(c->attname, t->partition_key) == 0 ||
				 (t->sort_key && strcmp(c->attname, t->sort_key) == 0)))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot change column \"%s\", part of the key of DynamoDB table \"%s\"",
								c->colname, t->table_name),
						 errhint("DynamoDB cannot change an item's key: delete the row and insert it with the new key.")));
			if (c->kind == AW_COL_DOCUMENT_PLAIN)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot update column \"%s\" of foreign table \"%s\": it has document 'plain'",
								c->colname, RelationGetRelationName(rel)),
						 errdetail("Plain JSON does not tell a set from a list nor a binary from a string: "
								   "writing the item back from it would change the types of its attributes."),
						 errhint("Update attribute columns, or a column with document 'dynamodb', which keeps every type.")));
			target_attrs = lappend_int(target_attrs, attnum);
		}
	}
	if (plan->onConflictAction == ONCONFLICT_UPDATE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT DO UPDATE is not supported on DynamoDB foreign tables"),
				 errhint("A plain INSERT overwrites an item with the same key.")));
	returning = plan->returningLists != NIL &&
		list_nth(plan->returningLists, subplan_index) != NIL;
	table_close(rel, NoLock);
	return list_make3(target_attrs,
					  makeInteger(plan->onConflictAction == ONCONFLICT_NOTHING ? 1 : 0),
					  makeInteger(returning ? 1 : 0));
}

int
awstoreIsForeignRelUpdatable(Relation rel)
{
	(void) rel;
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

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
		m->deferred_desc = CreateTemplateTupleDesc(3);
		TupleDescInitEntry(m->deferred_desc, 1, "item", TEXTOID, -1, 0);
		TupleDescInitEntry(m->deferred_desc, 2, "key", TEXTOID, -1, 0);
		TupleDescInitEntry(m->deferred_desc, 3, "key_text", TEXTOID, -1, 0);
		m->deferred = tuplestore_begin_heap(false, false, work_mem);
	}
	if (!m->sync)
		m->writer = awstore_writer_create(m->client, m->shape.table, m->opts.batch_size,
										  m->opts.max_retries, cxt);
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
 * Sends a conditional write of one row and waits for it.  Returns the call
 * (held in the current memory context), or NULL when its condition failed;
 * *resent says whether the client sent the request more than once (an
 * earlier attempt may have been applied).
 */
static DynCall *
aw_conditional_request(AwModifyState *m, const char *action, char *body, size_t len,
					   bool *resent)
{
	DynCall    *call;
	AwCallHolder *holder;
	const DynStats *st;
	bool		ok;
	bool		noted;

	if (body == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory building a DynamoDB %s request", action)));
	call = dyn_call_start(m->client, action, body, len);
	if (call == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory starting a DynamoDB %s request", action)));
	holder = awstore_hold_call(CurrentMemoryContext, call);
	noted = awstore_note_write();
	awstore_wait_for(m->client, call);
	ok = dyn_call_ok(call);
	st = dyn_call_stats(call);
	m->stats.requests += st->requests;
	m->stats.retries += st->retries;
	m->stats.capacity += st->capacity;
	*resent = st->retries > 0;
	if (!ok)
	{
		DynError	err = *dyn_call_error(call);

		awstore_release_call(holder);
		if (awstore_error_wrote_nothing(&err) ||
			(err.kind == DYN_ERR_SERVICE && !*resent &&
			 strcmp(err.type, "ConditionalCheckFailedException") == 0))
			awstore_note_write_undo(noted);
		if (err.kind == DYN_ERR_SERVICE &&
			strcmp(err.type, "ConditionalCheckFailedException") == 0)
			return NULL;
		awstore_report_error(&err, action, m->shape.table);
	}
	return call;
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

	return current != NULL && aw_item_is_as_sent(current, item_json, NIL, true);
}

/* "{"#k":"<partition key>"}" for conditions on the key. */
static char *
aw_key_names(AwModifyState *m)
{
	return psprintf("{\"#k\":%s}", awstore_json_string(m->shape.pk));
}

static TupleTableSlot *
aw_insert(AwModifyState *m, TupleTableSlot *slot)
{
	MemoryContext old;
	char	   *item;
	char	   *key_json;
	char	   *key_text;
	TupleTableSlot *result = slot;

	MemoryContextReset(m->temp_cxt);
	old = MemoryContextSwitchTo(m->temp_cxt);
	item = awstore_build_item(&m->shape, slot, NIL, NULL, &key_json, &key_text);
	if (m->sync)
	{
		size_t		len;
		char	   *body;
		bool		resent;

		if (m->on_conflict)
			body = dyn_body_put_item(m->shape.table, item, "attribute_not_exists(#k)",
									 aw_key_names(m), NULL, &len);
		else
			body = dyn_body_put_item(m->shape.table, item, NULL, NULL, NULL, &len);
		if (aw_conditional_request(m, "PutItem", body, len, &resent) == NULL &&
			!(resent && aw_item_now(m, key_json, item)))
			result = NULL;		/* the key exists: DO NOTHING */
	}
	else if (m->deferred)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(item);
		values[1] = CStringGetTextDatum(key_json);
		values[2] = CStringGetTextDatum(key_text);
		MemoryContextSwitchTo(m->cxt);
		tuplestore_putvalues(m->deferred, m->deferred_desc, values, nulls);
	}
	else
		awstore_writer_put(m->writer, item, key_json, key_text);
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

/*
 * The key of the row being updated or deleted: the item's key as the scan
 * read it (see awstore_is_row_key_var), never rebuilt from column values.
 * With item_json, also the whole item as read (UPDATE), or NULL.
 */
static char *
aw_row_key(AwModifyState *m, TupleTableSlot *planSlot, char **key_text, char **item_json)
{
	bool		isnull;
	Datum		d = ExecGetJunkAttribute(planSlot, m->key_junk, &isnull);
	char	   *identity;
	char	   *key_json;
	DynValue   *parsed;
	DynValue   *key;

	if (isnull)
		elog(ERROR, "awstore: the key of the row to modify is NULL");
	identity = TextDatumGetCString(d);
	parsed = dyn_parse(identity, strlen(identity));
	key = parsed ? dyn_array_get(parsed, 0) : NULL;
	if (key == NULL)
	{
		dyn_value_free(parsed);
		elog(ERROR, "awstore: the key of the row to modify is not valid");
	}
	key_json = awstore_value_json(key);
	*key_text = awstore_item_key_text(key, m->shape.pk, m->shape.sk);
	if (item_json)
		*item_json = dyn_array_length(parsed) > 1
			? awstore_value_json(dyn_array_get(parsed, 1)) : NULL;
	dyn_value_free(parsed);
	return key_json;
}

/*
 * The condition that the item is still as the UPDATE read it: every
 * attribute read (key aside) has the value read, every column's attribute
 * that was missing is still missing.  Appended to cond (" AND …"), names
 * and values (JSON members, placeholders #c<i> and :c<i>).  When that is
 * longer than DynamoDB takes, only the attributes the UPDATE sets are
 * checked.
 */
#define AW_MAX_CONDITION 3500

static void
aw_read_condition(AwModifyState *m, const char *item_json, bool only_set,
				  StringInfo cond, StringInfo names, StringInfo values)
{
	DynValue   *volatile item = dyn_parse(item_json, strlen(item_json));
	int			start_cond = cond->len;
	int			start_names = names->len;
	int			start_values = values->len;

	if (item == NULL)
		elog(ERROR, "awstore: the item read is not valid JSON");
	PG_TRY();
	{
		List	   *attnames = NIL;
		ListCell   *lc;
		int			n = 0;

		/* the attributes read, then the columns' attributes */
		if (!only_set)
		{
			DynObjectIter it;
			const char *name;
			DynValue   *av;

			dyn_object_iter_init(item, &it);
			while (dyn_object_iter_next(&it, &name, &av))
				attnames = lappend(attnames, pstrdup(name));
			for (int i = 0; i < m->columns->ncolumns; i++)
				if (!m->columns->columns[i].dropped &&
					m->columns->columns[i].kind == AW_COL_ATTRIBUTE)
					attnames = lappend(attnames, m->columns->columns[i].attname);
		}
		else
			foreach(lc, m->target_attrs)
				if (m->columns->columns[lfirst_int(lc) - 1].kind == AW_COL_ATTRIBUTE)
					attnames = lappend(attnames, m->columns->columns[lfirst_int(lc) - 1].attname);

		foreach(lc, attnames)
		{
			const char *name = lfirst(lc);
			DynValue   *av;
			bool		seen = false;

			if (strcmp(name, m->shape.pk) == 0 || (m->shape.sk && strcmp(name, m->shape.sk) == 0))
				continue;
			for (ListCell *lc2 = list_head(attnames); lc2 != lc; lc2 = lnext(attnames, lc2))
				if (strcmp(lfirst(lc2), name) == 0)
					seen = true;
			if (seen)
				continue;
			appendStringInfo(names, ",\"#c%d\":%s", n, awstore_json_string(name));
			av = dyn_get(item, name);
			if (av)
			{
				appendStringInfo(cond, " AND #c%d = :c%d", n, n);
				appendStringInfo(values, "%s\":c%d\":%s", values->len ? "," : "{", n,
								 awstore_value_json(av));
			}
			else
				appendStringInfo(cond, " AND attribute_not_exists(#c%d)", n);
			n++;
		}
	}
	PG_FINALLY();
	{
		dyn_value_free(item);
	}
	PG_END_TRY();

	if (cond->len > AW_MAX_CONDITION && !only_set)
	{
		cond->data[cond->len = start_cond] = '\0';
		names->data[names->len = start_names] = '\0';
		values->data[values->len = start_values] = '\0';
		aw_read_condition(m, item_json, true, cond, names, values);
	}
}

/* Are two AttributeValues equal as DynamoDB compares them? */
static bool
aw_attr_equal(DynValue *a, DynValue *b)
{
	DynValue   *ia;
	DynValue   *ib;
	DynType		t = dyn_attr(a, &ia);

	if (t != dyn_attr(b, &ib))
		return false;
	switch (t)
	{
		case DYN_T_N:
			return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
													 DirectFunctionCall3(numeric_in, CStringGetDatum(dyn_string(ia, NULL)),
																		 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)),
													 DirectFunctionCall3(numeric_in, CStringGetDatum(dyn_string(ib, NULL)),
																		 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)))) == 0;
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			if (dyn_array_length(ia) != dyn_array_length(ib))
				return false;
			for (int i = 0; i < dyn_array_length(ia); i++)
			{
				bool		found = false;

				for (int j = 0; j < dyn_array_length(ib) && !found; j++)
				{
					const char *x = dyn_string(dyn_array_get(ia, i), NULL);
					const char *y = dyn_string(dyn_array_get(ib, j), NULL);

					if (t == DYN_T_NS)
						found = DatumGetInt32(DirectFunctionCall2(numeric_cmp,
																  DirectFunctionCall3(numeric_in, CStringGetDatum(x),
																					  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)),
																  DirectFunctionCall3(numeric_in, CStringGetDatum(y),
																					  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)))) == 0;
					else
						found = x && y && strcmp(x, y) == 0;
				}
				if (!found)
					return false;
			}
			return true;
		case DYN_T_L:
			if (dyn_array_length(ia) != dyn_array_length(ib))
				return false;
			for (int i = 0; i < dyn_array_length(ia); i++)
				if (!aw_attr_equal(dyn_array_get(ia, i), dyn_array_get(ib, i)))
					return false;
			return true;
		case DYN_T_M:
			{
				DynObjectIter it;
				const char *name;
				DynValue   *av;

				if (dyn_object_size(ia) != dyn_object_size(ib))
					return false;
				dyn_object_iter_init(ia, &it);
				while (dyn_object_iter_next(&it, &name, &av))
				{
					DynValue   *bv = dyn_get(ib, name);

					if (bv == NULL || !aw_attr_equal(av, bv))
						return false;
				}
				return true;
			}
		default:
			return strcmp(awstore_value_json(a), awstore_value_json(b)) == 0;
	}
}

/* Fills slot with the attributes DynamoDB returned (ALL_NEW, ALL_OLD). */
static TupleTableSlot *
aw_returned_row(AwModifyState *m, DynCall *call, TupleTableSlot *slot)
{
	DynValue   *attrs = dyn_get(dyn_call_response(call), "Attributes");

	if (attrs == NULL)
		return NULL;
	awstore_fill_slot(slot, m->columns, NIL, attrs, &m->conv);
	return slot;
}

/*
 * Is item as a write left it: the attributes of sent_json (a map) with
 * those values, the attributes in removed missing, and with whole nothing
 * else?
 */
static bool
aw_item_is_as_sent(DynValue *item, const char *sent_json, List *removed, bool whole)
{
	DynValue   *volatile sent = dyn_parse(sent_json, strlen(sent_json));
	volatile bool same = sent != NULL;

	PG_TRY();
	{
		DynObjectIter it;
		const char *name;
		DynValue   *av;
		ListCell   *lc;

		if (same)
		{
			dyn_object_iter_init(sent, &it);
			while (same && dyn_object_iter_next(&it, &name, &av))
			{
				DynValue   *cv = dyn_get(item, name);

				if (cv == NULL || !aw_attr_equal(av, cv))
					same = false;
			}
			foreach(lc, removed)
				if (dyn_get(item, lfirst(lc)))
					same = false;
			if (whole && dyn_object_size(item) != dyn_object_size(sent))
				same = false;
		}
	}
	PG_FINALLY();
	{
		dyn_value_free(sent);
	}
	PG_END_TRY();
	return same;
}

/*
 * An UPDATE's condition failed: the item is gone, or it is not as this
 * statement read it.  Reads it again, consistently.  Returns NULL when it
 * is gone (the row is not updated, as PostgreSQL skips a row deleted
 * meanwhile).  When the request was resent and the item is as this UPDATE
 * leaves it (the attributes of sent set, those of removed missing; with
 * whole, nothing else), an earlier attempt of this very request was applied:
 * returns the item.  Otherwise another writer changed the item since it
 * was read, and the UPDATE fails with a serialization failure that the
 * caller can retry (nothing was written).
 */
static DynValue *
aw_update_conflict(AwModifyState *m, const char *key_json, const char *key_text,
				   bool resent, const char *sent_json, List *removed, bool whole)
{
	size_t		len;
	char	   *body = dyn_body_get_item(m->shape.table, key_json, NULL, NULL, true, &len);
	AwCallHolder *holder = awstore_call(m->client, "GetItem", body, len, m->shape.table);
	DynValue   *current = dyn_get(dyn_call_response(holder->call), "Item");
	bool		ours = resent;

	if (current == NULL)
		return NULL;
	if (ours)
		ours = aw_item_is_as_sent(current, sent_json, removed, whole);
	if (!ours)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not update item %s of DynamoDB table \"%s\" due to a concurrent update",
						key_text, m->shape.table),
				 errdetail("The item changed after this statement read it; it was not updated."),
				 errhint("Retry the transaction.")));
	return current;
}

TupleTableSlot *
awstoreExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
						 TupleTableSlot *planSlot)
{
	AwModifyState *m = rinfo->ri_FdwState;
	MemoryContext old;
	char	   *key_json;
	char	   *key_text;
	char	   *item_json;
	char	   *body;
	size_t		len;
	DynCall    *call;
	DynValue   *returned = NULL;
	TupleTableSlot *result;
	StringInfoData cond;
	StringInfoData names;
	StringInfoData values;
	char	   *sent;
	List	   *removed = NIL;
	bool		resent;

	(void) estate;
	MemoryContextReset(m->temp_cxt);
	old = MemoryContextSwitchTo(m->temp_cxt);
	key_json = aw_row_key(m, planSlot, &key_text, &item_json);
	slot_getallattrs(slot);

	/*
	 * The write is conditional on the item still existing (#k is the
	 * partition key) and on it being as it was read, so that a concurrent
	 * change is never overwritten (a lost update).
	 */
	initStringInfo(&cond);
	initStringInfo(&names);
	initStringInfo(&values);
	appendStringInfoString(&cond, "attribute_exists(#k)");
	appendStringInfoString(&names, aw_key_names(m));
	names.data[--names.len] = '\0';	/* drop the closing brace */

	if (m->document_set)
	{
		/* the document is the whole item: put it, keeping the key */
		char	   *item_key_json;
		char	   *item_key_text;
		char	   *item = awstore_build_item(&m->shape, slot, m->target_attrs, key_json,
											  &item_key_json, &item_key_text);

		if (item_json)
			aw_read_condition(m, item_json, false, &cond, &names, &values);
		appendStringInfoChar(&names, '}');
		if (values.len)
			appendStringInfoChar(&values, '}');
		body = dyn_body_put_item(m->shape.table, item, cond.data, names.data,
								 values.len ? values.data : NULL, &len);
		call = aw_conditional_request(m, "PutItem", body, len, &resent);
		sent = item;
		if (call == NULL)
			returned = aw_update_conflict(m, key_json, key_text, resent, sent, NIL, true);
		result = (call || returned) ? slot : NULL;
	}
	else
	{
		StringInfoData set;
		StringInfoData remove;
		StringInfoData sent_buf;
		ListCell   *lc;
		int			n = 0;

		initStringInfo(&set);
		initStringInfo(&remove);
		initStringInfo(&sent_buf);
		appendStringInfoChar(&sent_buf, '{');
		/* #n<i> the columns set, :v<i> their values */
		foreach(lc, m->target_attrs)
		{
			AwColumn   *col = &m->columns->columns[lfirst_int(lc) - 1];
			int			i = col->attnum - 1;

			appendStringInfo(&names, ",\"#n%d\":%s", n, awstore_json_string(col->attname));
			if (slot->tts_isnull[i] && !col->null_as_null)
			{
				appendStringInfo(&remove, "%s#n%d", remove.len ? ", " : "", n);
				removed = lappend(removed, col->attname);
			}
			else
			{
				StringInfoData v;
				const char *why = NULL;

				initStringInfo(&v);
				if (slot->tts_isnull[i])
					appendStringInfoString(&v, "{\"NULL\":true}");
				else if (!awstore_datum_to_attr(slot->tts_values[i], col->typid, col->atype,
												&v, &why))
				{
					ereport(ERROR,
							(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
							 errmsg("cannot write column \"%s\" to DynamoDB attribute \"%s\"",
									col->colname, col->attname),
							 errdetail("Item %s of DynamoDB table \"%s\": %s.",
									   key_text, m->shape.table, why)));
				}
				appendStringInfo(&set, "%s#n%d = :v%d", set.len ? ", " : "", n, n);
				appendStringInfo(&values, "%s\":v%d\":%s", values.len ? "," : "{", n, v.data);
				appendStringInfo(&sent_buf, "%s%s:%s", sent_buf.len > 1 ? "," : "",
								 awstore_json_string(col->attname), v.data);
				pfree(v.data);
			}
			n++;
		}
		appendStringInfoChar(&sent_buf, '}');
		sent = sent_buf.data;
		if (item_json)
			aw_read_condition(m, item_json, false, &cond, &names, &values);
		appendStringInfoChar(&names, '}');
		if (values.len)
			appendStringInfoChar(&values, '}');
		{
			char	   *update = psprintf("%s%s%s%s",
										  set.len ? "SET " : "", set.data,
										  remove.len ? (set.len ? " REMOVE " : "REMOVE ") : "",
										  remove.data);

			body = dyn_body_update_item(m->shape.table, key_json, update,
										cond.data, names.data,
										values.len ? values.data : NULL,
										m->returning ? "ALL_NEW" : NULL, &len);
		}
		call = aw_conditional_request(m, "UpdateItem", body, len, &resent);
		if (call == NULL)
			returned = aw_update_conflict(m, key_json, key_text, resent, sent, removed, false);
		if (call == NULL && returned == NULL)
			result = NULL;		/* the item is gone */
		else if (m->returning && returned)
		{
			awstore_fill_slot(slot, m->columns, NIL, returned, &m->conv);
			result = slot;
		}
		else if (m->returning)
			result = aw_returned_row(m, call, slot);
		else
			result = slot;
	}
	MemoryContextSwitchTo(old);
	if (result)
		m->rows++;
	return result;
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
		awstore_fill_slot(slot, m->columns, NIL, item, &m->conv);
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
	key_json = aw_row_key(m, planSlot, &key_text, m->sync ? &item_json : NULL);
	if (m->sync)
	{
		size_t		len;
		char	   *body = dyn_body_delete_item(m->shape.table, key_json,
												"attribute_exists(#k)", aw_key_names(m),
												m->returning ? "ALL_OLD" : NULL, &len);
		bool		resent;
		DynCall    *call = aw_conditional_request(m, "DeleteItem", body, len, &resent);

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
			result = aw_returned_row(m, call, slot);
	}
	else
		awstore_writer_delete(m->writer, key_json, key_text);
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
 * TRUNCATE: every key, read with a key-only Scan, deleted in batches.
 */
void
awstoreExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs)
{
	ListCell   *lc;

	(void) behavior;
	(void) restart_seqs;
	foreach(lc, rels)
	{
		Relation	rel = lfirst(lc);
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "awstore truncate",
												  ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		AwOptions	opts;
		AwColumns  *cols;
		AwTableInfo *t = aw_table_of(rel, InvalidOid, &opts, &cols);
		ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
		ForeignServer *server = GetForeignServer(table->serverid);
		UserMapping *user = GetUserMapping(GetUserId(), server->serverid);
		DynClient  *client = awstore_get_client(server, user, &opts);
		AwWriter   *writer = awstore_writer_create(client, t->table_name, opts.batch_size,
												   opts.max_retries, cxt);
		MemoryContext page_cxt = AllocSetContextCreate(cxt, "awstore truncate page",
													   ALLOCSET_DEFAULT_SIZES);
		char	   *start = NULL;
		char	   *names;

		names = t->sort_key
			? psprintf("{\"#k0\":%s,\"#k1\":%s}", awstore_json_string(t->partition_key),
					   awstore_json_string(t->sort_key))
			: psprintf("{\"#k0\":%s}", awstore_json_string(t->partition_key));

		do
		{
			DynReadRequest req;
			size_t		len;
			char	   *body;
			AwCallHolder *page;
			DynValue   *resp;
			DynValue   *items;
			DynValue   *lek;

			/* one page's keys and texts at a time; start outlives it */
			MemoryContextSwitchTo(page_cxt);
			memset(&req, 0, sizeof(req));
			req.table = t->table_name;
			req.projection = t->sort_key ? "#k0, #k1" : "#k0";
			req.names_json = names;
			req.start_key_json = start;
			req.consistent_read = opts.consistent_read;
			body = dyn_body_scan(&req, &len);
			page = awstore_call(client, "Scan", body, len, t->table_name);
			resp = dyn_call_response(page->call);
			items = dyn_get(resp, "Items");
			for (int i = 0; i < dyn_array_length(items); i++)
			{
				DynValue   *item = dyn_array_get(items, i);

				awstore_writer_delete(writer, awstore_value_json(item),
									  awstore_item_key_text(item, t->partition_key, t->sort_key));
			}
			lek = dyn_get(resp, "LastEvaluatedKey");
			MemoryContextSwitchTo(cxt);
			start = lek ? awstore_value_json(lek) : NULL;
			awstore_release_call(page);
			MemoryContextReset(page_cxt);
			CHECK_FOR_INTERRUPTS();
		} while (start);
		awstore_writer_finish(writer);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
	}
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
		}
		st.items = m->writer ? awstore_writer_stats(m->writer)->items : m->rows;
		report->stats = st;
		report->executed = true;
	}
}
