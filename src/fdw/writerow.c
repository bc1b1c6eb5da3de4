/*-------------------------------------------------------------------------
 *
 * writerow.c
 *		Writing one row of a foreign table with one conditional request.
 *
 * INSERT … RETURNING / ON CONFLICT, UPDATE and DELETE … RETURNING write a
 * row with one PutItem, UpdateItem or DeleteItem each, conditional on the
 * item (not) existing.  awstore_conditional_request() sends it, notes the
 * write for the transaction (xact.c) and tells a false condition from a
 * failure.  When a request was resent, a false condition may be the effect
 * of its own first attempt: awstore_item_is_as_sent() compares the item
 * read back with what was sent, as DynamoDB compares values (numbers as
 * numbers, sets as sets).  The row's key is the item's key exactly as the
 * scan read it (awstore_target_row_key).  Each request waits for its
 * expected cost in the statement's write budget, if any (pacing.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "utils/builtins.h"

#include "fdw/modify.h"

/*
 * Sends a conditional write of one row and waits for it.  Returns the call
 * (held in the current memory context), or NULL when its condition failed;
 * *resent says whether the client sent the request more than once (an
 * earlier attempt may have been applied).
 */
DynCall *
awstore_conditional_request(AwModifyState *m, const char *action, char *body,
							size_t len, double units, bool *resent)
{
	AwCallHolder *holder;
	DynCall    *call;
	const DynStats *st;
	bool		ok;
	bool		noted;

	/* the budget's wait may end in a cancel: the body is still ours then */
	PG_TRY();
	{
		m->stats.budget_wait_ms += awstore_budget_acquire(m->budget, m->client, units, NULL, NULL);
	}
	PG_CATCH();
	{
		free(body);
		PG_RE_THROW();
	}
	PG_END_TRY();
	holder = awstore_start_call(m->client, action, body, len, CurrentMemoryContext);
	call = holder->call;
	noted = awstore_note_write();
	awstore_wait_for(m->client, call);
	ok = dyn_call_ok(call);
	st = dyn_call_stats(call);
	m->stats.requests += st->requests;
	m->stats.retries += st->retries;
	m->stats.capacity += st->capacity;
	awstore_budget_settle(m->budget, units, st);
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

/* "{"#k":"<partition key>"}" for conditions on the key. */
char *
awstore_key_names(AwModifyState *m)
{
	return psprintf("{\"#k\":%s}", awstore_json_string(m->shape.pk));
}

/*
 * The key of the row being updated or deleted: the item's key as the scan
 * read it (see awstore_is_row_key_var), never rebuilt from column values.
 * With item_json, also the whole item as read (UPDATE), or NULL.
 */
char *
awstore_target_row_key(AwModifyState *m, TupleTableSlot *planSlot, char **key_text,
					   char **item_json)
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
TupleTableSlot *
awstore_returned_row(AwModifyState *m, DynCall *call, TupleTableSlot *slot)
{
	DynValue   *attrs = dyn_get(dyn_call_response(call), "Attributes");

	if (attrs == NULL)
		return NULL;
	awstore_fill_slot_value(slot, m->columns, NIL, attrs, &m->conv);
	return slot;
}

/*
 * Is item as a write left it: the attributes of sent_json (a map) with
 * those values, the attributes in removed missing, and with whole nothing
 * else?
 */
bool
awstore_item_is_as_sent(DynValue *item, const char *sent_json, List *removed,
						bool whole)
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
