/*-------------------------------------------------------------------------
 *
 * deparse.c
 *		Which conditions DynamoDB evaluates, and their expression text.
 *
 * A condition is handed to DynamoDB only when DynamoDB gives exactly the
 * result PostgreSQL would; everything else is checked locally.  What
 * qualifies:
 *	- comparisons of a column with a value: numbers (integer and numeric
 *	  columns holding N; never floats, whose rounding differs), booleans
 *	  (equality), binaries (unsigned bytes, as bytea compares), and strings
 *	  (text and varchar holding S) — equality under a deterministic
 *	  collation, ordering only under the "C" collation, since DynamoDB
 *	  orders strings by their UTF-8 bytes; never on a column with a type
 *	  modifier, whose value read is coerced where DynamoDB's is not;
 *	- operators are known by their btree strategy in the column type's
 *	  operator family (LIKE by its OID), never by name;
 *	- "<>" as "a <> v AND attribute_exists(a) AND NOT attribute_type(a,
 *	  NULL)", so that a missing or NULL attribute is excluded as SQL's NULL
 *	  would be;
 *	- IS [NOT] NULL as absent-or-NULL-typed;
 *	- IN lists of constants (at most 100; none empty nor false, which
 *	  dynalite's IN never matches), LIKE 'prefix%' as begins_with;
 *	- AND and OR of those (two-valued and three-valued logic agree when NOT
 *	  is absent: a comparison with a missing attribute is false in DynamoDB
 *	  and NULL in SQL, and both exclude the row); NOT only of a boolean
 *	  column.
 *
 * Attribute names always go through ExpressionAttributeNames (#n0, #n1, …),
 * so reserved words and odd characters are safe.  Values are placeholders:
 * :v<i> for the expressions evaluated at execution (fdw_exprs), :c<i> for
 * constant AttributeValues fixed at planning (type names for
 * attribute_type, true and false).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"

#include "fdw/fdw.h"

#define AW_MAX_IN_VALUES 100

int
awstore_deparse_name(AwDeparseContext *ctx, const char *attname)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, ctx->names)
	{
		if (strcmp(strVal(lfirst(lc)), attname) == 0)
			return i;
		i++;
	}
	ctx->names = lappend(ctx->names, makeString(pstrdup(attname)));
	return i;
}

/* An expression evaluated at execution, encoded as type. */
int
awstore_deparse_value(AwDeparseContext *ctx, Expr *expr, DynType type)
{
	ctx->values = lappend(ctx->values, expr);
	ctx->value_types = lappend_int(ctx->value_types, (int) type);
	return list_length(ctx->values) - 1;
}

/* A constant AttributeValue, given as JSON text. */
static int
aw_deparse_constant(AwDeparseContext *ctx, const char *json)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, ctx->constants)
	{
		if (strcmp(strVal(lfirst(lc)), json) == 0)
			return i;
		i++;
	}
	ctx->constants = lappend(ctx->constants, makeString(pstrdup(json)));
	return i;
}

