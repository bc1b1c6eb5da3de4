/*-------------------------------------------------------------------------
 *
 * keycond.c
 *		Which quals pin a key: GetItem keys and KeyConditionExpressions.
 *
 * A read can use a key schema (the table's, or a secondary index's) when
 * its quals pin the partition key: "pk = v" (GetItem when the sort key is
 * pinned too, else Query) or "pk = ANY (array)" (BatchGetItem, or a Query
 * per value), with at most one sort key condition, as DynamoDB allows:
 * "=", one bound or both (BETWEEN, when both are inclusive), or LIKE
 * 'prefix%' (begins_with).  The path code (plan.c) asks what a schema's
 * quals offer; GetForeignPlan has the chosen path's key condition
 * deparsed here.
 *
 * Only what DynamoDB evaluates exactly as PostgreSQL does qualifies: the
 * column must hold the key attribute with the key's own type, the
 * comparison must be one the filter rules of deparse.c would ship, and a
 * constant empty bound, which DynamoDB refuses as a key value, is left to
 * be checked locally.
 *
 * At execution the key values are known: awstore_scan_values() evaluates
 * them and decides what is sent and what is checked locally.  A list of
 * partition keys is encoded, without the values no item can have, and the
 * bounds of a BETWEEN are compared as DynamoDB orders keys.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/sysattr.h"
#include "catalog/pg_type.h"
#include "common/base64.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "fdw/fdw.h"

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
void
awstore_match_keys(AwDeparseContext *ctx, List *clauses, const char *pk, DynType pk_type,
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
List *
awstore_sort_key_clauses(AwKeyMatch *m)
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

/*
 * The key condition of a read of op on a key schema (partition key pk,
 * sort key sk) from clauses, which the chosen path's key conditions are
 * among: its values deparsed into ctx, its KeyConditionExpression (for a
 * Query), the clauses it takes over, and the sort key range clauses, which
 * the scan checks locally when a bound turns out unsendable at execution.
 * Values may use columns of outer_relids.  A Scan has none.
 */
void
awstore_deparse_key_condition(AwDeparseContext *ctx, List *clauses, AwOperation op,
							  const char *pk, DynType pk_type, const char *sk,
							  DynType sk_type, Relids outer_relids, AwKeyCondition *kc)
{
	AwKeyMatch	m;
	ListCell   *lc;

	memset(kc, 0, sizeof(AwKeyCondition));
	initStringInfo(&kc->expr);
	kc->pk_idx = -1;
	kc->sk_idx = -1;
	kc->sk_hi_idx = -1;
	kc->sk_cond = AW_SK_NONE;
	if (op == AW_OP_SCAN)
		return;

	awstore_match_keys(ctx, clauses, pk, pk_type, sk, sk_type, outer_relids, &m);
	if (op == AW_OP_GET_ITEM || op == AW_OP_QUERY)
	{
		kc->clauses = lappend(kc->clauses, m.pk_eq);
		kc->pk_idx = awstore_deparse_value(ctx, m.pk_value, pk_type);
	}
	else
	{
		kc->clauses = lappend(kc->clauses, m.pk_in);
		kc->pk_idx = awstore_deparse_value(ctx, m.pk_array, pk_type);
	}
	if (op == AW_OP_GET_ITEM || op == AW_OP_BATCH_GET_ITEM)
	{
		if (sk)
		{
			kc->clauses = lappend(kc->clauses, m.sk_eq);
			kc->sk_idx = awstore_deparse_value(ctx, m.sk_value, sk_type);
			kc->sk_cond = AW_SK_EQ;
		}
	}
	else
	{
		List	   *skc = awstore_sort_key_clauses(&m);

		appendStringInfo(&kc->expr, "#n%d = :v%d", awstore_deparse_name(ctx, pk), kc->pk_idx);
		kc->pk_len = kc->expr.len;
		if (skc != NIL)
		{
			int			n = awstore_deparse_name(ctx, sk);

			kc->clauses = list_concat(kc->clauses, skc);
			foreach(lc, skc)
				kc->sk_range_exprs = lappend(kc->sk_range_exprs,
										 lfirst_node(RestrictInfo, lc)->clause);
			if (m.sk_eq)
			{
				kc->sk_idx = awstore_deparse_value(ctx, m.sk_value, sk_type);
				appendStringInfo(&kc->expr, " AND #n%d = :v%d", n, kc->sk_idx);
				kc->sk_cond = AW_SK_EQ;
			}
			else if (list_length(skc) == 2)
			{
				kc->sk_idx = awstore_deparse_value(ctx, m.sk_lower_value, sk_type);
				kc->sk_hi_idx = awstore_deparse_value(ctx, m.sk_upper_value, sk_type);
				appendStringInfo(&kc->expr, " AND #n%d BETWEEN :v%d AND :v%d",
								 n, kc->sk_idx, kc->sk_hi_idx);
				kc->sk_cond = AW_SK_RANGE;
			}
			else if (linitial(skc) == m.sk_prefix)
			{
				kc->sk_idx = awstore_deparse_value(ctx, (Expr *) m.sk_prefix_value, DYN_T_S);
				appendStringInfo(&kc->expr, " AND begins_with(#n%d, :v%d)", n, kc->sk_idx);
				kc->sk_cond = AW_SK_RANGE;
			}
			else
			{
				/* one bound */
				bool		lower = linitial(skc) == m.sk_lower;
				int			strategy = lower ? m.sk_lower_strategy : m.sk_upper_strategy;

				kc->sk_idx = awstore_deparse_value(ctx, lower ? m.sk_lower_value :
												   m.sk_upper_value, sk_type);
				appendStringInfo(&kc->expr, " AND #n%d %s :v%d", n,
								 strategy == BTGreaterStrategyNumber ? ">" :
								 strategy == BTGreaterEqualStrategyNumber ? ">=" :
								 strategy == BTLessStrategyNumber ? "<" : "<=",
								 kc->sk_idx);
				kc->sk_cond = AW_SK_RANGE;
			}
		}
	}
}

