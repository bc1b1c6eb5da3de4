/*-------------------------------------------------------------------------
 *
 * plan.c
 *		Planning scans of DynamoDB tables: paths, costs and plans.
 *
 * For a foreign table the planner is offered:
 *	- a Scan of the whole table (parallel when scan_segments > 1);
 *	- GetItem when the quals pin the whole primary key, BatchGetItem when
 *	  they give a list of partition keys (IN, = ANY), Query when they pin the
 *	  partition key (with a sort key condition when there is one), one Query
 *	  per value for a list of partition keys on a table with a sort key;
 *	- Query on a secondary index whose partition key the quals pin, when the
 *	  index projects every attribute the query needs;
 *	- parameterized GetItem / Query paths for join clauses on the partition
 *	  key, so that "local JOIN foreign ON foreign.pk = local.x" fetches by
 *	  key instead of scanning.
 * Costs count a request as a network round trip and an item as the work
 * of parsing and converting it, with row counts from DescribeTable (or
 * ANALYZE), so key lookups win over scans.
 *
 * GetForeignPlan re-derives the key conditions from the clauses it is
 * given (keycond.c), hands the other shippable ones to DynamoDB as
 * FilterExpression, projects only the attributes needed, uses Select=COUNT
 * when no attribute is needed at all, and stores what it decided as an
 * AwScanPlan (scanplan.c).  Shipped filters are also kept in
 * fdw_recheck_quals: at execution a value that cannot be sent (a NULL
 * parameter, say) makes the scan check them locally instead.  So are the
 * sort key range conditions: a bound known only at execution that
 * DynamoDB cannot take (an empty string, 'Infinity') widens the Query to
 * the partition, and the range is checked locally.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/array.h"
#include "utils/rel.h"

#include "fdw/fdw.h"

/* A request is a network round trip; an item is parsed and converted. */
#define AW_REQUEST_COST 50.0
#define AW_ITEM_COST (cpu_tuple_cost * 10)
#define AW_PAGE_BYTES (1024.0 * 1024.0)
#define AW_MAX_EXPRESSION 4000
#define AW_BATCH_GET_KEYS 100

/* What planning learns about a foreign table (RelOptInfo.fdw_private). */
typedef struct AwRelInfo
{
	ForeignServer *server;
	UserMapping *user;
	AwOptions	opts;
	AwColumns  *columns;
	AwTableInfo *tinfo;
	List	   *remote_conds;	/* RestrictInfos DynamoDB can evaluate */
	List	   *local_conds;	/* the others */
	Bitmapset  *attrs_used;		/* attnums (offset) in output and local quals */
	Bitmapset  *attrs_all;		/* ... and in every restriction */
} AwRelInfo;

/* What a path is (ForeignPath.fdw_private). */
enum AwPathPrivateIndex
{
	AwPathOperation,			/* Integer: AwOperation */
	AwPathIndex					/* String: index name, "" for the table */
};

static double aw_items(AwTableInfo *tinfo);

static void
aw_init_context(AwDeparseContext *ctx, PlannerInfo *root, RelOptInfo *baserel,
				AwColumns *columns)
{
	memset(ctx, 0, sizeof(AwDeparseContext));
	ctx->root = root;
	ctx->baserel = baserel;
	ctx->columns = columns;
}

void
awstoreGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	AwRelInfo  *info = palloc0(sizeof(AwRelInfo));
	ForeignTable *table = GetForeignTable(foreigntableid);
	Relation	rel;
	AwDeparseContext ctx;
	ListCell   *lc;
	Oid			userid;

	baserel->fdw_private = info;
	info->server = GetForeignServer(table->serverid);
	userid = OidIsValid(baserel->userid) ? baserel->userid : GetUserId();
	info->user = GetUserMapping(userid, table->serverid);
	awstore_server_options(info->server, &info->opts);
	awstore_table_options(foreigntableid, &info->opts);

	rel = table_open(foreigntableid, NoLock);
	info->columns = awstore_get_columns(rel);
	info->tinfo = awstore_table_info(rel, info->server, info->user, &info->opts);
	awstore_columns_use_key_types(info->columns, info->tinfo->partition_key,
								  info->tinfo->partition_type, info->tinfo->sort_key,
								  info->tinfo->sort_type);
	/* ANALYZE's count when there is one, else DescribeTable's */
	baserel->tuples = rel->rd_rel->reltuples >= 0 ? rel->rd_rel->reltuples
		: aw_items(info->tinfo);
	table_close(rel, NoLock);

	aw_init_context(&ctx, root, baserel, info->columns);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (awstore_filter_shippable(&ctx, ri->clause))
			info->remote_conds = lappend(info->remote_conds, ri);
		else
			info->local_conds = lappend(info->local_conds, ri);
	}

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &info->attrs_used);
	foreach(lc, info->local_conds)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause, baserel->relid,
					   &info->attrs_used);
	info->attrs_all = bms_copy(info->attrs_used);
	foreach(lc, info->remote_conds)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause, baserel->relid,
					   &info->attrs_all);

	set_baserel_size_estimates(root, baserel);
}

