/*-------------------------------------------------------------------------
 *
 * item.c
 *		Turning a row into a DynamoDB item, a key into a Key, and keys into
 *		the text messages show.
 *
 * An item is built from the row's columns: each attribute column that is
 * not NULL becomes an AttributeValue of its declared type (SQL NULL leaves
 * the attribute out, or writes {"NULL": true} with null_as 'null'); a
 * document column, when not NULL, gives all the attributes it holds, and
 * typed columns win over it, so the key may come from either place.
 *
 * Before anything is sent the item is checked as DynamoDB would check it,
 * so that the error names the table and the key rather than failing a
 * whole batch: the key attributes present, of the table's key types, not
 * empty; the item at most 400 KB by DynamoDB's own size rule.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "fdw/fdw.h"

/*
 * "(id, sk)=(a1, 5)": a key for messages, the way PostgreSQL shows keys.
 * keys[1] and values[1] are unused when keys[1] is NULL.
 */
char *
awstore_key_text(const char *const keys[2], const char *const values[2])
{
	if (keys[1] == NULL)
		return psprintf("(%s)=(%s)", keys[0], values[0]);
	return psprintf("(%s, %s)=(%s, %s)", keys[0], keys[1], values[0], values[1]);
}

/* The key of an item, for messages. */
char *
awstore_item_key_text(DynValue *item, const char *pk, const char *sk)
{
	const char *keys[2] = {pk, sk};
	const char *values[2] = {"?", "?"};

	for (int i = 0; i < 2 && keys[i]; i++)
	{
		DynValue   *inner;
		DynType		t = dyn_attr(dyn_get(item, keys[i]), &inner);

		if (t == DYN_T_S || t == DYN_T_N || t == DYN_T_B)
			values[i] = dyn_string(inner, NULL);
	}
	return awstore_key_text(keys, values);
}

/*
 * The key of a row for messages, "(id)=(a1)": from its key columns, or
 * when a key column is missing or NULL, from doc (a map of AttributeValues
 * from a document column; may be NULL).
 */
static char *
aw_key_text(AwItemShape *shape, TupleTableSlot *slot, DynValue *doc)
{
	const char *keys[2] = {shape->pk, shape->sk};
	const char *values[2] = {"?", "?"};

	for (int k = 0; k < 2 && keys[k]; k++)
	{
		AwColumn   *col = awstore_find_attribute(shape->columns, keys[k]);
		int			i;
		Oid			outfunc;
		bool		isvarlena;

		if (col == NULL || slot->tts_isnull[col->attnum - 1])
		{
			DynValue   *inner;
			DynType		t = dyn_attr(dyn_get(doc, keys[k]), &inner);

			if (t == DYN_T_S || t == DYN_T_N || t == DYN_T_B)
				values[k] = pstrdup(dyn_string(inner, NULL));
			else if (col != NULL)
				values[k] = "NULL";
			continue;
		}
		i = col->attnum - 1;
		getTypeOutputInfo(col->typid, &outfunc, &isvarlena);
		values[k] = OidOutputFunctionCall(outfunc, slot->tts_values[i]);
	}
	return awstore_key_text(keys, values);
}

/* The key of a row as the row gives it, for messages: "(id)=(a1)". */
char *
awstore_row_key_text(AwItemShape *shape, TupleTableSlot *slot)
{
	return aw_key_text(shape, slot, NULL);
}

/* Renders one column's value, or raises the error saying why it cannot. */
static void
aw_column_attr(AwItemShape *shape, AwColumn *col, Datum value, StringInfo buf,
			   TupleTableSlot *slot)
{
	const char *why;

	if (!awstore_datum_to_attr(value, col->typid, col->atype, buf, &why))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("cannot write column \"%s\" to DynamoDB attribute \"%s\"",
						col->colname, col->attname),
				 errdetail("Item %s of DynamoDB table \"%s\": %s.",
						   awstore_row_key_text(shape, slot), shape->table, why)));
}

/*
 * Why a map of AttributeValues (a document 'dynamodb' value) cannot be
 * sent, or NULL when it can.  Sets *key_text to the key for messages.
 * Raises no error itself, but the key's output functions may: the caller
 * holds doc so that it is freed then too.
 */