/* The attribute names of the relation's columns that clause uses. */
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

/* Is name (NULL: none) among names? */
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

/*
 * Does clause name the key attribute pk or sk?  A Query's filter may not
 * name the key it queries by: such a clause is checked locally.
 */
bool
awstore_clause_names_key(AwDeparseContext *ctx, Expr *clause, const char *pk,
						 const char *sk)
{
	List	   *names = aw_clause_attnames(ctx, clause);

	return aw_mentions(names, pk) || aw_mentions(names, sk);
}

/* ---------------------------------------------------------------------
 * Key values at execution
 * ---------------------------------------------------------------------
 */

/* Is an encoded value an empty string or binary, which no key can be? */
bool
awstore_key_value_empty(const char *json)
{
	return strcmp(json, "{\"S\":\"\"}") == 0 || strcmp(json, "{\"B\":\"\"}") == 0;
}

/*
 * The distinct keys of an array value that an item can have, encoded as
 * type and sorted (BatchGetItem, Query per key): NULL elements, values
 * DynamoDB cannot hold and empty strings match no item and are left out.
 * Returns a palloc'd array of *nkeys palloc'd strings.
 */
const char **
awstore_encode_key_list(Datum array, DynType type, int *nkeys)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			k = 0;
	const char **keys;

	awstore_array_elements(arr, &elems, &nulls, &n);
	keys = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		const char *why;
		char	   *json;

		if (nulls[i])
			continue;			/* pk = NULL matches nothing */
		json = awstore_encode_value(elems[i], elemtype, type, &why);
		if (json == NULL || awstore_key_value_empty(json))
			continue;			/* no item can have such a key */
		keys[k++] = json;
	}
	qsort(keys, k, sizeof(char *), pg_qsort_strcmp);
	*nkeys = 0;
	for (int i = 0; i < k; i++)
		if (*nkeys == 0 || strcmp(keys[*nkeys - 1], keys[i]) != 0)
			keys[(*nkeys)++] = keys[i];
	return keys;
}

/* An encoded binary's bytes (palloc'd), or NULL when not valid base64. */
static char *
aw_decode_binary(const char *b64, size_t len, int *nbytes)
{
	char	   *bytes = palloc(pg_b64_dec_len((int) len) + 1);

	*nbytes = pg_b64_decode(b64, (int) len, bytes, pg_b64_dec_len((int) len));
	return *nbytes < 0 ? NULL : bytes;
}

/*
 * Compares two encoded key values of type type as DynamoDB orders them:
 * N by value, S by UTF-8 bytes, B by bytes (unsigned, not by their base64
 * text).  Sets *cmp to <0, 0 or >0; false when a value is not of the type.
 */
bool
awstore_compare_key_values(DynType type, const char *a, const char *b, int *cmp)
{
	DynValue   *va = dyn_parse(a, strlen(a));
	DynValue   *vb = dyn_parse(b, strlen(b));
	DynValue   *ia;
	DynValue   *ib;
	const char *ta = NULL;
	const char *tb = NULL;
	size_t		la = 0;
	size_t		lb = 0;
	char	   *sa = NULL;
	char	   *sb = NULL;
	bool		oom = false;

	/*
	 * The parsed values are malloc'd: copy the two texts out with
	 * allocations that cannot raise an error, free the values, and only
	 * then report a failed allocation.
	 */
	if (va && vb && dyn_attr(va, &ia) == type && dyn_attr(vb, &ib) == type)
	{
		ta = dyn_string(ia, &la);
		tb = dyn_string(ib, &lb);
	}
	if (ta && tb)
	{
		sa = palloc_extended(la + 1, MCXT_ALLOC_NO_OOM);
		sb = palloc_extended(lb + 1, MCXT_ALLOC_NO_OOM);
		oom = sa == NULL || sb == NULL;
		if (!oom)
		{
			memcpy(sa, ta, la);
			sa[la] = '\0';
			memcpy(sb, tb, lb);
			sb[lb] = '\0';
		}
	}
	dyn_value_free(va);
	dyn_value_free(vb);
	if (oom)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (sa == NULL || sb == NULL)
		return false;
	switch (type)
	{
		case DYN_T_N:
			*cmp = DatumGetInt32(DirectFunctionCall2(numeric_cmp,
													 DirectFunctionCall3(numeric_in, CStringGetDatum(sa),
																		 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)),
													 DirectFunctionCall3(numeric_in, CStringGetDatum(sb),
																		 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1))));
			return true;
		case DYN_T_B:
			{
				int			na;
				int			nb;
				char	   *ba = aw_decode_binary(sa, la, &na);
				char	   *bb = aw_decode_binary(sb, lb, &nb);

				if (ba == NULL || bb == NULL)
					return false;
				*cmp = memcmp(ba, bb, Min(na, nb));
				if (*cmp == 0)
					*cmp = (na > nb) - (na < nb);
				return true;
			}
		case DYN_T_S:
			/* strings of valid UTF-8 without NUL: byte order is strcmp's */
			*cmp = strcmp(sa, sb);
			return true;
		default:
			return false;
	}
}