/* ---------------------------------------------------------------------
 * Costs
 * ---------------------------------------------------------------------
 */

/*
 * Items in the table.  DynamoDB refreshes ItemCount about every six hours
 * (and a local server may always say 0): zero means unknown, and a guess
 * of AW_UNKNOWN_ITEMS stands in until ANALYZE counts.
 */
#define AW_UNKNOWN_ITEMS 10000.0

static double
aw_items(AwTableInfo *tinfo)
{
	return tinfo->item_count > 0 ? tinfo->item_count : AW_UNKNOWN_ITEMS;
}

static double
aw_item_bytes(AwTableInfo *tinfo)
{
	if (tinfo->item_count > 0 && tinfo->size_bytes > 0)
		return tinfo->size_bytes / tinfo->item_count;
	return 500.0;
}

/* Cost of reading items items in pages of up to 1 MB. */
static void
aw_read_cost(AwTableInfo *tinfo, double items, double requests_floor, int segments,
			 Cost *startup, Cost *total)
{
	double		pages = ceil(items * aw_item_bytes(tinfo) / AW_PAGE_BYTES);

	pages = Max(pages, requests_floor);
	*startup = AW_REQUEST_COST;
	*total = pages * AW_REQUEST_COST / Max(segments, 1) + items * AW_ITEM_COST;
	if (*total < *startup)
		*total = *startup;
}

static double
aw_array_length_guess(Expr *arr)
{
	if (IsA(arr, Const) && !((Const *) arr)->constisnull)
	{
		ArrayType  *a = DatumGetArrayTypeP(((Const *) arr)->constvalue);

		return Max(ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)), 1);
	}
	return 10.0;
}

static void
aw_add_path(PlannerInfo *root, RelOptInfo *baserel, AwOperation op, const char *index,
			double rows, Cost startup, Cost total, Relids required_outer)
{
	List	   *priv = list_make2(makeInteger((int) op), makeString(pstrdup(index ? index : "")));

	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, rows,
													   startup, total, NIL,
													   required_outer, NULL, priv));
}

/* Does index project every attribute the query needs? */
static bool
aw_index_covers(AwRelInfo *info, AwIndex *index)
{
	int			attno = -1;

	if (index->projection == AW_PROJ_ALL)
		return true;
	if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs_all))
		return false;			/* whole-row reference */
	while ((attno = bms_next_member(info->attrs_all, attno)) >= 0)
	{
		int			attnum = attno + FirstLowInvalidHeapAttributeNumber;
		AwColumn   *col;
		const char *a;
		bool		ok;
		ListCell   *lc;

		if (attnum <= 0 || attnum > info->columns->ncolumns)
			continue;
		col = &info->columns->columns[attnum - 1];
		if (col->dropped)
			continue;
		if (col->kind != AW_COL_ATTRIBUTE)
			return false;
		a = col->attname;
		ok = strcmp(a, info->tinfo->partition_key) == 0 ||
			(info->tinfo->sort_key && strcmp(a, info->tinfo->sort_key) == 0) ||
			strcmp(a, index->partition_key) == 0 ||
			(index->sort_key && strcmp(a, index->sort_key) == 0);
		if (!ok && index->projection == AW_PROJ_INCLUDE)
			foreach(lc, index->included)
				if (strcmp(strVal(lfirst(lc)), a) == 0)
					ok = true;
		if (!ok)
			return false;
	}
	return true;
}

