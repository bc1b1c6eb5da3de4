/*-------------------------------------------------------------------------
 *
 * update.c
 *		UPDATE of a foreign table: one UpdateItem (or PutItem) per row.
 *
 * UPDATE sends UpdateItem with the full key as the scan read it: SET for
 * the columns set to a value, REMOVE for those set to NULL, on condition
 * that the item still exists and is as this statement read it, so that a
 * concurrent change is never overwritten (a lost update): then the UPDATE
 * fails with a serialization failure, nothing written.  Setting a document
 * 'dynamodb' column replaces the whole item (PutItem) on the same
 * condition; a document 'plain' column cannot be set, as plain JSON would
 * change the item's sets and binaries.  Changing a key column is refused
 * when the plan is made.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "utils/builtins.h"

#include "fdw/modify.h"

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
		ours = awstore_item_is_as_sent(current, sent_json, removed, whole);
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
	key_json = awstore_target_row_key(m, planSlot, &key_text, &item_json);
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
	appendStringInfoString(&names, awstore_key_names(m));
	names.data[--names.len] = '\0';	/* drop the closing brace */

	if (m->document_set)
	{
		/* the document is the whole item: put it, keeping the key */
		char	   *item_key_json;
		char	   *item_key_text;
		long		size;
		char	   *item = awstore_build_item(&m->shape, slot, m->target_attrs, key_json,
											  &item_key_json, &item_key_text, &size);

		if (item_json)
			aw_read_condition(m, item_json, false, &cond, &names, &values);
		appendStringInfoChar(&names, '}');
		if (values.len)
			appendStringInfoChar(&values, '}');
		body = dyn_body_put_item(m->shape.table, item, cond.data, names.data,
								 values.len ? values.data : NULL, &len);
		call = awstore_conditional_request(m, "PutItem", body, len,
										   awstore_table_write_units(m->tinfo, size), &resent);
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
		call = awstore_conditional_request(m, "UpdateItem", body, len,
										   awstore_table_write_units(m->tinfo, -1), &resent);
		if (call == NULL)
			returned = aw_update_conflict(m, key_json, key_text, resent, sent, removed, false);
		if (call == NULL && returned == NULL)
			result = NULL;		/* the item is gone */
		else if (m->returning && returned)
		{
			awstore_fill_slot_value(slot, m->columns, NIL, returned, &m->conv);
			result = slot;
		}
		else if (m->returning)
			result = awstore_returned_row(m, call, slot);
		else
			result = slot;
	}
	MemoryContextSwitchTo(old);
	if (result)
		m->rows++;
	return result;
}