/*
 * Evaluates the values of a scan's conditions (value_states, one ExprState
 * per fdw_expr, in econtext) for this execution and decides what will be
 * sent, into *values, palloc'd in the current memory context.  recheckable
 * says whether the scan can check its shipped filter locally
 * (fdw_recheck_quals); a value that cannot be sent when nothing can check
 * it locally is an internal error.
 */
void
awstore_scan_values(const AwScanPlan *plan, List *value_states,
					ExprContext *econtext, bool recheckable, AwScanValues *values)
{
	int			nvalues = list_length(value_states);
	ListCell   *lc;
	int			i = 0;

	values->value_json = palloc0(sizeof(char *) * Max(nvalues, 1));
	values->known_empty = false;
	values->filter_local = false;
	values->sk_local = false;
	values->keys = NULL;
	values->nkeys = 0;

	foreach(lc, value_states)
	{
		ExprState  *state = lfirst(lc);
		DynType		type = (DynType) list_nth_int(plan->value_types, i);
		bool		is_key = i == plan->pk_idx || i == plan->sk_idx || i == plan->sk_hi_idx;
		bool		sk_range = (i == plan->sk_idx || i == plan->sk_hi_idx) &&
			plan->sk_cond == AW_SK_RANGE;
		bool		isnull;
		Datum		value;
		const char *why = NULL;
		Oid			typid = exprType((Node *) state->expr);

		value = ExecEvalExpr(state, econtext, &isnull);
		if (isnull)
		{
			/* key comparisons are strict: key = NULL, key > NULL hold for no row */
			if (is_key)
				values->known_empty = true;
			else
				values->filter_local = true;
		}
		else if (i == plan->pk_idx &&
				 (plan->op == AW_OP_BATCH_GET_ITEM || plan->op == AW_OP_MULTI_QUERY))
		{
			values->keys = awstore_encode_key_list(value, type, &values->nkeys);
			if (values->nkeys == 0)
				values->known_empty = true;
		}
		else
		{
			values->value_json[i] = awstore_encode_value(value, typid, type, &why);
			if (!is_key)
			{
				if (values->value_json[i] == NULL)
					values->filter_local = true;
			}
			else if (sk_range)
			{
				/*
				 * A bound DynamoDB cannot take (a number it cannot hold, an
				 * empty string, which it refuses as a key value, though
				 * every item's key is greater): ask for the whole partition
				 * and check the range locally.
				 */
				if (values->value_json[i] == NULL ||
					awstore_key_value_empty(values->value_json[i]))
					values->sk_local = true;
			}
			else if (values->value_json[i] == NULL ||
					 awstore_key_value_empty(values->value_json[i]))
			{
				/*
				 * Equality with a key value no item can have: DynamoDB holds
				 * no such number, and key attributes are never empty.
				 */
				values->known_empty = true;
			}
		}
		i++;
	}
	if (!values->known_empty && !values->sk_local && plan->sk_hi_idx >= 0)
	{
		DynType		type = (DynType) list_nth_int(plan->value_types, plan->sk_idx);
		int			cmp;

		/*
		 * BETWEEN with bounds the wrong way round matches nothing (and
		 * DynamoDB refuses it); bounds it cannot compare are checked
		 * locally.
		 */
		if (!awstore_compare_key_values(type, values->value_json[plan->sk_idx],
										values->value_json[plan->sk_hi_idx], &cmp))
			values->sk_local = true;
		else if (cmp > 0)
			values->known_empty = true;
	}
	if (values->sk_local && (!recheckable || plan->count_only))
		elog(ERROR, "awstore: a sort key bound cannot be sent and cannot be checked locally");
	if (values->filter_local && (!recheckable || plan->count_only))
		elog(ERROR, "awstore: a filter value cannot be sent and the filter cannot be checked locally");
}