static const char *
aw_document_problem(AwItemShape *shape, TupleTableSlot *slot, DynValue *doc,
					char **key_text)
{
	DynObjectIter it;
	const char *name;
	DynValue   *av;

	*key_text = aw_key_text(shape, slot, doc);
	/* every attribute as DynamoDB will check it, naming the place */
	dyn_object_iter_init(doc, &it);
	while (dyn_object_iter_next(&it, &name, &av))
	{
		char		path[256];
		const char *why;

		if (name[0] == '\0')
			return "an attribute name cannot be empty";
		snprintf(path, sizeof(path), "%s", name);
		if (!dyn_attr_check(av, path, sizeof(path), &why))
			return psprintf("attribute \"%s\" %s", path, why);
	}
	return NULL;
}

/*
 * The attributes of a document column's JSON, as a map of AttributeValues
 * (malloc'd: the caller frees it with dyn_value_free).
 */
static DynValue *
aw_document_map(AwItemShape *shape, AwColumn *col, Datum value, TupleTableSlot *slot)
{
	DynValue   *volatile map = NULL;
	const char *volatile problem = NULL;
	char	   *volatile key_text = NULL;

	if (col->kind == AW_COL_DOCUMENT_TYPED)
	{
		char	   *doc_text;

		if (col->typid == JSONBOID)
		{
			Jsonb	   *jb = DatumGetJsonbP(value);

			doc_text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
		}
		else
			doc_text = text_to_cstring(DatumGetTextPP(value));

		map = dyn_parse(doc_text, strlen(doc_text));
		if (map == NULL || !dyn_is_object(map))
			problem = "a document 'dynamodb' column must hold an object of AttributeValues, nested at most 32 levels";
		else
		{
			PG_TRY();
			{
				char	   *kt;

				problem = aw_document_problem(shape, slot, map, &kt);
				key_text = kt;
			}
			PG_CATCH();
			{
				dyn_value_free(map);
				PG_RE_THROW();
			}
			PG_END_TRY();
		}
	}
	else
	{
		StringInfoData buf;
		const char *why;

		initStringInfo(&buf);
		if (!awstore_item_to_attr(value, col->typid, &buf, &why))
			problem = why;
		else
		{
			DynValue   *parsed = dyn_parse(buf.data, buf.len);
			DynValue   *inner;

			/* no PostgreSQL call while parsed is held */
			if (parsed == NULL || dyn_attr(parsed, &inner) != DYN_T_M)
				problem = "a document column must hold a JSON object";
			else
			{
				/* keep only the map inside {"M": …} */
				DynBuf		mb;

				dynbuf_init(&mb);
				dyn_to_json(inner, &mb);
				map = mb.oom ? NULL : dyn_parse(mb.data, mb.len);
				dynbuf_free(&mb);
				if (map == NULL)
					problem = "out of memory";
			}
			dyn_value_free(parsed);
		}
		pfree(buf.data);
	}
	if (problem)
	{
		dyn_value_free(map);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("cannot write document column \"%s\" to DynamoDB", col->colname),
				 errdetail("Item %s of DynamoDB table \"%s\": %s.",
						   key_text ? key_text : awstore_row_key_text(shape, slot),
						   shape->table, problem)));
	}
	return map;
}

/*
 * Checks one key attribute of a built item; raises the error (the caller
 * frees item then).
 */
static void
aw_check_key(AwItemShape *shape, DynValue *item, const char *name, DynType type,
			 const char *what, TupleTableSlot *slot)
{
	DynValue   *inner;
	DynValue   *av = dyn_get(item, name);
	DynType		t = av ? dyn_attr(av, &inner) : DYN_T_INVALID;
	size_t		len = 0;

	if (av == NULL || t == DYN_T_NULL)
	{
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in the %s \"%s\" of DynamoDB table \"%s\"",
						what, name, shape->table),
				 errdetail("Failing row's key: %s.", awstore_row_key_text(shape, slot)),
				 errhint("Every item needs its key attributes.")));
	}
	if (t != type)
	{
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("the %s \"%s\" of DynamoDB table \"%s\" is of type %s, not %s",
						what, name, shape->table, dyn_type_name(type), dyn_type_name(t)),
				 errdetail("Failing row's key: %s.", awstore_row_key_text(shape, slot))));
	}
	if (t == DYN_T_S || t == DYN_T_B)
		dyn_string(inner, &len);
	if ((t == DYN_T_S || t == DYN_T_B) && len == 0)
	{
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("empty value in the %s \"%s\" of DynamoDB table \"%s\"",
						what, name, shape->table),
				 errdetail("Failing row's key: %s.", awstore_row_key_text(shape, slot)),
				 errhint("DynamoDB key attributes cannot be empty strings or empty binaries.")));
	}
}

