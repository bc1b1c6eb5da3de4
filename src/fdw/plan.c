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
 * given, hands the other shippable ones to DynamoDB as FilterExpression,
 * projects only the attributes needed, and uses Select=COUNT when no
 * attribute is needed at all.  Shipped filters are also kept in
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

#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
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

/* The key conditions found for a table or an index. */
typedef struct AwKeyMatch
{
	RestrictInfo *pk_eq;		/* pk = value */
	Expr	   *pk_value;
	RestrictInfo *pk_in;		/* pk = ANY (array) */
	Expr	   *pk_array;
	RestrictInfo *sk_eq;		/* sk = value */
	Expr	   *sk_value;
	RestrictInfo *sk_lower;		/* sk > or >= value */
	Expr	   *sk_lower_value;
	int			sk_lower_strategy;
	RestrictInfo *sk_upper;		/* sk < or <= value */
	Expr	   *sk_upper_value;
	int			sk_upper_strategy;
	RestrictInfo *sk_prefix;	/* sk LIKE 'prefix%' */
	Const	   *sk_prefix_value;
} AwKeyMatch;

/* What a path is (ForeignPath.fdw_private). */
enum AwPathPrivateIndex
{
	AwPathOperation,			/* Integer: AwOperation */
	AwPathIndex					/* String: index name, "" for the table */
};

const char *
awstore_operation_name(AwOperation op)
{
	switch (op)
	{
		case AW_OP_SCAN:
			return "Scan";
		case AW_OP_QUERY:
			return "Query";
		case AW_OP_GET_ITEM:
			return "GetItem";
		case AW_OP_BATCH_GET_ITEM:
			return "BatchGetItem";
		case AW_OP_MULTI_QUERY:
			return "Query per key";
	}
	return "?";
}

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
 * Key conditions
 * ---------------------------------------------------------------------
 */

/* Is col the key attribute name of type type, comparable as needed? */
static bool
aw_is_key_column(AwColumn *col, const char *name, DynType type)
{
	return col != NULL && name != NULL && strcmp(col->attname, name) == 0 &&
		col->atype == type;
}

/* Is value a constant empty string or binary? */
static bool
aw_is_empty_const(Expr *value)
{
	Const	   *c;

	while (value && IsA(value, RelabelType))
		value = ((RelabelType *) value)->arg;
	if (value == NULL || !IsA(value, Const))
		return false;
	c = (Const *) value;
	if (c->constisnull)
		return false;
	switch (c->consttype)
	{
		case TEXTOID:
		case VARCHAROID:
		case BYTEAOID:
			return VARSIZE_ANY_EXHDR(DatumGetPointer(c->constvalue)) == 0;
		default:
			return false;
	}
}

/*
 * Finds, among clauses, the conditions on a key schema (partition key pk,
 * sort key sk) that DynamoDB can take as KeyConditionExpression or as a
 * GetItem key.  Values may use columns of outer_relids.
 */
static void
aw_match_keys(AwDeparseContext *ctx, List *clauses, const char *pk, DynType pk_type,
			  const char *sk, DynType sk_type, Relids outer_relids, AwKeyMatch *m)
{
	ListCell   *lc;

	memset(m, 0, sizeof(AwKeyMatch));
	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Expr	   *clause = ri->clause;
		AwColumn   *col;
		Expr	   *value;
		int			strategy;
		Const	   *prefix;

		if (ri->pseudoconstant)
			continue;

		if (IsA(clause, ScalarArrayOpExpr))
		{
			ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;
			Expr	   *arr = lsecond(sa->args);

			col = awstore_column_of(ctx, linitial(sa->args));
			if (sa->useOr && m->pk_in == NULL && aw_is_key_column(col, pk, pk_type) &&
				awstore_type_comparable(col, sa->inputcollid, false) &&
				awstore_expr_is_value(ctx, arr, outer_relids) &&
				awstore_operator_strategy(sa->opno, col) == BTEqualStrategyNumber)
			{
				Oid			elemtype = get_element_type(exprType((Node *) arr));

				if (OidIsValid(elemtype) && awstore_type_encodable(elemtype, pk_type))
				{
					m->pk_in = ri;
					m->pk_array = arr;
				}
			}
			continue;
		}

		col = awstore_match_prefix(ctx, clause, &prefix);
		if (col && aw_is_key_column(col, sk, sk_type) && m->sk_prefix == NULL)
		{
			m->sk_prefix = ri;
			m->sk_prefix_value = prefix;
			continue;
		}

		col = awstore_match_comparison(ctx, clause, outer_relids, &value, &strategy);
		if (col == NULL || strategy == -1)
			continue;
		if (aw_is_key_column(col, pk, pk_type) && strategy == BTEqualStrategyNumber &&
			m->pk_eq == NULL)
		{
			m->pk_eq = ri;
			m->pk_value = value;
		}
		else if (aw_is_key_column(col, sk, sk_type))
		{
			/*
			 * An empty bound: key attributes are never empty, so "sk > ''"
			 * holds for every item, yet DynamoDB refuses an empty key
			 * value.  It is checked locally instead.
			 */
			if (strategy != BTEqualStrategyNumber && aw_is_empty_const(value))
				continue;
			if (strategy == BTEqualStrategyNumber && m->sk_eq == NULL)
			{
				m->sk_eq = ri;
				m->sk_value = value;
			}
			else if ((strategy == BTGreaterStrategyNumber ||
					  strategy == BTGreaterEqualStrategyNumber) && m->sk_lower == NULL)
			{
				m->sk_lower = ri;
				m->sk_lower_value = value;
				m->sk_lower_strategy = strategy;
			}
			else if ((strategy == BTLessStrategyNumber ||
					  strategy == BTLessEqualStrategyNumber) && m->sk_upper == NULL)
			{
				m->sk_upper = ri;
				m->sk_upper_value = value;
				m->sk_upper_strategy = strategy;
			}
		}
	}
}

