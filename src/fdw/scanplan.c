/*-------------------------------------------------------------------------
 *
 * scanplan.c
 *		The plan of a scan: one struct, kept in a ForeignScan's fdw_private.
 *
 * GetForeignPlan fills an AwScanPlan and stores it with
 * awstore_scan_plan_to_list as the ForeignScan's fdw_private: a List of
 * plain nodes (Integer, Boolean, String and Lists of them), so that
 * copyObject, the plan cache and parallel query carry it, with one slot
 * per member named by enum AwScanPrivateIndex, as postgres_fdw names its
 * slots.  BeginForeignScan decodes it once with
 * awstore_scan_plan_from_list; the executor and EXPLAIN read that struct,
 * and nothing else reads the list.
 *
 * The plan's expressions name attributes and values by placeholder; at
 * execution awstore_scan_placeholders gives the ExpressionAttributeNames
 * and ExpressionAttributeValues a request of the plan sends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/value.h"

#include "fdw/fdw.h"

/* The slots of a ForeignScan's fdw_private list. */
enum AwScanPrivateIndex
{
	AwScanPrivOperation,		/* Integer: AwOperation */
	AwScanPrivTable,			/* String: the DynamoDB table */
	AwScanPrivIndex,			/* String: index name, "" for the table */
	AwScanPrivKeyCondition,		/* String: KeyConditionExpression or "" */
	AwScanPrivKeyConditionPk,	/* String: the same without its sort key part */
	AwScanPrivFilter,			/* String: FilterExpression or "" */
	AwScanPrivProjection,		/* String: ProjectionExpression or "" */
	AwScanPrivNames,			/* List of String: names of #n0, #n1, … */
	AwScanPrivConstants,		/* List of String: AttributeValues :c0, … */
	AwScanPrivValueTypes,		/* List of Integer: DynType of each fdw_expr */
	AwScanPrivValueTexts,		/* List of String: each fdw_expr for EXPLAIN */
	AwScanPrivPkValue,			/* Integer: fdw_expr of the partition key value */
	AwScanPrivSkValue,			/* Integer: ... of the sort key value or lower
								 * bound, -1 when none */
	AwScanPrivSkUpperValue,		/* Integer: ... of its upper bound, or -1 */
	AwScanPrivSkCondition,		/* Integer: AwSortKeyCondition */
	AwScanPrivRetrievedAttrs,	/* List of Integer: attnums converted */
	AwScanPrivCountOnly,		/* Boolean: Select=COUNT */
	AwScanPrivSegments,			/* Integer: TotalSegments (1: sequential) */
	AwScanPrivLimit,			/* Integer: Limit per request, 0 for none */
	AwScanPrivConsistentRead,	/* Boolean */
	AwScanPrivPartitionKey,		/* String: table's key, for naming items */
	AwScanPrivPartitionKeyType, /* Integer: its DynType */
	AwScanPrivSortKey,			/* String or "" */
	AwScanPrivSortKeyType,		/* Integer: its DynType */
	AwScanPrivCount				/* number of slots */
};

/*
 * The fdw_private list of a plan, allocated in the current memory context.
 */
List *
awstore_scan_plan_to_list(const AwScanPlan *plan)
{
	Node	   *slots[AwScanPrivCount];
	List	   *priv = NIL;

	slots[AwScanPrivOperation] = (Node *) makeInteger((int) plan->op);
	slots[AwScanPrivTable] = (Node *) makeString(pstrdup(plan->table));
	slots[AwScanPrivIndex] = (Node *) makeString(pstrdup(plan->index ? plan->index : ""));
	slots[AwScanPrivKeyCondition] = (Node *) makeString(pstrdup(plan->keycond));
	slots[AwScanPrivKeyConditionPk] = (Node *) makeString(pstrdup(plan->keycond_pk));
	slots[AwScanPrivFilter] = (Node *) makeString(pstrdup(plan->filter));
	slots[AwScanPrivProjection] = (Node *) makeString(pstrdup(plan->projection));
	slots[AwScanPrivNames] = (Node *) plan->names;
	slots[AwScanPrivConstants] = (Node *) plan->constants;
	slots[AwScanPrivValueTypes] = (Node *) plan->value_types;
	slots[AwScanPrivValueTexts] = (Node *) plan->value_texts;
	slots[AwScanPrivPkValue] = (Node *) makeInteger(plan->pk_idx);
	slots[AwScanPrivSkValue] = (Node *) makeInteger(plan->sk_idx);
	slots[AwScanPrivSkUpperValue] = (Node *) makeInteger(plan->sk_hi_idx);
	slots[AwScanPrivSkCondition] = (Node *) makeInteger((int) plan->sk_cond);
	slots[AwScanPrivRetrievedAttrs] = (Node *) plan->retrieved;
	slots[AwScanPrivCountOnly] = (Node *) makeBoolean(plan->count_only);
	slots[AwScanPrivSegments] = (Node *) makeInteger(plan->nsegments);
	slots[AwScanPrivLimit] = (Node *) makeInteger(plan->limit);
	slots[AwScanPrivConsistentRead] = (Node *) makeBoolean(plan->consistent);
	slots[AwScanPrivPartitionKey] = (Node *) makeString(pstrdup(plan->pk));
	slots[AwScanPrivPartitionKeyType] = (Node *) makeInteger((int) plan->pk_type);
	slots[AwScanPrivSortKey] = (Node *) makeString(pstrdup(plan->sk ? plan->sk : ""));
	slots[AwScanPrivSortKeyType] = (Node *) makeInteger((int) plan->sk_type);

	for (int i = 0; i < AwScanPrivCount; i++)
		priv = lappend(priv, slots[i]);
	return priv;
}

