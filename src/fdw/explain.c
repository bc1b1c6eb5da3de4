/*-------------------------------------------------------------------------
 *
 * explain.c
 *		EXPLAIN for scans and modifications of DynamoDB tables.
 *
 * A scan shows the DynamoDB operation chosen, the table and index, the key
 * (GetItem, BatchGetItem), the key condition, filter and projection with
 * their placeholders replaced by the attribute names and values they
 * stand for, Select=COUNT, the Limit and ConsistentRead; EXPLAIN ANALYZE
 * adds the requests, pages, retries and consumed capacity.  A modification
 * shows how it writes (batched or per row, and on what condition); with
 * ANALYZE, the requests, retries, items written and capacity.
 *
 * Everything shown comes from the scan's decoded plan (scanplan.c), as
 * BeginForeignScan decoded it, and from the counts the scan and the
 * modification keep; the value texts are made at planning, where the
 * expressions they show are known (awstore_explain_value_text).  Nothing
 * shown is a credential: only table, index and attribute names, and
 * values from the query itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "nodes/nodeFuncs.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/lsyscache.h"

#include "fdw/fdw.h"

static const char *
aw_operation_name(AwOperation op)
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

/*
 * How to show a value in EXPLAIN (made at planning, kept in the plan's
 * value_texts).
 */
char *
awstore_explain_value_text(PlannerInfo *root, Expr *expr)
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

/*
 * A DynamoDB expression for EXPLAIN: #n<i> replaced by the attribute name,
 * :v<i> by value_texts[i], :c<i> by constant_texts[i].
 */
