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
 * UPDATE and DELETE identify an item by the key read with the row (the key
 * columns are added as row identity columns), never by reading it again.
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
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

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
	AwColumn   *pk_col;
	AwColumn   *sk_col;
	AttrNumber	pk_junk;
	AttrNumber	sk_junk;
	AwWriter   *writer;
	MemoryContext cxt;			/* the state and the writer */
	MemoryContext temp_cxt;		/* one row */
	AwConvertContext conv;
	AwWriteStats stats;			/* of the per-row requests */
	long		rows;
} AwModifyState;

/* ---------------------------------------------------------------------
 * Transactions
 * ---------------------------------------------------------------------
 */
static bool aw_xact_wrote = false;
static bool aw_xact_callback_registered = false;

static void
aw_xact_callback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (aw_xact_wrote)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has written to DynamoDB"),
						 errdetail("DynamoDB writes take effect when they are sent; they can be neither prepared nor rolled back.")));
			break;
		case XACT_EVENT_ABORT:
			if (aw_xact_wrote)
				ereport(WARNING,
						(errmsg("writes already sent to DynamoDB by this transaction were not undone"),
						 errdetail("DynamoDB has no rollback: items written, updated or deleted before the error stay so.")));
			aw_xact_wrote = false;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			aw_xact_wrote = false;
			break;
		default:
			break;
	}
}

void
awstore_note_write(void)
{
	if (!aw_xact_callback_registered)
	{
		RegisterXactCallback(aw_xact_callback, NULL);
		aw_xact_callback_registered = true;
	}
	aw_xact_wrote = true;
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

static AwColumn *
aw_key_column(Relation rel, AwColumns *cols, const char *attname, const char *what,
			  const char *table)
{
	AwColumn   *col = awstore_find_attribute(cols, attname);

	if (col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no column for the %s \"%s\" of DynamoDB table \"%s\"",
						RelationGetRelationName(rel), what, attname, table),
				 errhint("UPDATE and DELETE find items by their key: add a column for it.")));
	return col;
}

void
awstoreAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							   RangeTblEntry *target_rte, Relation target_relation)
{
	AwOptions	opts;
	AwColumns  *cols;
	AwTableInfo *t = aw_table_of(target_relation, target_rte->checkAsUser, &opts, &cols);
	AwColumn   *col;

	col = aw_key_column(target_relation, cols, t->partition_key, "partition key", t->table_name);
	add_row_identity_var(root, makeVar(rtindex, col->attnum, col->typid, col->typmod,
									   col->collid, 0),
						 rtindex, "awstore_pk");
	if (t->sort_key)
	{
		col = aw_key_column(target_relation, cols, t->sort_key, "sort key", t->table_name);
		add_row_identity_var(root, makeVar(rtindex, col->attnum, col->typid, col->typmod,
										   col->collid, 0),
							 rtindex, "awstore_sk");
	}
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
	if (op != CMD_INSERT)
	{
		m->pk_col = aw_key_column(rel, m->columns, m->shape.pk, "partition key", m->shape.table);
		if (m->shape.sk)
			m->sk_col = aw_key_column(rel, m->columns, m->shape.sk, "sort key", m->shape.table);
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

		m->pk_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, "awstore_pk");
		if (!AttributeNumberIsValid(m->pk_junk))
			elog(ERROR, "awstore: the partition key of the row to modify is missing");
		if (m->sk_col)
		{
			m->sk_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, "awstore_sk");
			if (!AttributeNumberIsValid(m->sk_junk))
				elog(ERROR, "awstore: the sort key of the row to modify is missing");
		}
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
 * Runs one request for a row.  Returns its call (in temp_cxt), or NULL
 * when DynamoDB answered ConditionalCheckFailedException: the condition
 * (no such item yet, or the item still there) did not hold.
 */
static DynCall *
aw_row_request(AwModifyState *m, const char *action, char *body, size_t len)
{
	AwCallHolder *holder = awstore_call_tolerating(m->client, action, body, len,
												   m->shape.table,
												   "ConditionalCheckFailedException");

	awstore_note_write();
	if (holder == NULL)
		return NULL;
	{
		const DynStats *st = dyn_call_stats(holder->call);

		m->stats.requests += st->requests;
		m->stats.retries += st->retries;
		m->stats.capacity += st->capacity;
	}
	return holder->call;
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

		if (m->on_conflict)
			body = dyn_body_put_item(m->shape.table, item, "attribute_not_exists(#k)",
									 aw_key_names(m), NULL, &len);
		else
			body = dyn_body_put_item(m->shape.table, item, NULL, NULL, NULL, &len);
		if (aw_row_request(m, "PutItem", body, len) == NULL)
			result = NULL;		/* the key exists: DO NOTHING */
	}
	else
		awstore_writer_put(m->writer, item, key_json, key_text);
	MemoryContextSwitchTo(old);
	if (result)
		m->rows++;
	return result;
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