/*
 * Adds the keyed paths (GetItem, BatchGetItem, Query, Query per key) that
 * clauses allow on the table and its indexes.
 */
static void
aw_add_key_paths(PlannerInfo *root, RelOptInfo *baserel, AwRelInfo *info,
				 List *clauses, Relids outer, double rows)
{
	AwTableInfo *t = info->tinfo;
	AwDeparseContext ctx;
	AwKeyMatch	m;
	Cost		startup;
	Cost		total;
	ListCell   *lc;
	double		n;
	double		sel;

	aw_init_context(&ctx, root, baserel, info->columns);
	awstore_match_keys(&ctx, clauses, t->partition_key, t->partition_type,
				  t->sort_key, t->sort_type, outer, &m);

	if (m.pk_eq && (t->sort_key == NULL || m.sk_eq))
	{
		aw_read_cost(t, 1, 1, 1, &startup, &total);
		aw_add_path(root, baserel, AW_OP_GET_ITEM, NULL, rows, startup, total, outer);
	}
	else if (m.pk_eq)
	{
		sel = clauselist_selectivity(root, list_concat(list_make1(m.pk_eq), awstore_sort_key_clauses(&m)),
									 baserel->relid, JOIN_INNER, NULL);
		aw_read_cost(t, Max(baserel->tuples * sel, 1), 1, 1, &startup, &total);
		aw_add_path(root, baserel, AW_OP_QUERY, NULL, rows, startup, total, outer);
	}
	if (m.pk_in)
	{
		n = aw_array_length_guess(m.pk_array);
		if (t->sort_key == NULL || m.sk_eq)
		{
			aw_read_cost(t, n, ceil(n / AW_BATCH_GET_KEYS), 1, &startup, &total);
			aw_add_path(root, baserel, AW_OP_BATCH_GET_ITEM, NULL, rows, startup, total, outer);
		}
		else
		{
			sel = clauselist_selectivity(root, list_concat(list_make1(m.pk_in), awstore_sort_key_clauses(&m)),
										 baserel->relid, JOIN_INNER, NULL);
			aw_read_cost(t, Max(baserel->tuples * sel, n), n, 1, &startup, &total);
			aw_add_path(root, baserel, AW_OP_MULTI_QUERY, NULL, rows, startup, total, outer);
		}
	}

	foreach(lc, t->indexes)
	{
		AwIndex    *ix = lfirst(lc);

		/* global indexes are eventually consistent only */
		if (ix->global && info->opts.consistent_read)
			continue;
		if (!aw_index_covers(info, ix))
			continue;
		/* an UPDATE setting the index's key could meet items again */
		if (awstore_update_moves_index(root, baserel, info->columns,
									   ix->partition_key, ix->sort_key))
			continue;
		awstore_match_keys(&ctx, clauses, ix->partition_key, ix->partition_type,
					  ix->sort_key, ix->sort_type, outer, &m);
		if (m.pk_eq)
		{
			sel = clauselist_selectivity(root, list_concat(list_make1(m.pk_eq), awstore_sort_key_clauses(&m)),
										 baserel->relid, JOIN_INNER, NULL);
			aw_read_cost(t, Max(baserel->tuples * sel, 1), 1, 1, &startup, &total);
			aw_add_path(root, baserel, AW_OP_QUERY, ix->name, rows, startup, total, outer);
		}
		else if (m.pk_in)
		{
			n = aw_array_length_guess(m.pk_array);
			sel = clauselist_selectivity(root, list_make1(m.pk_in), baserel->relid, JOIN_INNER, NULL);
			aw_read_cost(t, Max(baserel->tuples * sel, n), n, 1, &startup, &total);
			aw_add_path(root, baserel, AW_OP_MULTI_QUERY, ix->name, rows, startup, total, outer);
		}
	}
}

/* EquivalenceClass callback: is this member the partition key column? */
static bool
aw_ec_member_is_key(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					EquivalenceMember *em, void *arg)
{
	AwRelInfo  *info = arg;
	AwDeparseContext ctx;
	AwColumn   *col;

	(void) ec;
	aw_init_context(&ctx, root, rel, info->columns);
	col = awstore_column_of(&ctx, em->em_expr);
	return col != NULL && strcmp(col->attname, info->tinfo->partition_key) == 0;
}