static char *
aw_explain_expression(const char *expr, List *names, List *value_texts,
					  List *constant_texts)
{
	StringInfoData buf;
	const char *p = expr;

	initStringInfo(&buf);
	while (*p)
	{
		if ((p[0] == '#' && p[1] == 'n') || (p[0] == ':' && (p[1] == 'v' || p[1] == 'c')))
		{
			const char *digits = p + 2;
			char	   *end;
			long		i = strtol(digits, &end, 10);
			List	   *list = p[0] == '#' ? names : p[1] == 'v' ? value_texts : constant_texts;

			if (end != digits && i >= 0 && i < list_length(list))
			{
				const char *s = strVal(list_nth(list, (int) i));

				appendStringInfoString(&buf, p[0] == '#' ? quote_identifier(s) : s);
				p = end;
				continue;
			}
		}
		appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/*
 * A constant AttributeValue as EXPLAIN shows it, palloc'd.  The parsed
 * value is malloc'd: freed on every path.
 */
static char *
aw_constant_text(const char *json)
{
	DynValue   *volatile v = dyn_parse(json, strlen(json));
	char	   *volatile text = NULL;

	PG_TRY();
	{
		DynValue   *inner;

		if (v)
		{
			switch (dyn_attr(v, &inner))
			{
				case DYN_T_S:
					text = quote_literal_cstr(dyn_string(inner, NULL));
					break;
				case DYN_T_BOOL:
					text = pstrdup(dyn_boolean(inner) ? "true" : "false");
					break;
				default:
					break;
			}
		}
		if (text == NULL)
			text = pstrdup(json);
	}
	PG_FINALLY();
	{
		dyn_value_free(v);
	}
	PG_END_TRY();
	return text;
}

/*
 * The capacity budget the options set for reading or writing the table, as
 * they say it (a percent is resolved only when the statement runs).
 */
static void
aw_explain_budget(Relation rel, AwBudgetKind kind, ExplainState *es)
{
	ForeignTable *table;
	AwOptions	opts;
	double		max;
	double		percent;
	const char *word = kind == AW_BUDGET_READ ? "read" : "write";

	if (rel == NULL)
		return;
	table = GetForeignTable(RelationGetRelid(rel));
	awstore_server_options(GetForeignServer(table->serverid), &opts);
	awstore_table_options(RelationGetRelid(rel), &opts);
	max = kind == AW_BUDGET_READ ? opts.max_read_capacity : opts.max_write_capacity;
	percent = kind == AW_BUDGET_READ ? opts.read_capacity_percent : opts.write_capacity_percent;
	if (max <= 0 && percent <= 0)
		return;
	ExplainPropertyText(kind == AW_BUDGET_READ ? "DynamoDB Read Budget" : "DynamoDB Write Budget",
						percent <= 0 ? psprintf("%g units/s", max) :
						max <= 0 ? psprintf("%g%% of provisioned %s capacity", percent, word) :
						psprintf("%g%% of provisioned %s capacity, at most %g units/s",
								 percent, word, max),
						es);
}

void
awstoreExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	const AwScanPlan *plan = awstore_scan_plan(node);
	AwOperation op = plan->op;
	List	   *value_texts = plan->value_texts;
	List	   *constant_texts = NIL;
	AwScanCounts counts;
	ListCell   *lc;

	foreach(lc, plan->constants)
		constant_texts = lappend(constant_texts, makeString(aw_constant_text(strVal(lfirst(lc)))));
	if (op == AW_OP_MULTI_QUERY)
	{
		/* one Query per element of the partition key array */
		value_texts = list_copy(value_texts);
		list_nth_cell(value_texts, plan->pk_idx)->ptr_value =
			makeString(psprintf("ANY (%s)", strVal(list_nth(value_texts, plan->pk_idx))));
	}

	if (op == AW_OP_SCAN && plan->nsegments > 1)
		ExplainPropertyText("DynamoDB Operation",
							psprintf("Parallel Scan (%d segments)", plan->nsegments), es);
	else
		ExplainPropertyText("DynamoDB Operation", aw_operation_name(op), es);
	ExplainPropertyText("DynamoDB Table", plan->table, es);
	if (plan->index)
		ExplainPropertyText("DynamoDB Index", plan->index, es);
	if (op == AW_OP_GET_ITEM || op == AW_OP_BATCH_GET_ITEM)
	{
		char	   *key;

		key = psprintf(op == AW_OP_GET_ITEM ? "%s = %s" : "%s = ANY (%s)",
					   quote_identifier(plan->pk),
					   strVal(list_nth(value_texts, plan->pk_idx)));
		if (plan->sk_idx >= 0)
			key = psprintf("%s AND %s = %s", key,
						   quote_identifier(plan->sk ? plan->sk : ""),
						   strVal(list_nth(value_texts, plan->sk_idx)));
		ExplainPropertyText("DynamoDB Key", key, es);
	}
	if (plan->keycond[0])
		ExplainPropertyText("DynamoDB Key Condition",
							aw_explain_expression(plan->keycond, plan->names, value_texts,
												  constant_texts), es);
	if (plan->filter[0])
		ExplainPropertyText("DynamoDB Filter",
							aw_explain_expression(plan->filter, plan->names, value_texts,
												  constant_texts), es);
	if (plan->count_only)
		ExplainPropertyText("DynamoDB Select", "COUNT", es);
	else if (plan->projection[0])
		ExplainPropertyText("DynamoDB Projection",
							aw_explain_expression(plan->projection, plan->names, NIL, NIL), es);
	else
		ExplainPropertyText("DynamoDB Projection", "(all attributes)", es);
	if (plan->limit > 0)
		ExplainPropertyInteger("DynamoDB Limit", NULL, plan->limit, es);
	if (plan->consistent)
		ExplainPropertyBool("DynamoDB Consistent Read", true, es);

	aw_explain_budget(node->ss.ss_currentRelation, AW_BUDGET_READ, es);

	if (es->analyze && awstore_scan_counts(node, &counts))
	{
		ExplainPropertyInteger("DynamoDB Requests", NULL, counts.requests, es);
		ExplainPropertyInteger("DynamoDB Pages", NULL, counts.pages, es);
		ExplainPropertyInteger("DynamoDB Retries", NULL, counts.retries, es);
		ExplainPropertyFloat("DynamoDB Consumed Capacity", NULL, counts.capacity, 1, es);
		if (counts.cap > 0)
		{
			ExplainPropertyFloat("DynamoDB Read Capacity Cap", "units/s", counts.cap, 1, es);
			ExplainPropertyFloat("DynamoDB Budget Wait", "ms", counts.budget_wait_ms, 0, es);
		}
	}
}

void
awstoreExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							List *fdw_private, int subplan_index, ExplainState *es)
{
	CmdType		op = mtstate->operation;
	AwModifyReport r;

	(void) subplan_index;
	awstore_modify_report(mtstate, rinfo, fdw_private, es->analyze, &r);
	if (op == CMD_INSERT && r.on_conflict)
		ExplainPropertyText("DynamoDB Write", "PutItem per row, if attribute_not_exists(partition key)", es);
	else if (op == CMD_INSERT && r.per_row)
		ExplainPropertyText("DynamoDB Write", "PutItem per row", es);
	else if (op == CMD_INSERT)
		ExplainPropertyText("DynamoDB Write", "BatchWriteItem PutRequests", es);
	else if (op == CMD_UPDATE)
		ExplainPropertyText("DynamoDB Write", "UpdateItem per row, if the item exists", es);
	else if (op == CMD_DELETE && r.per_row)
		ExplainPropertyText("DynamoDB Write", "DeleteItem per row, if the item exists", es);
	else if (op == CMD_DELETE)
		ExplainPropertyText("DynamoDB Write", "BatchWriteItem DeleteRequests", es);

	aw_explain_budget(rinfo->ri_RelationDesc, AW_BUDGET_WRITE, es);

	if (r.executed)
	{
		ExplainPropertyInteger("DynamoDB Write Requests", NULL, r.stats.requests, es);
		ExplainPropertyInteger("DynamoDB Write Retries", NULL, r.stats.retries, es);
		ExplainPropertyInteger("DynamoDB Items Written", NULL, r.stats.items, es);
		ExplainPropertyFloat("DynamoDB Write Capacity", NULL, r.stats.capacity, 1, es);
		if (r.cap > 0)
		{
			ExplainPropertyFloat("DynamoDB Write Capacity Cap", "units/s", r.cap, 1, es);
			ExplainPropertyFloat("DynamoDB Budget Wait", "ms", r.stats.budget_wait_ms, 0, es);
		}
	}
}