/*
 * The item of a row: JSON text of a map of AttributeValues, checked.
 * Sets *key_json to its Key and *key_text to the key for messages.  Only
 * the columns in attnums are used (all when NIL).  With key_override (a
 * Key), the key attributes come from it, whatever the row says.  With
 * item_size, sets it to the item's size as DynamoDB counts it.
 */
char *
awstore_build_item(AwItemShape *shape, TupleTableSlot *slot, List *attnums,
				   const char *key_override, char **key_json, char **key_text,
				   long *item_size)
{
	AwColumns  *cols = shape->columns;
	DynValue   *volatile document = NULL;
	DynValue   *volatile item = NULL;
	StringInfoData buf;
	char	   *volatile json;
	volatile long size = 0;
	volatile bool first = true;

	slot_getallattrs(slot);
	initStringInfo(&buf);

	/* the document is malloc'd (json-c): free it on any error */
	PG_TRY();
	{
		/* the document first: typed columns override its attributes */
		for (int i = 0; i < cols->ncolumns; i++)
		{
			AwColumn   *col = &cols->columns[i];

			if (col->dropped || col->kind == AW_COL_ATTRIBUTE || slot->tts_isnull[i])
				continue;
			if (attnums != NIL && !list_member_int(attnums, col->attnum))
				continue;
			if (document)
				dyn_value_free(document);	/* the last document column wins */
			document = NULL;
			document = aw_document_map(shape, col, slot->tts_values[i], slot);
		}

		appendStringInfoChar(&buf, '{');
		if (document)
		{
			DynObjectIter it;
			const char *name;
			DynValue   *av;

			dyn_object_iter_init(document, &it);
			while (dyn_object_iter_next(&it, &name, &av))
			{
				AwColumn   *col = awstore_find_attribute(cols, name);

				/* a typed column with a value takes the attribute over */
				if (col && !slot->tts_isnull[col->attnum - 1] &&
					(attnums == NIL || list_member_int(attnums, col->attnum)))
					continue;
				if (!first)
					appendStringInfoChar(&buf, ',');
				first = false;
				awstore_append_json_string(&buf, name, strlen(name));
				appendStringInfoChar(&buf, ':');
				appendStringInfoString(&buf, awstore_value_json(av));
			}
			dyn_value_free(document);
			document = NULL;
		}
	}
	PG_CATCH();
	{
		dyn_value_free(document);
		PG_RE_THROW();
	}
	PG_END_TRY();

	/* typed columns: palloc'd text only, nothing to free on an error */
	for (int i = 0; i < cols->ncolumns; i++)
	{
		AwColumn   *col = &cols->columns[i];

		if (col->dropped || col->kind != AW_COL_ATTRIBUTE)
			continue;
		if (attnums != NIL && !list_member_int(attnums, col->attnum))
			continue;
		if (slot->tts_isnull[i] && !col->null_as_null)
			continue;
		if (!first)
			appendStringInfoChar(&buf, ',');
		first = false;
		awstore_append_json_string(&buf, col->attname, strlen(col->attname));
		appendStringInfoChar(&buf, ':');
		if (slot->tts_isnull[i])
			appendStringInfoString(&buf, "{\"NULL\":true}");
		else
			aw_column_attr(shape, col, slot->tts_values[i], &buf, slot);
	}
	appendStringInfoChar(&buf, '}');
	json = buf.data;

	if (key_override)
	{
		/* the key attributes of key_override replace the row's */
		DynValue   *parsed = dyn_parse(json, strlen(json));
		DynValue   *key = dyn_parse(key_override, strlen(key_override));
		DynBuf		merged;
		DynObjectIter it;
		const char *name;
		DynValue   *av;
		bool		any = false;

		/* no PostgreSQL call while parsed and key are held */
		dynbuf_init(&merged);
		dynbuf_append_char(&merged, '{');
		dyn_object_iter_init(key, &it);
		while (dyn_object_iter_next(&it, &name, &av))
		{
			dynbuf_append_str(&merged, any ? "," : "");
			any = true;
			dynbuf_append_json_string(&merged, name, strlen(name));
			dynbuf_append_char(&merged, ':');
			dyn_to_json(av, &merged);
		}
		dyn_object_iter_init(parsed, &it);
		while (dyn_object_iter_next(&it, &name, &av))
		{
			if (dyn_get(key, name))
				continue;
			dynbuf_append_str(&merged, any ? "," : "");
			any = true;
			dynbuf_append_json_string(&merged, name, strlen(name));
			dynbuf_append_char(&merged, ':');
			dyn_to_json(av, &merged);
		}
		dynbuf_append_char(&merged, '}');
		dyn_value_free(parsed);
		dyn_value_free(key);
		json = awstore_dynbuf_pstrdup(&merged);
	}

	/* check it as DynamoDB will; item is malloc'd, freed on any error */
	item = dyn_parse(json, strlen(json));
	if (item == NULL)
		elog(ERROR, "awstore built an item that is not JSON");
	PG_TRY();
	{
		DynObjectIter it;
		const char *name;
		DynValue   *av;
		StringInfoData kb;

		/* every attribute as DynamoDB will check it, whichever column gave it */
		dyn_object_iter_init(item, &it);
		while (dyn_object_iter_next(&it, &name, &av))
		{
			char		path[256];
			const char *why;

			snprintf(path, sizeof(path), "%s", name);
			if (!dyn_attr_check(av, path, sizeof(path), &why))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("cannot write attribute \"%s\" to DynamoDB", path),
						 errdetail("Item %s of DynamoDB table \"%s\": attribute \"%s\" %s.",
								   awstore_item_key_text(item, shape->pk, shape->sk),
								   shape->table, path, why)));
		}
		aw_check_key(shape, item, shape->pk, shape->pk_type, "partition key", slot);
		if (shape->sk)
			aw_check_key(shape, item, shape->sk, shape->sk_type, "sort key", slot);
		size = dyn_item_size(item);

		initStringInfo(&kb);
		appendStringInfoChar(&kb, '{');
		awstore_append_json_string(&kb, shape->pk, strlen(shape->pk));
		appendStringInfoChar(&kb, ':');
		appendStringInfoString(&kb, awstore_value_json(dyn_get(item, shape->pk)));
		if (shape->sk)
		{
			appendStringInfoChar(&kb, ',');
			awstore_append_json_string(&kb, shape->sk, strlen(shape->sk));
			appendStringInfoChar(&kb, ':');
			appendStringInfoString(&kb, awstore_value_json(dyn_get(item, shape->sk)));
		}
		appendStringInfoChar(&kb, '}');
		*key_json = kb.data;
		*key_text = awstore_item_key_text(item, shape->pk, shape->sk);
	}
	PG_CATCH();
	{
		dyn_value_free(item);
		PG_RE_THROW();
	}
	PG_END_TRY();
	dyn_value_free(item);
	if (size > DYN_MAX_ITEM_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("item %s is too large for DynamoDB table \"%s\"", *key_text, shape->table),
				 errdetail("The item is %ld bytes as DynamoDB counts them; the limit is %d bytes (400 KB).",
						   size, DYN_MAX_ITEM_SIZE)));
	if (item_size)
		*item_size = size;
	return json;
}