static Expr *
aw_strip_relabel(Expr *expr)
{
	while (expr && IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	return expr;
}

/* The attribute column an expression reads, or NULL. */
AwColumn *
awstore_column_of(AwDeparseContext *ctx, Expr *expr)
{
	Var		   *var;
	AwColumn   *col;

	expr = aw_strip_relabel(expr);
	if (expr == NULL || !IsA(expr, Var))
		return NULL;
	var = (Var *) expr;
	if ((Index) var->varno != ctx->baserel->relid || var->varlevelsup != 0 ||
		var->varattno <= 0 || var->varattno > ctx->columns->ncolumns)
		return NULL;
	col = &ctx->columns->columns[var->varattno - 1];
	if (col->dropped || col->kind != AW_COL_ATTRIBUTE)
		return NULL;
	return col;
}

/*
 * Can expr be computed before asking DynamoDB: no column of this relation,
 * nothing volatile, no subplan?  Columns of outer_relids are allowed (join
 * parameters); pass NULL to allow none.
 */
bool
awstore_expr_is_value(AwDeparseContext *ctx, Expr *expr, Relids outer_relids)
{
	Relids		relids = pull_varnos(ctx->root, (Node *) expr);

	if (bms_is_member(ctx->baserel->relid, relids))
		return false;
	if (!bms_is_empty(relids) && !bms_is_subset(relids, outer_relids))
		return false;
	if (contain_volatile_functions((Node *) expr) ||
		contain_subplans((Node *) expr) ||
		contain_agg_clause((Node *) expr) ||
		contain_window_function((Node *) expr))
		return false;
	return true;
}

/*
 * Does comparing this column in DynamoDB give PostgreSQL's result?
 * ordering: "<", ">" and friends rather than equality.
 */
bool
awstore_type_comparable(AwColumn *col, Oid collid, bool ordering)
{
	/*
	 * A type modifier coerces the value read (numeric(p,s) rounds,
	 * varchar(n) drops trailing blanks beyond n): DynamoDB would compare the
	 * value before that coercion, PostgreSQL after it.
	 */
	if (col->typmod >= 0)
		return false;
	switch (col->atype)
	{
		case DYN_T_N:
			return col->typid == INT2OID || col->typid == INT4OID ||
				col->typid == INT8OID || col->typid == NUMERICOID;
		case DYN_T_BOOL:
			return col->typid == BOOLOID && !ordering;
		case DYN_T_B:
			return col->typid == BYTEAOID;
		case DYN_T_S:
			if (col->typid != TEXTOID && col->typid != VARCHAROID)
				return false;
			if (GetDatabaseEncoding() != PG_UTF8)
				return false;
			if (!OidIsValid(collid))
				return false;
			if (ordering)
				return lc_collate_is_c(collid);
			return get_collation_isdeterministic(collid);
		default:
			return false;
	}
}

/*
 * Can a value expression be sent as this type?  Its type must fit, and a
 * constant must be one DynamoDB can hold (no NaN, at most 38 digits…):
 * anything else is better compared locally.  Values known only at
 * execution are checked then.
 */
bool
awstore_type_encodable(Oid t, DynType type)
{
	switch (type)
	{
		case DYN_T_N:
			return t == INT2OID || t == INT4OID || t == INT8OID || t == NUMERICOID;
		case DYN_T_S:
			return t == TEXTOID || t == VARCHAROID;
		case DYN_T_BOOL:
			return t == BOOLOID;
		case DYN_T_B:
			return t == BYTEAOID;
		default:
			return false;
	}
}

bool
awstore_value_encodable(Expr *expr, DynType type)
{
	Oid			t = exprType((Node *) expr);
	bool		type_ok = awstore_type_encodable(t, type);

	if (type_ok && IsA(expr, Const) && !((Const *) expr)->constisnull)
	{
		StringInfoData buf;
		const char *why;
		bool		ok;

		initStringInfo(&buf);
		ok = awstore_datum_to_attr(((Const *) expr)->constvalue, t, type, &buf, &why);
		pfree(buf.data);
		return ok;
	}
	return type_ok;
}

/*
 * The btree strategy of a comparison operator on a column (BTEqual…), or
 * 0.  "<>" is reported as -1.
 */
int
awstore_operator_strategy(Oid opno, AwColumn *col)
{
	Oid			opclass = GetDefaultOpClass(col->typid, BTREE_AM_OID);
	Oid			family;
	int			strategy;
	Oid			negator;

	if (!OidIsValid(opclass))
		return 0;
	family = get_opclass_family(opclass);
	strategy = get_op_opfamily_strategy(opno, family);
	if (strategy >= BTLessStrategyNumber && strategy <= BTGreaterStrategyNumber)
		return strategy;
	negator = get_negator(opno);
	if (OidIsValid(negator) &&
		get_op_opfamily_strategy(negator, family) == BTEqualStrategyNumber)
		return -1;
	return 0;
}

static const char *
aw_strategy_operator(int strategy)
{
	switch (strategy)
	{
		case BTLessStrategyNumber:
			return "<";
		case BTLessEqualStrategyNumber:
			return "<=";
		case BTEqualStrategyNumber:
			return "=";
		case BTGreaterEqualStrategyNumber:
			return ">=";
		case BTGreaterStrategyNumber:
			return ">";
		default:
			return "<>";
	}
}

/* Commutes a strategy when the column is on the right. */
static int
aw_commute_strategy(int strategy)
{
	switch (strategy)
	{
		case BTLessStrategyNumber:
			return BTGreaterStrategyNumber;
		case BTLessEqualStrategyNumber:
			return BTGreaterEqualStrategyNumber;
		case BTGreaterEqualStrategyNumber:
			return BTLessEqualStrategyNumber;
		case BTGreaterStrategyNumber:
			return BTLessStrategyNumber;
		default:
			return strategy;
	}
}

/*
 * Splits "column OP value" (either way round) into its parts.  Returns the
 * column and sets *value and *strategy (already commuted), or NULL.
 */
AwColumn *
awstore_match_comparison(AwDeparseContext *ctx, Expr *clause, Relids outer_relids,
						 Expr **value, int *strategy)
{
	OpExpr	   *op;
	AwColumn   *col;
	Expr	   *left;
	Expr	   *right;
	bool		commuted = false;
	int			s;

	if (!IsA(clause, OpExpr))
		return NULL;
	op = (OpExpr *) clause;
	if (list_length(op->args) != 2)
		return NULL;
	left = linitial(op->args);
	right = lsecond(op->args);
	col = awstore_column_of(ctx, left);
	if (col == NULL)
	{
		col = awstore_column_of(ctx, right);
		right = left;
		commuted = true;
	}
	if (col == NULL || !awstore_expr_is_value(ctx, right, outer_relids))
		return NULL;
	s = awstore_operator_strategy(op->opno, col);
	if (s == 0)
		return NULL;
	if (!awstore_type_comparable(col, op->inputcollid,
								 s != BTEqualStrategyNumber && s != -1))
		return NULL;
	if (!awstore_value_encodable(right, col->atype))
		return NULL;
	*value = right;
	*strategy = commuted ? aw_commute_strategy(s) : s;
	return col;
}

/*
 * The literal prefix of a LIKE pattern of the form 'prefix%', or NULL.
 */
char *
awstore_like_prefix(Const *pattern)
{
	char	   *p;
	size_t		len;

	if (pattern->constisnull || pattern->consttype != TEXTOID)
		return NULL;
	p = TextDatumGetCString(pattern->constvalue);
	len = strlen(p);
	if (len < 2 || p[len - 1] != '%')
		return NULL;
	for (size_t i = 0; i < len - 1; i++)
		if (p[i] == '%' || p[i] == '_' || p[i] == '\\')
			return NULL;
	p[len - 1] = '\0';
	return p;
}

/*
 * Matches "column LIKE 'prefix%'" on a string column: returns the column
 * and the prefix as a Const, or NULL.
 */
AwColumn *
awstore_match_prefix(AwDeparseContext *ctx, Expr *clause, Const **prefix)
{
	OpExpr	   *op;
	AwColumn   *col;
	Expr	   *right;
	char	   *p;

	if (!IsA(clause, OpExpr) || list_length(((OpExpr *) clause)->args) != 2)
		return NULL;
	op = (OpExpr *) clause;
	/* text LIKE text itself, not any operator that happens to be "~~" */
	if (op->opno != OID_TEXT_LIKE_OP)
		return NULL;
	col = awstore_column_of(ctx, linitial(op->args));
	right = lsecond(op->args);
	if (col == NULL || !IsA(right, Const) || col->atype != DYN_T_S ||
		!awstore_type_comparable(col, op->inputcollid, false))
		return NULL;
	p = awstore_like_prefix((Const *) right);
	if (p == NULL)
		return NULL;
	*prefix = makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
						CStringGetTextDatum(p), false, false);
	return col;
}