/* The key of the row being updated or deleted, from its identity columns. */
static char *
aw_row_key(AwModifyState *m, TupleTableSlot *planSlot, char **key_text)
{
	bool		isnull;
	Datum		pk = ExecGetJunkAttribute(planSlot, m->pk_junk, &isnull);
	Datum		sk = (Datum) 0;

	if (isnull)
		elog(ERROR, "awstore: the partition key of the row to modify is NULL");
	if (m->sk_col)
	{
		sk = ExecGetJunkAttribute(planSlot, m->sk_junk, &isnull);
		if (isnull)
			elog(ERROR, "awstore: the sort key of the row to modify is NULL");
	}
	return awstore_build_key(&m->shape, pk, m->pk_col->typid, sk,
							 m->sk_col ? m->sk_col->typid : InvalidOid, key_text);
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

TupleTableSlot *
awstoreExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
						 TupleTableSlot *planSlot)
{
	AwModifyState *m = rinfo->ri_FdwState;
	MemoryContext old;
	char	   *key_json;
	char	   *key_text;
	char	   *body;
	size_t		len;
	DynCall    *call;
	TupleTableSlot *result;

	(void) estate;
	MemoryContextReset(m->temp_cxt);
	old = MemoryContextSwitchTo(m->temp_cxt);
	key_json = aw_row_key(m, planSlot, &key_text);
	slot_getallattrs(slot);

	if (m->document_set)
	{
		/* the document is the whole item: put it, keeping the key */
		char	   *item_key_json;
		char	   *item_key_text;
		char	   *item = awstore_build_item(&m->shape, slot, m->target_attrs, key_json,
											  &item_key_json, &item_key_text);

		body = dyn_body_put_item(m->shape.table, item, "attribute_exists(#k)",
								 aw_key_names(m), NULL, &len);
		call = aw_row_request(m, "PutItem", body, len);
		result = call ? slot : NULL;
	}
	else
	{
		StringInfoData set;
		StringInfoData remove;
		StringInfoData names;
		StringInfoData values;
		ListCell   *lc;
		int			n = 0;

		initStringInfo(&set);
		initStringInfo(&remove);
		initStringInfo(&names);
		initStringInfo(&values);
		/* #k is the partition key, for the condition; #n<i> the columns */
		appendStringInfoString(&names, aw_key_names(m));
		names.data[--names.len] = '\0';	/* drop the closing brace */
		foreach(lc, m->target_attrs)
		{
			AwColumn   *col = &m->columns->columns[lfirst_int(lc) - 1];
			int			i = col->attnum - 1;

			appendStringInfo(&names, ",\"#n%d\":%s", n, awstore_json_string(col->attname));
			if (slot->tts_isnull[i] && !col->null_as_null)
				appendStringInfo(&remove, "%s#n%d", remove.len ? ", " : "", n);
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
				pfree(v.data);
			}
			n++;
		}
		appendStringInfoChar(&names, '}');
		if (values.len)
			appendStringInfoChar(&values, '}');
		{
			char	   *update = psprintf("%s%s%s%s",
										  set.len ? "SET " : "", set.data,
										  remove.len ? (set.len ? " REMOVE " : "REMOVE ") : "",
										  remove.data);

			body = dyn_body_update_item(m->shape.table, key_json, update,
										"attribute_exists(#k)", names.data,
										values.len ? values.data : NULL,
										m->returning ? "ALL_NEW" : NULL, &len);
		}
		call = aw_row_request(m, "UpdateItem", body, len);
		if (call == NULL)
			result = NULL;		/* the item is gone */
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

TupleTableSlot *
awstoreExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
						 TupleTableSlot *planSlot)
{
	AwModifyState *m = rinfo->ri_FdwState;
	MemoryContext old;
	char	   *key_json;
	char	   *key_text;
	TupleTableSlot *result = slot;

	(void) estate;
	MemoryContextReset(m->temp_cxt);
	old = MemoryContextSwitchTo(m->temp_cxt);
	key_json = aw_row_key(m, planSlot, &key_text);
	if (m->sync)
	{
		size_t		len;
		char	   *body = dyn_body_delete_item(m->shape.table, key_json,
												"attribute_exists(#k)", aw_key_names(m),
												m->returning ? "ALL_OLD" : NULL, &len);
		DynCall    *call = aw_row_request(m, "DeleteItem", body, len);

		if (call == NULL)
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

void
awstoreExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							List *fdw_private, int subplan_index, ExplainState *es)
{
	AwModifyState *m = rinfo->ri_FdwState;
	CmdType		op = mtstate->operation;
	bool		on_conflict = fdw_private && intVal(list_nth(fdw_private, AwModOnConflict));
	bool		returning = fdw_private && intVal(list_nth(fdw_private, AwModReturning));
	bool		per_row = returning || aw_after_row_triggers(rinfo, op);

	(void) subplan_index;
	if (op == CMD_INSERT && on_conflict)
		ExplainPropertyText("DynamoDB Write", "PutItem per row, if attribute_not_exists(partition key)", es);
	else if (op == CMD_INSERT && per_row)
		ExplainPropertyText("DynamoDB Write", "PutItem per row", es);
	else if (op == CMD_INSERT)
		ExplainPropertyText("DynamoDB Write", "BatchWriteItem PutRequests", es);
	else if (op == CMD_UPDATE)
		ExplainPropertyText("DynamoDB Write", "UpdateItem per row, if the item exists", es);
	else if (op == CMD_DELETE && per_row)
		ExplainPropertyText("DynamoDB Write", "DeleteItem per row, if the item exists", es);
	else if (op == CMD_DELETE)
		ExplainPropertyText("DynamoDB Write", "BatchWriteItem DeleteRequests", es);

	if (es->analyze && m)
	{
		AwWriteStats st = m->stats;

		if (m->writer)
		{
			const AwWriteStats *ws;

			/* finish now, so that the figures are complete */
			awstore_writer_finish(m->writer);
			ws = awstore_writer_stats(m->writer);
			st.requests += ws->requests;
			st.retries += ws->retries + ws->unprocessed_retries;
			st.capacity += ws->capacity;
		}
		ExplainPropertyInteger("DynamoDB Write Requests", NULL, st.requests, es);
		ExplainPropertyInteger("DynamoDB Write Retries", NULL, st.retries, es);
		ExplainPropertyInteger("DynamoDB Items Written", NULL,
							   m->writer ? awstore_writer_stats(m->writer)->items : m->rows, es);
		ExplainPropertyFloat("DynamoDB Write Capacity", NULL, st.capacity, 1, es);
	}
}