/*
 * Parameterized paths for join clauses on the partition key: fetch by key
 * per outer row instead of scanning.
 */
static void
aw_add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, AwRelInfo *info)
{
	List	   *candidates = NIL;
	ListCell   *lc;

	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (join_clause_is_movable_to(ri, baserel))
			candidates = lappend(candidates, ri);
	}
	if (baserel->has_eclass_joins)
		candidates = list_concat(candidates,
								 generate_implied_equalities_for_column(root, baserel,
																		aw_ec_member_is_key,
																		info,
																		baserel->lateral_referencers));
	foreach(lc, candidates)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Relids		outer = bms_union(bms_difference(ri->clause_relids, baserel->relids),
									  baserel->lateral_relids);
		ParamPathInfo *ppi;
		List	   *clauses;

		if (bms_is_empty(outer) || bms_overlap(outer, baserel->relids))
			continue;
		ppi = get_baserel_parampathinfo(root, baserel, outer);
		clauses = list_concat(list_copy(baserel->baserestrictinfo), ppi->ppi_clauses);
		aw_add_key_paths(root, baserel, info, clauses, outer, ppi->ppi_rows);
	}
}

void
awstoreGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	AwRelInfo  *info = baserel->fdw_private;
	Cost		startup;
	Cost		total;

	(void) foreigntableid;
	aw_read_cost(info->tinfo, Max(baserel->tuples, 1), 1,
				 info->opts.scan_segments, &startup, &total);
	aw_add_path(root, baserel, AW_OP_SCAN, NULL, baserel->rows, startup, total,
				baserel->lateral_relids);
	aw_add_key_paths(root, baserel, info, baserel->baserestrictinfo,
					 baserel->lateral_relids, baserel->rows);
	aw_add_parameterized_paths(root, baserel, info);
}

/* ---------------------------------------------------------------------
 * Plans
 * ---------------------------------------------------------------------
 */

/* Names of the columns in attrs for the ProjectionExpression. */
static void
aw_projection(AwDeparseContext *ctx, AwRelInfo *info, Bitmapset *attrs,
			  List **retrieved, bool *whole_item, StringInfo buf)
{
	int			attno = -1;
	AwTableInfo *t = info->tinfo;
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);

	*retrieved = NIL;
	*whole_item = whole_row;
	while ((attno = bms_next_member(attrs, attno)) >= 0)
	{
		int			attnum = attno + FirstLowInvalidHeapAttributeNumber;
		AwColumn   *col;

		if (attnum <= 0 || attnum > info->columns->ncolumns)
			continue;
		col = &info->columns->columns[attnum - 1];
		if (col->dropped)
			continue;
		if (col->kind != AW_COL_ATTRIBUTE)
			*whole_item = true; /* a document column needs every attribute */
		*retrieved = lappend_int(*retrieved, attnum);
	}
	if (whole_row)
	{
		/* a whole-row reference needs every column */
		*retrieved = NIL;
		for (int i = 0; i < info->columns->ncolumns; i++)
			if (!info->columns->columns[i].dropped)
				*retrieved = lappend_int(*retrieved, i + 1);
		return;
	}
	/* only the columns asked for are converted, even from the whole item */
	if (*retrieved == NIL || *whole_item)
		return;
	/* the key, to name items in messages, then the columns; each once */
	{
		Bitmapset  *listed = NULL;
		ListCell   *lc;
		int			n;

		n = awstore_deparse_name(ctx, t->partition_key);
		appendStringInfo(buf, "#n%d", n);
		listed = bms_add_member(listed, n);
		if (t->sort_key)
		{
			n = awstore_deparse_name(ctx, t->sort_key);
			if (!bms_is_member(n, listed))
				appendStringInfo(buf, ", #n%d", n);
			listed = bms_add_member(listed, n);
		}
		foreach(lc, *retrieved)
		{
			AwColumn   *col = &info->columns->columns[lfirst_int(lc) - 1];

			n = awstore_deparse_name(ctx, col->attname);
			if (!bms_is_member(n, listed))
				appendStringInfo(buf, ", #n%d", n);
			listed = bms_add_member(listed, n);
		}
	}
}