/*
 * The Key of an item from key values (UPDATE and DELETE, which know the
 * key from the row they read).
 */
char *
awstore_build_key(AwItemShape *shape, Datum pk, Oid pk_typid, Datum sk, Oid sk_typid,
				  char **key_text)
{
	StringInfoData buf;
	const char *why;
	DynValue   *volatile key;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	awstore_append_json_string(&buf, shape->pk, strlen(shape->pk));
	appendStringInfoChar(&buf, ':');
	if (!awstore_datum_to_attr(pk, pk_typid, shape->pk_type, &buf, &why))
		elog(ERROR, "awstore: cannot render the partition key of a row read: %s", why);
	if (shape->sk)
	{
		appendStringInfoChar(&buf, ',');
		awstore_append_json_string(&buf, shape->sk, strlen(shape->sk));
		appendStringInfoChar(&buf, ':');
		if (!awstore_datum_to_attr(sk, sk_typid, shape->sk_type, &buf, &why))
			elog(ERROR, "awstore: cannot render the sort key of a row read: %s", why);
	}
	appendStringInfoChar(&buf, '}');
	key = dyn_parse(buf.data, buf.len);
	PG_TRY();
	{
		*key_text = key ? awstore_item_key_text(key, shape->pk, shape->sk) : pstrdup("(?)");
	}
	PG_FINALLY();
	{
		dyn_value_free(key);
	}
	PG_END_TRY();
	return buf.data;
}