static int
aw_slot_int(List *priv, int slot)
{
	return intVal(list_nth(priv, slot));
}

/* A String slot; "" is NULL when empty_is_null. */
static char *
aw_slot_string(List *priv, int slot, bool empty_is_null)
{
	char	   *s = strVal(list_nth(priv, slot));

	return (empty_is_null && s[0] == '\0') ? NULL : s;
}

/*
 * The plan stored in a ForeignScan's fdw_private.  The strings and lists
 * are the list's own, not copies: the plan lives as long as the list.
 */
AwScanPlan *
awstore_scan_plan_from_list(List *priv)
{
	AwScanPlan *plan = palloc0(sizeof(AwScanPlan));

	Assert(list_length(priv) == AwScanPrivCount);
	plan->op = (AwOperation) aw_slot_int(priv, AwScanPrivOperation);
	plan->table = aw_slot_string(priv, AwScanPrivTable, false);
	plan->index = aw_slot_string(priv, AwScanPrivIndex, true);
	plan->keycond = aw_slot_string(priv, AwScanPrivKeyCondition, false);
	plan->keycond_pk = aw_slot_string(priv, AwScanPrivKeyConditionPk, false);
	plan->filter = aw_slot_string(priv, AwScanPrivFilter, false);
	plan->projection = aw_slot_string(priv, AwScanPrivProjection, false);
	plan->names = list_nth(priv, AwScanPrivNames);
	plan->constants = list_nth(priv, AwScanPrivConstants);
	plan->value_types = list_nth(priv, AwScanPrivValueTypes);
	plan->value_texts = list_nth(priv, AwScanPrivValueTexts);
	plan->pk_idx = aw_slot_int(priv, AwScanPrivPkValue);
	plan->sk_idx = aw_slot_int(priv, AwScanPrivSkValue);
	plan->sk_hi_idx = aw_slot_int(priv, AwScanPrivSkUpperValue);
	plan->sk_cond = (AwSortKeyCondition) aw_slot_int(priv, AwScanPrivSkCondition);
	plan->retrieved = list_nth(priv, AwScanPrivRetrievedAttrs);
	plan->count_only = boolVal(list_nth(priv, AwScanPrivCountOnly));
	plan->nsegments = aw_slot_int(priv, AwScanPrivSegments);
	plan->limit = aw_slot_int(priv, AwScanPrivLimit);
	plan->consistent = boolVal(list_nth(priv, AwScanPrivConsistentRead));
	plan->pk = aw_slot_string(priv, AwScanPrivPartitionKey, false);
	plan->pk_type = (DynType) aw_slot_int(priv, AwScanPrivPartitionKeyType);
	plan->sk = aw_slot_string(priv, AwScanPrivSortKey, true);
	plan->sk_type = (DynType) aw_slot_int(priv, AwScanPrivSortKeyType);
	return plan;
}

/* Is placeholder "<prefix><i>" used in one of the expressions? */
static bool
aw_placeholder_used(const char *placeholder, const char *const *exprs, int nexprs)
{
	size_t		len = strlen(placeholder);

	for (int e = 0; e < nexprs; e++)
	{
		const char *p = exprs[e];

		while (p && (p = strstr(p, placeholder)) != NULL)
		{
			if (p[len] < '0' || p[len] > '9')
				return true;
			p += len;
		}
	}
	return false;
}

/*
 * Appends to out, as members of a JSON object ("{" first), "<prefix><i>":
 * the i-th of strings, for the placeholders the expressions use; quoted
 * as JSON strings when quote, else JSON already.
 */
static void
aw_append_used(StringInfo out, const char *prefix, List *strings, bool quote,
			   const char *const *exprs, int nexprs)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, strings)
	{
		char		ph[16];
		const char *s = strVal(lfirst(lc));

		snprintf(ph, sizeof(ph), "%s%d", prefix, i++);
		if (aw_placeholder_used(ph, exprs, nexprs))
			appendStringInfo(out, "%s\"%s\":%s", out->len ? "," : "{", ph,
							 quote ? awstore_json_string(s) : s);
	}
}

/*
 * ExpressionAttributeNames and ExpressionAttributeValues holding exactly
 * the placeholders the expressions sent use (DynamoDB refuses unused ones).
 * keycond, filter and projection are what the request sends of them (NULL
 * for what it leaves out); value_json holds the AttributeValue of each
 * fdw_expr (NULL when it cannot be sent); key_value, when given, stands
 * for the partition key value.  The results are palloc'd, NULL when empty.
 */
void
awstore_scan_placeholders(const AwScanPlan *plan, const char *keycond,
						  const char *filter, const char *projection,
						  char *const *value_json, const char *key_value,
						  char **names_json, char **values_json)
{
	const char *exprs[3];
	StringInfoData names;
	StringInfoData values;

	exprs[0] = keycond;
	exprs[1] = filter;
	exprs[2] = projection;

	initStringInfo(&names);
	aw_append_used(&names, "#n", plan->names, true, exprs, 3);
	if (names.len)
		appendStringInfoChar(&names, '}');

	initStringInfo(&values);
	for (int i = 0; i < list_length(plan->value_types); i++)
	{
		char		ph[16];
		const char *json = (i == plan->pk_idx && key_value) ? key_value : value_json[i];

		snprintf(ph, sizeof(ph), ":v%d", i);
		if (json && aw_placeholder_used(ph, exprs, 2))
			appendStringInfo(&values, "%s\"%s\":%s", values.len ? "," : "{", ph, json);
	}
	aw_append_used(&values, ":c", plan->constants, false, exprs, 2);
	if (values.len)
		appendStringInfoChar(&values, '}');

	*names_json = names.len ? names.data : NULL;
	*values_json = values.len ? values.data : NULL;
}