/* Does LIMIT apply directly to this scan's output? */
static bool
aw_limit_applies(PlannerInfo *root, RelOptInfo *baserel)
{
	Query	   *parse = root->parse;

	return root->limit_tuples > 0 && root->limit_tuples < (double) INT_MAX &&
		parse->sortClause == NIL && parse->groupClause == NIL &&
		parse->distinctClause == NIL && !parse->hasAggs &&
		!parse->hasWindowFuncs && !parse->hasTargetSRFs &&
		parse->groupingSets == NIL && parse->havingQual == NULL &&
		bms_membership(root->all_baserels) == BMS_SINGLETON &&
		bms_is_member(baserel->relid, root->all_baserels);
}

ForeignScan *
awstoreGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					  ForeignPath *best_path, List *tlist, List *scan_clauses,
					  Plan *outer_plan)
{
	AwRelInfo  *info = baserel->fdw_private;
	AwTableInfo *t = info->tinfo;
	AwOperation op = (AwOperation) intVal(list_nth(best_path->fdw_private, AwPathOperation));
	char	   *index_name = strVal(list_nth(best_path->fdw_private, AwPathIndex));
	AwIndex    *index = NULL;
	const char *pk = t->partition_key;
	const char *sk = t->sort_key;
	DynType		pk_type = t->partition_type;
	DynType		sk_type = t->sort_type;
	Relids		outer = PATH_REQ_OUTER(&best_path->path);
	AwDeparseContext ctx;
	AwKeyCondition kc;
	List	   *local_exprs = NIL;
	List	   *remote_exprs = NIL;
	StringInfoData filter;
	StringInfoData projection;
	bool		sk_may_drop = false;
	List	   *recheck_exprs;
	Bitmapset  *needed = NULL;
	List	   *retrieved;
	bool		whole_item;
	bool		count_only = false;
	bool		constant_filter = true;
	int			limit = 0;
	List	   *value_texts = NIL;
	AwScanPlan	sp;
	List	   *scan_tlist;
	ListCell   *lc;

	(void) foreigntableid;
	(void) tlist;
	if (index_name[0])
	{
		foreach(lc, t->indexes)
			if (strcmp(((AwIndex *) lfirst(lc))->name, index_name) == 0)
				index = lfirst(lc);
		Assert(index);
		pk = index->partition_key;
		sk = index->sort_key;
		pk_type = index->partition_type;
		sk_type = index->sort_type;
	}

	aw_init_context(&ctx, root, baserel, info->columns);
	initStringInfo(&filter);
	initStringInfo(&projection);

	/* key conditions */
	awstore_deparse_key_condition(&ctx, scan_clauses, op, pk, pk_type, sk, sk_type,
								  outer, &kc);

	/* the other conditions: DynamoDB's filter where possible, else local */
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		AwDeparseContext scratch;
		StringInfoData one;

		if (ri->pseudoconstant)
			continue;
		if (list_member_ptr(kc.clauses, ri))
			continue;
		if (op == AW_OP_GET_ITEM || op == AW_OP_BATCH_GET_ITEM)
		{
			local_exprs = lappend(local_exprs, ri->clause);
			continue;
		}
		/* a Query's filter may not name the key it queries by */
		if (op != AW_OP_SCAN && awstore_clause_names_key(&ctx, ri->clause, pk, sk))
		{
			local_exprs = lappend(local_exprs, ri->clause);
			continue;
		}
		awstore_deparse_scratch(&scratch, &ctx);
		initStringInfo(&one);
		if (awstore_deparse_filter(&scratch, ri->clause, &one))
		{
			ctx = scratch;
			appendStringInfo(&filter, "%s%s", filter.len ? " AND " : "", one.data);
			remote_exprs = lappend(remote_exprs, ri->clause);
		}
		else
			local_exprs = lappend(local_exprs, ri->clause);
	}
	if (filter.len > AW_MAX_EXPRESSION)
	{
		/* too long for DynamoDB: check it all locally */
		local_exprs = list_concat(local_exprs, remote_exprs);
		remote_exprs = NIL;
		resetStringInfo(&filter);
	}
	/* values other than constants may turn out unsendable at execution */
	for (int i = list_length(ctx.values) - 1; i >= 0 && remote_exprs != NIL; i--)
	{
		Expr	   *v = list_nth(ctx.values, i);

		if (i != kc.pk_idx && i != kc.sk_idx && i != kc.sk_hi_idx && !IsA(v, Const))
			constant_filter = false;
	}

	/*
	 * A sort key range whose bound is known only at execution may turn out
	 * unsendable there (an empty string, a number DynamoDB cannot hold):
	 * then the Query asks for the whole partition and the range is checked
	 * locally, with the shipped filter.  (Constant bounds were checked
	 * above: an unsendable one is never a key condition.)
	 */
	if (kc.sk_cond == AW_SK_RANGE)
	{
		if (!IsA(list_nth(ctx.values, kc.sk_idx), Const) ||
			(kc.sk_hi_idx >= 0 && !IsA(list_nth(ctx.values, kc.sk_hi_idx), Const)))
			sk_may_drop = true;
	}
	else
		kc.sk_range_exprs = NIL;
	recheck_exprs = list_concat(list_copy(remote_exprs), kc.sk_range_exprs);

	/* what to fetch */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &needed);
	pull_varattnos((Node *) local_exprs, baserel->relid, &needed);
	if (!constant_filter || sk_may_drop)
		pull_varattnos((Node *) recheck_exprs, baserel->relid, &needed);
	aw_projection(&ctx, info, needed, &retrieved, &whole_item, &projection);
	/* the target of UPDATE or DELETE returns each item's key (modifyplan.c) */
	scan_tlist = awstore_row_key_scan_tlist(baserel->relid, info->columns,
											baserel->reltarget->exprs,
											list_concat(list_copy(local_exprs), recheck_exprs));
	if (retrieved == NIL && local_exprs == NIL && constant_filter && !sk_may_drop &&
		scan_tlist == NIL &&
		(op == AW_OP_SCAN || op == AW_OP_QUERY || op == AW_OP_MULTI_QUERY))
		count_only = true;
	if (retrieved == NIL && !count_only)
	{
		appendStringInfo(&projection, "#n%d", awstore_deparse_name(&ctx, t->partition_key));
		if (scan_tlist != NIL && t->sort_key)
			appendStringInfo(&projection, ", #n%d", awstore_deparse_name(&ctx, t->sort_key));
	}

	if (local_exprs == NIL && filter.len == 0 && !sk_may_drop &&
		aw_limit_applies(root, baserel) &&
		(op == AW_OP_SCAN || op == AW_OP_QUERY))
		limit = (int) root->limit_tuples;

	foreach(lc, ctx.values)
		value_texts = lappend(value_texts, makeString(awstore_explain_value_text(root, lfirst(lc))));

	sp.op = op;
	sp.table = pstrdup(t->table_name);
	sp.index = index ? pstrdup(index->name) : NULL;
	sp.keycond = kc.expr.data;
	sp.keycond_pk = pnstrdup(kc.expr.data, kc.pk_len);
	sp.filter = filter.data;
	sp.projection = whole_item ? "" : projection.data;
	sp.names = ctx.names;
	sp.constants = ctx.constants;
	sp.value_types = ctx.value_types;
	sp.value_texts = value_texts;
	sp.pk_idx = kc.pk_idx;
	sp.sk_idx = kc.sk_idx;
	sp.sk_hi_idx = kc.sk_hi_idx;
	sp.sk_cond = kc.sk_cond;
	sp.retrieved = retrieved;
	sp.count_only = count_only;
	sp.nsegments = op == AW_OP_SCAN ? info->opts.scan_segments : 1;
	sp.limit = limit;
	sp.consistent = (info->opts.consistent_read ||
					 awstore_update_reads_consistently(root, scan_tlist)) &&
		!(index && index->global);
	sp.pk = t->partition_key;
	sp.pk_type = t->partition_type;
	sp.sk = t->sort_key;
	sp.sk_type = t->sort_key ? t->sort_type : DYN_T_S;

	return make_foreignscan(tlist, local_exprs, baserel->relid, ctx.values,
							awstore_scan_plan_to_list(&sp), scan_tlist, recheck_exprs,
							outer_plan);
}