/* The sort key clauses a Query uses (one condition, as DynamoDB allows). */
static List *
aw_sort_key_clauses(AwKeyMatch *m)
{
	if (m->sk_eq)
		return list_make1(m->sk_eq);
	if (m->sk_lower && m->sk_upper &&
		m->sk_lower_strategy == BTGreaterEqualStrategyNumber &&
		m->sk_upper_strategy == BTLessEqualStrategyNumber)
		return list_make2(m->sk_lower, m->sk_upper);	/* BETWEEN */
	if (m->sk_prefix)
		return list_make1(m->sk_prefix);
	if (m->sk_lower)
		return list_make1(m->sk_lower);
	if (m->sk_upper)
		return list_make1(m->sk_upper);
	return NIL;
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
	aw_match_keys(&ctx, clauses, t->partition_key, t->partition_type,
				  t->sort_key, t->sort_type, outer, &m);

	if (m.pk_eq && (t->sort_key == NULL || m.sk_eq))
	{
		aw_read_cost(t, 1, 1, 1, &startup, &total);
		aw_add_path(root, baserel, AW_OP_GET_ITEM, NULL, rows, startup, total, outer);
	}
	else if (m.pk_eq)
	{
		sel = clauselist_selectivity(root, list_concat(list_make1(m.pk_eq), aw_sort_key_clauses(&m)),
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
			sel = clauselist_selectivity(root, list_concat(list_make1(m.pk_in), aw_sort_key_clauses(&m)),
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
		aw_match_keys(&ctx, clauses, ix->partition_key, ix->partition_type,
					  ix->sort_key, ix->sort_type, outer, &m);
		if (m.pk_eq)
		{
			sel = clauselist_selectivity(root, list_concat(list_make1(m.pk_eq), aw_sort_key_clauses(&m)),
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

/* How to show a value in EXPLAIN. */
static char *
aw_value_text(PlannerInfo *root, Expr *expr)
{
	expr = (Expr *) strip_implicit_coercions((Node *) expr);
	if (IsA(expr, Const))
	{
		Const	   *c = (Const *) expr;
		Oid			outfunc;
		bool		isvarlena;
		char	   *s;

		if (c->constisnull)
			return "NULL";
		getTypeOutputInfo(c->consttype, &outfunc, &isvarlena);
		s = OidOutputFunctionCall(outfunc, c->constvalue);
		switch (c->consttype)
		{
			case INT2OID:
			case INT4OID:
			case INT8OID:
			case NUMERICOID:
			case BOOLOID:
				return s;
			default:
				return quote_literal_cstr(s);
		}
	}
	if (IsA(expr, Param) && ((Param *) expr)->paramkind == PARAM_EXTERN)
		return psprintf("$%d", ((Param *) expr)->paramid);
	if (IsA(expr, Var))
	{
		Var		   *var = (Var *) expr;
		RangeTblEntry *rte = planner_rt_fetch(var->varno, root);
		char	   *attname = get_rte_attribute_name(rte, var->varattno);

		return psprintf("%s.%s", quote_identifier(rte->eref->aliasname),
						quote_identifier(attname));
	}
	return "(expression)";
}

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

static List *
aw_clause_attnames(AwDeparseContext *ctx, Expr *clause)
{
	Bitmapset  *attrs = NULL;
	List	   *names = NIL;
	int			attno = -1;

	pull_varattnos((Node *) clause, ctx->baserel->relid, &attrs);
	while ((attno = bms_next_member(attrs, attno)) >= 0)
	{
		int			attnum = attno + FirstLowInvalidHeapAttributeNumber;

		if (attnum > 0 && attnum <= ctx->columns->ncolumns &&
			!ctx->columns->columns[attnum - 1].dropped)
			names = lappend(names, ctx->columns->columns[attnum - 1].attname);
	}
	return names;
}

static bool
aw_mentions(List *names, const char *name)
{
	ListCell   *lc;

	if (name == NULL)
		return false;
	foreach(lc, names)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return true;
	return false;
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
	AwKeyMatch	m;
	List	   *key_clauses = NIL;
	List	   *local_exprs = NIL;
	List	   *remote_exprs = NIL;
	StringInfoData keycond;
	StringInfoData filter;
	StringInfoData projection;
	List	   *key_values;
	int			pk_idx = -1;
	int			sk_idx = -1;
	int			sk_hi_idx = -1;
	AwSortKeyCondition sk_cond = AW_SK_NONE;
	int			pk_keycond_len = 0;
	List	   *sk_range_exprs = NIL;
	bool		sk_may_drop = false;
	List	   *recheck_exprs;
	bool		key_prefix = false;
	Bitmapset  *needed = NULL;
	List	   *retrieved;
	bool		whole_item;
	bool		count_only = false;
	bool		constant_filter = true;
	int			limit = 0;
	List	   *value_texts = NIL;
	List	   *fdw_private;
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
	initStringInfo(&keycond);
	initStringInfo(&filter);
	initStringInfo(&projection);

	/* key conditions */
	if (op != AW_OP_SCAN)
	{
		aw_match_keys(&ctx, scan_clauses, pk, pk_type, sk, sk_type, outer, &m);
		if (op == AW_OP_GET_ITEM || op == AW_OP_QUERY)
		{
			key_clauses = lappend(key_clauses, m.pk_eq);
			pk_idx = awstore_deparse_value(&ctx, m.pk_value, pk_type);
		}
		else
		{
			key_clauses = lappend(key_clauses, m.pk_in);
			pk_idx = awstore_deparse_value(&ctx, m.pk_array, pk_type);
		}
		if (op == AW_OP_GET_ITEM || op == AW_OP_BATCH_GET_ITEM)
		{
			if (sk)
			{
				key_clauses = lappend(key_clauses, m.sk_eq);
				sk_idx = awstore_deparse_value(&ctx, m.sk_value, sk_type);
				sk_cond = AW_SK_EQ;
			}
		}
		else
		{
			List	   *skc = aw_sort_key_clauses(&m);

			appendStringInfo(&keycond, "#n%d = :v%d", awstore_deparse_name(&ctx, pk), pk_idx);
			pk_keycond_len = keycond.len;
			if (skc != NIL)
			{
				int			n = awstore_deparse_name(&ctx, sk);

				key_clauses = list_concat(key_clauses, skc);
				foreach(lc, skc)
					sk_range_exprs = lappend(sk_range_exprs,
											 lfirst_node(RestrictInfo, lc)->clause);
				if (m.sk_eq)
				{
					sk_idx = awstore_deparse_value(&ctx, m.sk_value, sk_type);
					appendStringInfo(&keycond, " AND #n%d = :v%d", n, sk_idx);
					sk_cond = AW_SK_EQ;
				}
				else if (list_length(skc) == 2)
				{
					sk_idx = awstore_deparse_value(&ctx, m.sk_lower_value, sk_type);
					sk_hi_idx = awstore_deparse_value(&ctx, m.sk_upper_value, sk_type);
					appendStringInfo(&keycond, " AND #n%d BETWEEN :v%d AND :v%d",
									 n, sk_idx, sk_hi_idx);
					sk_cond = AW_SK_RANGE;
				}
				else if (linitial(skc) == m.sk_prefix)
				{
					sk_idx = awstore_deparse_value(&ctx, (Expr *) m.sk_prefix_value, DYN_T_S);
					appendStringInfo(&keycond, " AND begins_with(#n%d, :v%d)", n, sk_idx);
					key_prefix = true;
					sk_cond = AW_SK_RANGE;
				}
				else if (linitial(skc) == m.sk_lower)
				{
					sk_idx = awstore_deparse_value(&ctx, m.sk_lower_value, sk_type);
					appendStringInfo(&keycond, " AND #n%d %s :v%d", n,
									 m.sk_lower_strategy == BTGreaterStrategyNumber ? ">" : ">=",
									 sk_idx);
					sk_cond = AW_SK_RANGE;
				}
				else
				{
					sk_idx = awstore_deparse_value(&ctx, m.sk_upper_value, sk_type);
					appendStringInfo(&keycond, " AND #n%d %s :v%d", n,
									 m.sk_upper_strategy == BTLessStrategyNumber ? "<" : "<=",
									 sk_idx);
					sk_cond = AW_SK_RANGE;
				}
			}
		}
	}

	/* the other conditions: DynamoDB's filter where possible, else local */
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		AwDeparseContext scratch;
		StringInfoData one;

		if (ri->pseudoconstant)
			continue;
		if (list_member_ptr(key_clauses, ri))
			continue;
		if (op == AW_OP_GET_ITEM || op == AW_OP_BATCH_GET_ITEM)
		{
			local_exprs = lappend(local_exprs, ri->clause);
			continue;
		}
		/* a Query's filter may not name the key it queries by */
		if (op != AW_OP_SCAN)
		{
			List	   *names = aw_clause_attnames(&ctx, ri->clause);

			if (aw_mentions(names, pk) || aw_mentions(names, sk))
			{
				local_exprs = lappend(local_exprs, ri->clause);
				continue;
			}
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

		if (i != pk_idx && i != sk_idx && i != sk_hi_idx && !IsA(v, Const))
			constant_filter = false;
	}

	/*
	 * A sort key range whose bound is known only at execution may turn out
	 * unsendable there (an empty string, a number DynamoDB cannot hold):
	 * then the Query asks for the whole partition and the range is checked
	 * locally, with the shipped filter.  (Constant bounds were checked
	 * above: an unsendable one is never a key condition.)
	 */
	if (sk_cond == AW_SK_RANGE)
	{
		if (!IsA(list_nth(ctx.values, sk_idx), Const) ||
			(sk_hi_idx >= 0 && !IsA(list_nth(ctx.values, sk_hi_idx), Const)))
			sk_may_drop = true;
	}
	else
		sk_range_exprs = NIL;
	recheck_exprs = list_concat(list_copy(remote_exprs), sk_range_exprs);

	/* what to fetch */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &needed);
	pull_varattnos((Node *) local_exprs, baserel->relid, &needed);
	if (!constant_filter || sk_may_drop)
		pull_varattnos((Node *) recheck_exprs, baserel->relid, &needed);
	aw_projection(&ctx, info, needed, &retrieved, &whole_item, &projection);
	/* the target of UPDATE or DELETE returns each item's key (modify.c) */
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
		value_texts = lappend(value_texts, makeString(aw_value_text(root, lfirst(lc))));
	key_values = list_make5_int(pk_idx, sk_idx, sk_hi_idx, (int) sk_cond, pk_keycond_len);

	fdw_private = NIL;
	fdw_private = lappend(fdw_private, makeInteger((int) op));
	fdw_private = lappend(fdw_private, makeString(pstrdup(t->table_name)));
	fdw_private = lappend(fdw_private, makeString(index ? pstrdup(index->name) : ""));
	fdw_private = lappend(fdw_private, makeString(keycond.data));
	fdw_private = lappend(fdw_private, makeString(filter.data));
	fdw_private = lappend(fdw_private, makeString(whole_item ? "" : projection.data));
	fdw_private = lappend(fdw_private, ctx.names);
	fdw_private = lappend(fdw_private, ctx.constants);
	fdw_private = lappend(fdw_private, ctx.value_types);
	fdw_private = lappend(fdw_private, value_texts);
	fdw_private = lappend(fdw_private, key_values);
	fdw_private = lappend(fdw_private, retrieved);
	fdw_private = lappend(fdw_private, makeInteger(count_only ? 1 : 0));
	fdw_private = lappend(fdw_private, makeInteger(op == AW_OP_SCAN ? info->opts.scan_segments : 1));
	fdw_private = lappend(fdw_private, makeInteger(limit));
	fdw_private = lappend(fdw_private,
						  makeInteger((info->opts.consistent_read ||
									   awstore_update_reads_consistently(root, scan_tlist)) &&
									  !(index && index->global) ? 1 : 0));
	fdw_private = lappend(fdw_private, makeString(pstrdup(t->partition_key)));
	fdw_private = lappend(fdw_private, makeString(t->sort_key ? pstrdup(t->sort_key) : ""));
	fdw_private = lappend(fdw_private, list_make2_int((int) t->partition_type,
													  (int) (t->sort_key ? t->sort_type : DYN_T_S)));
	fdw_private = lappend(fdw_private, makeInteger(key_prefix ? 1 : 0));
	Assert(list_length(fdw_private) == AwPrivCount);

	return make_foreignscan(tlist, local_exprs, baserel->relid, ctx.values,
							fdw_private, scan_tlist, recheck_exprs, outer_plan);
}
