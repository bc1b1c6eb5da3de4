/*-------------------------------------------------------------------------
 *
 * modifyplan.c
 *		Planning INSERT, UPDATE and DELETE on foreign tables.
 *
 * UPDATE and DELETE name the row to write by the item's key exactly as the
 * scan read it: a row identity column "awstore_key" (and, for UPDATE, the
 * whole item as read, "awstore_row"), added here and filled by the scan.
 * The plan's fdw_private for the ModifyTable is the list of columns
 * written, ON CONFLICT DO NOTHING and RETURNING (AwModifyPrivateIndex in
 * modify.h).  The scan under an UPDATE reads consistently, as its writes
 * are conditional on the items as read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/heap.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "fdw/fdw.h"

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
 * The next of the columns an UPDATE sets (updated, as
 * get_rel_all_updated_cols gives them) after the one *col stands at; NULL
 * after the last.  System columns and whole-row references are passed
 * over.  *col starts at -1.
 */
static AwColumn *
aw_next_updated_column(Bitmapset *updated, int *col, AwColumns *cols)
{
	while ((*col = bms_next_member(updated, *col)) >= 0)
	{
		AttrNumber	attnum = *col + FirstLowInvalidHeapAttributeNumber;

		if (attnum > 0 && attnum <= cols->ncolumns)
			return &cols->columns[attnum - 1];
	}
	return NULL;
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
	AwColumn   *c;

	if (root->parse->commandType != CMD_UPDATE ||
		!bms_is_member(rel->relid, root->all_result_relids))
		return false;
	updated = get_rel_all_updated_cols(root, rel);
	while ((c = aw_next_updated_column(updated, &col, cols)) != NULL)
	{
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

	t = awstore_relation_table_info(rel, rte->checkAsUser, &opts, &cols);
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
		AwColumn   *c;

		while ((c = aw_next_updated_column(updated, &col, cols)) != NULL)
		{
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
			target_attrs = lappend_int(target_attrs, (int) (c - cols->columns) + 1);
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
