/*-------------------------------------------------------------------------
 *
 * columns.c
 *		How the columns of a foreign table map to DynamoDB attributes.
 *
 * A column holds one attribute (attribute_name, default the column name)
 * of a declared DynamoDB type (attribute_type, default chosen from the
 * column type), or, with the option document, the whole item as JSON.
 *
 * The declared type is a contract: reading an attribute of another type is
 * an error rather than a silent conversion, which is what lets the planner
 * hand comparisons on the column to DynamoDB with the same result as
 * PostgreSQL.  A json or jsonb column without attribute_type takes any
 * type, each as its JSON counterpart.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "fdw/fdw.h"

static bool
aw_is_json_type(Oid typid)
{
	return typid == JSONBOID || typid == JSONOID;
}

static bool
aw_is_number_type(Oid typid)
{
	return typid == INT2OID || typid == INT4OID || typid == INT8OID ||
		typid == NUMERICOID || typid == FLOAT4OID || typid == FLOAT8OID ||
		typid == OIDOID;
}

static bool
aw_is_text_type(Oid typid)
{
	return typid == TEXTOID || typid == VARCHAROID || typid == BPCHAROID ||
		typid == NAMEOID;
}

/*
 * The DynamoDB type a column of this PostgreSQL type holds unless its
 * attribute_type says otherwise.  AW_TYPE_ANY for json and jsonb.
 */
DynType
awstore_default_attribute_type(Oid typid)
{
	Oid			elem;

	if (aw_is_json_type(typid))
		return AW_TYPE_ANY;
	if (aw_is_number_type(typid))
		return DYN_T_N;
	if (typid == BOOLOID)
		return DYN_T_BOOL;
	if (typid == BYTEAOID)
		return DYN_T_B;
	elem = get_element_type(typid);
	if (OidIsValid(elem))
	{
		if (aw_is_number_type(elem))
			return DYN_T_NS;
		if (elem == BYTEAOID)
			return DYN_T_BS;
		if (elem == BOOLOID || aw_is_json_type(elem))
			return DYN_T_L;
		return DYN_T_SS;
	}
	return DYN_T_S;
}

/*
 * Raises an error when a column's type cannot hold its attribute_type.
 */
void
awstore_check_column_type(Relation rel, AwColumn *col)
{
	Oid			t = col->typid;
	bool		ok;

	if (col->kind != AW_COL_ATTRIBUTE)
	{
		if (!aw_is_json_type(t))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("document column \"%s\" of foreign table \"%s\" must be of type jsonb or json",
							col->colname, RelationGetRelationName(rel))));
		return;
	}
	switch (col->atype)
	{
		case DYN_T_S:
			ok = true;			/* through the type's input and output functions */
			break;
		case DYN_T_N:
			ok = aw_is_number_type(t) || aw_is_text_type(t) || aw_is_json_type(t);
			break;
		case DYN_T_B:
			ok = t == BYTEAOID;
			break;
		case DYN_T_BOOL:
			ok = t == BOOLOID || aw_is_text_type(t) || aw_is_json_type(t);
			break;
		case DYN_T_M:
			ok = aw_is_json_type(t) || aw_is_text_type(t);
			break;
		case DYN_T_L:
			ok = aw_is_json_type(t) || aw_is_text_type(t) || OidIsValid(col->elemtypid);
			break;
		case DYN_T_SS:
			ok = aw_is_json_type(t) || OidIsValid(col->elemtypid);
			break;
		case DYN_T_NS:
			ok = aw_is_json_type(t) ||
				(OidIsValid(col->elemtypid) &&
				 (aw_is_number_type(col->elemtypid) || aw_is_text_type(col->elemtypid)));
			break;
		case DYN_T_BS:
			ok = aw_is_json_type(t) || col->elemtypid == BYTEAOID;
			break;
		default:
			ok = aw_is_json_type(t);	/* AW_TYPE_ANY */
			break;
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of foreign table \"%s\" has type %s, which cannot hold DynamoDB type %s",
						col->colname, RelationGetRelationName(rel),
						format_type_with_typemod(t, col->typmod), dyn_type_name(col->atype)),
				 errhint("Change the column's type or its attribute_type option.")));
}

/*
 * The column mapping of a foreign table, checked.
 */
AwColumns *
awstore_get_columns(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	AwColumns  *cols = palloc0(sizeof(AwColumns));

	cols->ncolumns = tupdesc->natts;
	cols->columns = palloc0(sizeof(AwColumn) * Max(tupdesc->natts, 1));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		AwColumn   *col = &cols->columns[i];
		ListCell   *lc;

		col->attnum = att->attnum;
		col->dropped = att->attisdropped;
		if (col->dropped)
			continue;
		col->colname = pstrdup(NameStr(att->attname));
		col->attname = col->colname;
		col->kind = AW_COL_ATTRIBUTE;
		col->typid = att->atttypid;
		col->typmod = att->atttypmod;
		col->collid = att->attcollation;
		col->elemtypid = get_element_type(att->atttypid);
		col->atype = awstore_default_attribute_type(att->atttypid);

		foreach(lc, GetForeignColumnOptions(RelationGetRelid(rel), att->attnum))
		{
			DefElem    *def = lfirst_node(DefElem, lc);
			const char *value = defGetString(def);

			if (strcmp(def->defname, "attribute_name") == 0)
				col->attname = pstrdup(value);
			else if (strcmp(def->defname, "attribute_type") == 0)
			{
				col->atype = dyn_type_from_name(value);
				col->atype_explicit = true;
			}
			else if (strcmp(def->defname, "document") == 0)
				col->kind = strcmp(value, "dynamodb") == 0 ?
					AW_COL_DOCUMENT_TYPED : AW_COL_DOCUMENT_PLAIN;
			else if (strcmp(def->defname, "null_as") == 0)
				col->null_as_null = strcmp(value, "null") == 0;
		}
		awstore_check_column_type(rel, col);
	}
	return cols;
}

/*
 * Key columns without an attribute_type take the type of the key they
 * hold, when their column type can hold it: a text column on a numeric
 * key reads and writes N.  Comparisons stay local for such columns (see
 * awstore_type_comparable), so nothing changes meaning.
 */
void
awstore_columns_use_key_types(AwColumns *cols, const char *pk, DynType pk_type,
							  const char *sk, DynType sk_type)
{
	for (int i = 0; i < cols->ncolumns; i++)
	{
		AwColumn   *col = &cols->columns[i];
		DynType		key_type;
		Oid			t = col->typid;

		if (col->dropped || col->kind != AW_COL_ATTRIBUTE || col->atype_explicit)
			continue;
		if (strcmp(col->attname, pk) == 0)
			key_type = pk_type;
		else if (sk && strcmp(col->attname, sk) == 0)
			key_type = sk_type;
		else
			continue;
		if (col->atype == key_type ||
			(col->atype != DYN_T_S && col->atype != DYN_T_N && col->atype != DYN_T_B))
			continue;
		if (key_type == DYN_T_S ||
			(key_type == DYN_T_N && (aw_is_number_type(t) || aw_is_text_type(t))) ||
			(key_type == DYN_T_B && t == BYTEAOID))
			col->atype = key_type;
	}
}

/* The attribute column named attname, or NULL. */
AwColumn *
awstore_find_attribute(AwColumns *cols, const char *attname)
{
	for (int i = 0; i < cols->ncolumns; i++)
	{
		AwColumn   *col = &cols->columns[i];

		if (!col->dropped && col->kind == AW_COL_ATTRIBUTE &&
			strcmp(col->attname, attname) == 0)
			return col;
	}
	return NULL;
}