static const char *
aw_type_literal(DynType type)
{
	return psprintf("{\"S\":\"%s\"}", dyn_type_name(type));
}

/*
 * Appends the DynamoDB form of a filter condition to buf.  Returns false
 * (buf then undefined) when the condition cannot be handed to DynamoDB.
 */
bool
awstore_deparse_filter(AwDeparseContext *ctx, Expr *expr, StringInfo buf)
{
	AwColumn   *col;
	Expr	   *value;
	int			strategy;
	Const	   *prefix;

	if (IsA(expr, BoolExpr))
	{
		BoolExpr   *b = (BoolExpr *) expr;
		ListCell   *lc;
		bool		first = true;

		if (b->boolop == NOT_EXPR)
		{
			col = awstore_column_of(ctx, linitial(b->args));
			if (col == NULL || col->atype != DYN_T_BOOL || col->typid != BOOLOID)
				return false;
			appendStringInfo(buf, "#n%d = :c%d", awstore_deparse_name(ctx, col->attname),
							 aw_deparse_constant(ctx, "{\"BOOL\":false}"));
			return true;
		}
		appendStringInfoChar(buf, '(');
		foreach(lc, b->args)
		{
			if (!first)
				appendStringInfoString(buf, b->boolop == AND_EXPR ? " AND " : " OR ");
			first = false;
			if (!awstore_deparse_filter(ctx, lfirst(lc), buf))
				return false;
		}
		appendStringInfoChar(buf, ')');
		return true;
	}

	/* a bare boolean column */
	col = awstore_column_of(ctx, expr);
	if (col)
	{
		if (col->atype != DYN_T_BOOL || col->typid != BOOLOID)
			return false;
		appendStringInfo(buf, "#n%d = :c%d", awstore_deparse_name(ctx, col->attname),
						 aw_deparse_constant(ctx, "{\"BOOL\":true}"));
		return true;
	}

	if (IsA(expr, NullTest))
	{
		NullTest   *nt = (NullTest *) expr;
		int			n;
		int			c;

		col = awstore_column_of(ctx, nt->arg);
		if (col == NULL || nt->argisrow)
			return false;
		n = awstore_deparse_name(ctx, col->attname);
		c = aw_deparse_constant(ctx, aw_type_literal(DYN_T_NULL));
		if (nt->nulltesttype == IS_NULL)
			appendStringInfo(buf, "(attribute_not_exists(#n%d) OR attribute_type(#n%d, :c%d))",
							 n, n, c);
		else
			appendStringInfo(buf, "(attribute_exists(#n%d) AND NOT attribute_type(#n%d, :c%d))",
							 n, n, c);
		return true;
	}

	if (IsA(expr, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) expr;
		Const	   *arr;
		ArrayType  *a;
		Datum	   *elems;
		bool	   *nulls;
		int			nelems;
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;
		Oid			elemtype;

		if (!sa->useOr || list_length(sa->args) != 2)
			return false;
		col = awstore_column_of(ctx, linitial(sa->args));
		if (col == NULL || !IsA(lsecond(sa->args), Const))
			return false;
		if (awstore_operator_strategy(sa->opno, col) != BTEqualStrategyNumber ||
			!awstore_type_comparable(col, sa->inputcollid, false))
			return false;
		arr = lsecond(sa->args);
		if (arr->constisnull)
			return false;
		a = DatumGetArrayTypeP(arr->constvalue);
		elemtype = ARR_ELEMTYPE(a);
		get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
		deconstruct_array(a, elemtype, elmlen, elmbyval, elmalign, &elems, &nulls, &nelems);
		if (nelems == 0 || nelems > AW_MAX_IN_VALUES)
			return false;
		for (int i = 0; i < nelems; i++)
		{
			Const	   *c;

			if (nulls[i])
				return false;
			c = makeConst(elemtype, -1, arr->constcollid, elmlen, elems[i], false, elmbyval);
			if (!awstore_value_encodable((Expr *) c, col->atype))
				return false;
			/*
			 * XXX: dynalite's IN never matches a value that is false in
			 * JavaScript: an empty string or binary, or false; stay local.
			 * (No other type has such a value: an N is never empty.)
			 */
			if ((col->atype == DYN_T_S || col->atype == DYN_T_B) &&
				VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i])) == 0)
				return false;
			if (col->atype == DYN_T_BOOL && !DatumGetBool(elems[i]))
				return false;
		}
		appendStringInfo(buf, "#n%d IN (", awstore_deparse_name(ctx, col->attname));
		for (int i = 0; i < nelems; i++)
		{
			Const	   *c = makeConst(elemtype, -1, arr->constcollid, elmlen, elems[i],
									  false, elmbyval);

			appendStringInfo(buf, "%s:v%d", i > 0 ? ", " : "",
							 awstore_deparse_value(ctx, (Expr *) c, col->atype));
		}
		appendStringInfoChar(buf, ')');
		return true;
	}

	col = awstore_match_prefix(ctx, expr, &prefix);
	if (col)
	{
		appendStringInfo(buf, "begins_with(#n%d, :v%d)",
						 awstore_deparse_name(ctx, col->attname),
						 awstore_deparse_value(ctx, (Expr *) prefix, DYN_T_S));
		return true;
	}

	col = awstore_match_comparison(ctx, expr, NULL, &value, &strategy);
	if (col)
	{
		int			n = awstore_deparse_name(ctx, col->attname);
		int			v = awstore_deparse_value(ctx, value, col->atype);

		/*
		 * DynamoDB's "<>" is true for a missing or NULL attribute, SQL's is
		 * NULL.  (attribute_type(a, S) would say it more briefly, but
		 * dynalite does not match an empty string with it.)
		 */
		if (strategy == -1)
			appendStringInfo(buf, "(#n%d <> :v%d AND attribute_exists(#n%d) AND NOT attribute_type(#n%d, :c%d))",
							 n, v, n, n, aw_deparse_constant(ctx, aw_type_literal(DYN_T_NULL)));
		else
			appendStringInfo(buf, "#n%d %s :v%d", n, aw_strategy_operator(strategy), v);
		return true;
	}
	return false;
}

/*
 * A copy of ctx to deparse into, that leaves ctx unchanged when the attempt
 * fails.  The lists are copied: lappend extends a List in place, so a
 * copy of the struct alone would share, and grow, them.
 */
void
awstore_deparse_scratch(AwDeparseContext *scratch, const AwDeparseContext *ctx)
{
	*scratch = *ctx;
	scratch->names = list_copy(ctx->names);
	scratch->values = list_copy(ctx->values);
	scratch->value_types = list_copy(ctx->value_types);
	scratch->constants = list_copy(ctx->constants);
}

/*
 * Would the filter condition expr be handed to DynamoDB?  A dry run of
 * awstore_deparse_filter that leaves ctx unchanged.
 */
bool
awstore_filter_shippable(AwDeparseContext *ctx, Expr *expr)
{
	AwDeparseContext scratch;
	StringInfoData buf;
	bool		ok;

	awstore_deparse_scratch(&scratch, ctx);
	initStringInfo(&buf);
	ok = awstore_deparse_filter(&scratch, expr, &buf);
	pfree(buf.data);
	return ok;
}
