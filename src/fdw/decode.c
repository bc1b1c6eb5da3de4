/*-------------------------------------------------------------------------
 *
 * decode.c
 *		DynamoDB AttributeValues to PostgreSQL Datums, and items into slots.
 *
 * For a column of declared type T:
 *	- S goes through the column type's input function (any type); into a
 *	  json/jsonb column declared S it is parsed as JSON text, into an
 *	  undeclared json/jsonb column it becomes a JSON string;
 *	- N stays exact: numeric_in for numeric, an exact integer check for
 *	  int2/int4/int8 (1.5 in an integer column is an error, not 2), float
 *	  input for floats, the number text for text, a JSON number for jsonb;
 *	- B is base64-decoded into bytea; BOOL into boolean;
 *	- M and L become JSON (plain: nested sets as arrays, binaries as base64
 *	  strings); SS, NS, BS become arrays, or JSON arrays in json/jsonb;
 *	- NULL, or a missing attribute, is SQL NULL.
 * An attribute whose type is not the declared one is an error naming the
 * table, the item's key, the attribute and both types; the caller's error
 * context callback adds where it happened.
 *
 * Values are palloc'd in the current memory context; the item read stays
 * the caller's (malloc'd by the dynamo layer, freed by its holder), and
 * JSON text taken out of it is copied to palloc'd memory before anything
 * can raise an error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "fdw/fdw.h"

static void
aw_convert_error(AwConvertContext *ctx, DynType got, const char *why)
{
	AwColumn   *col = ctx->column;

	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("cannot convert DynamoDB attribute \"%s\" of type %s to column \"%s\" of type %s",
					col->attname, dyn_type_name(got), col->colname,
					format_type_with_typemod(col->typid, col->typmod)),
			 errdetail("Item %s of DynamoDB table \"%s\": %s",
					   awstore_item_key_text(ctx->item, ctx->partition_key, ctx->sort_key),
					   ctx->table, why),
			 col->atype_explicit ? 0 :
			 errhint("Set the column's attribute_type, or read the attribute into a jsonb column.")));
}

/*
 * Does a date or time text use a word whose value depends on when it is
 * read ('now', 'today', 'tomorrow', 'yesterday')?  The type's input
 * function would take it as a different instant every day.  'epoch' and
 * 'infinity' are fixed and fine.
 */
static bool
aw_relative_datetime(const char *text)
{
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;

	if (ParseDateTime(text, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) != 0)
		return false;			/* the input function reports the error */
	for (int i = 0; i < nf; i++)
		if (ftype[i] == DTK_STRING &&
			(strcmp(field[i], "now") == 0 || strcmp(field[i], "today") == 0 ||
			 strcmp(field[i], "tomorrow") == 0 || strcmp(field[i], "yesterday") == 0))
			return true;
	return false;
}

/*
 * A value of typid from its text, through the type's input function.  The
 * date and time types refuse the words whose value changes with the day.
 */
static Datum
aw_input(AwConvertContext *ctx, DynType t, Oid typid, int32 typmod, const char *text)
{
	Oid			infunc;
	Oid			ioparam;

	if ((typid == DATEOID || typid == TIMESTAMPOID || typid == TIMESTAMPTZOID ||
		 typid == TIMEOID || typid == TIMETZOID) && aw_relative_datetime(text))
		aw_convert_error(ctx, t,
						 psprintf("\"%s\" means a different time on every read; "
								  "DynamoDB should hold the date or time itself", text));
	if (typid == TEXTOID)
		return PointerGetDatum(cstring_to_text(text));
	getTypeInputInfo(typid, &infunc, &ioparam);
	return OidInputFunctionCall(infunc, unconstify(char *, text), ioparam, typmod);
}

/* A string that PostgreSQL text can hold (no NUL byte). */
static const char *
aw_text_of(AwConvertContext *ctx, DynValue *inner, DynType t)
{
	size_t		len;
	const char *s = dyn_string(inner, &len);

	if (memchr(s, '\0', len) != NULL)
		aw_convert_error(ctx, t, "the string contains a NUL character, which PostgreSQL text cannot hold");
	return s;
}

static int
cmp_numerics(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

/* An integer N, exactly: "1.5" or "1e400" is an error, "1.0" is 1. */
static int64
aw_number_to_int64(AwConvertContext *ctx, const char *s, int64 min, int64 max)
{
	Numeric		num;
	Numeric		trunc;

	num = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
											  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	trunc = DatumGetNumeric(DirectFunctionCall2(numeric_trunc, NumericGetDatum(num),
												Int32GetDatum(0)));
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(num),
										  NumericGetDatum(trunc))))
		aw_convert_error(ctx, DYN_T_N, psprintf("%s is not an integer", s));
	if (cmp_numerics(num, int64_to_numeric(min)) < 0 ||
		cmp_numerics(num, int64_to_numeric(max)) > 0)
		aw_convert_error(ctx, DYN_T_N,
						 psprintf("%s is out of range for type %s", s,
								  format_type_be(ctx->column->typid)));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(num)));
}

static Datum
aw_jsonb_from_text(Oid typid, const char *json)
{
	if (typid == JSONOID)
		return DirectFunctionCall1(json_in, CStringGetDatum(json));
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

static Datum
aw_plain_json_datum(AwConvertContext *ctx, DynValue *av, DynType t, Oid typid)
{
	DynBuf		buf;
	Datum		d;
	char	   *text;

	dynbuf_init(&buf);
	if (!dyn_attr_to_plain_json(av, &buf) || buf.oom)
	{
		dynbuf_free(&buf);
		aw_convert_error(ctx, t, "the value is not a well-formed AttributeValue");
	}
	/* copy out of malloc'd memory before anything can raise an error */
	text = awstore_dynbuf_pstrdup(&buf);
	if (typid == JSONOID || typid == JSONBOID)
		d = aw_jsonb_from_text(typid, text);
	else
		d = aw_input(ctx, t, typid, -1, text);
	pfree(text);
	return d;
}

static Datum
aw_bytea_from_base64(AwConvertContext *ctx, DynType t, const char *b64)
{
	int			len = (int) strlen(b64);
	int			maxlen = pg_b64_dec_len(len);
	bytea	   *result = palloc(VARHDRSZ + maxlen);
	int			n = pg_b64_decode(b64, len, VARDATA(result), maxlen);

	if (n < 0)
		aw_convert_error(ctx, t, "the binary value is not valid base64");
	SET_VARSIZE(result, VARHDRSZ + n);
	return PointerGetDatum(result);
}

/* One scalar (element of a set or list) into a Datum of typid. */
static Datum
aw_scalar_to_datum(AwConvertContext *ctx, DynValue *av_inner, DynType t, Oid typid,
				   int32 typmod)
{
	const char *s;

	switch (t)
	{
		case DYN_T_S:
			return aw_input(ctx, t, typid, typmod, aw_text_of(ctx, av_inner, t));
		case DYN_T_N:
			s = dyn_string(av_inner, NULL);
			switch (typid)
			{
				case INT2OID:
					return Int16GetDatum((int16) aw_number_to_int64(ctx, s, PG_INT16_MIN, PG_INT16_MAX));
				case INT4OID:
					return Int32GetDatum((int32) aw_number_to_int64(ctx, s, PG_INT32_MIN, PG_INT32_MAX));
				case INT8OID:
					return Int64GetDatum(aw_number_to_int64(ctx, s, PG_INT64_MIN, PG_INT64_MAX));
				case OIDOID:
					return ObjectIdGetDatum((Oid) aw_number_to_int64(ctx, s, 0, PG_UINT32_MAX));
				default:
					return aw_input(ctx, t, typid, typmod, s);
			}
		case DYN_T_B:
			if (typid == BYTEAOID)
				return aw_bytea_from_base64(ctx, t, dyn_string(av_inner, NULL));
			return aw_input(ctx, t, typid, typmod, dyn_string(av_inner, NULL));
		case DYN_T_BOOL:
			if (typid == BOOLOID)
				return BoolGetDatum(dyn_boolean(av_inner));
			return aw_input(ctx, t, typid, typmod, dyn_boolean(av_inner) ? "true" : "false");
		default:
			aw_convert_error(ctx, t, "a nested value cannot go into an array element");
	}
	return (Datum) 0;
}

/* A set, or a list of scalars, into an array column. */
static Datum
aw_array_to_datum(AwConvertContext *ctx, DynValue *inner, DynType t)
{
	AwColumn   *col = ctx->column;
	int			n = dyn_array_length(inner);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc0(sizeof(bool) * Max(n, 1));
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	int			dims[1];
	int			lbs[1] = {1};

	get_typlenbyvalalign(col->elemtypid, &elmlen, &elmbyval, &elmalign);
	for (int i = 0; i < n; i++)
	{
		DynValue   *v = dyn_array_get(inner, i);

		if (t == DYN_T_L)
		{
			DynValue   *einner;
			DynType		et = dyn_attr(v, &einner);

			if (et == DYN_T_NULL)
				nulls[i] = true;
			else if (et == DYN_T_INVALID)
				aw_convert_error(ctx, t, "a list element is not a well-formed AttributeValue");
			else
				elems[i] = aw_scalar_to_datum(ctx, einner, et, col->elemtypid, -1);
		}
		else
			elems[i] = aw_scalar_to_datum(ctx, v, t == DYN_T_NS ? DYN_T_N :
										  t == DYN_T_BS ? DYN_T_B : DYN_T_S,
										  col->elemtypid, -1);
	}
	dims[0] = n;
	if (n == 0)
		return PointerGetDatum(construct_empty_array(col->elemtypid));
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, col->elemtypid,
											  elmlen, elmbyval, elmalign));
}

/*
 * The Datum for column col of an item whose attribute is av (NULL when the
 * item lacks it).
 */
Datum
awstore_attr_to_datum(AwColumn *col, DynValue *av, bool *isnull, AwConvertContext *ctx)
{
	DynValue   *inner;
	DynType		t;
	Oid			typid = col->typid;
	bool		json = typid == JSONBOID || typid == JSONOID;

	*isnull = false;
	ctx->column = col;
	if (av == NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}
	t = dyn_attr(av, &inner);
	if (t == DYN_T_INVALID)
		aw_convert_error(ctx, t, "the value is not a well-formed AttributeValue");
	if (t == DYN_T_NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}
	if (col->atype != AW_TYPE_ANY && t != col->atype)
		aw_convert_error(ctx, t, psprintf("the column holds DynamoDB type %s",
										  dyn_type_name(col->atype)));

	switch (t)
	{
		case DYN_T_S:
			if (json && col->atype == AW_TYPE_ANY)
				return aw_plain_json_datum(ctx, av, t, typid);	/* a JSON string */
			if (json)
				return aw_jsonb_from_text(typid, aw_text_of(ctx, inner, t));
			return aw_input(ctx, t, typid, col->typmod, aw_text_of(ctx, inner, t));
		case DYN_T_N:
		case DYN_T_BOOL:
			if (json)
				return aw_plain_json_datum(ctx, av, t, typid);
			return aw_scalar_to_datum(ctx, inner, t, typid, col->typmod);
		case DYN_T_B:
			if (json)
				return aw_plain_json_datum(ctx, av, t, typid);
			return aw_bytea_from_base64(ctx, t, dyn_string(inner, NULL));
		case DYN_T_L:
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			if (OidIsValid(col->elemtypid))
				return aw_array_to_datum(ctx, inner, t);
			return aw_plain_json_datum(ctx, av, t, typid);
		case DYN_T_M:
			return aw_plain_json_datum(ctx, av, t, typid);
		default:
			break;
	}
	aw_convert_error(ctx, t, "unsupported type");
	return (Datum) 0;
}

/* A whole item into a document column. */
Datum
awstore_item_to_datum(AwColumn *col, DynValue *item)
{
	DynBuf		buf;
	char	   *text;
	Datum		d;

	dynbuf_init(&buf);
	if (col->kind == AW_COL_DOCUMENT_TYPED)
		dyn_to_json(item, &buf);
	else if (!dyn_item_to_plain_json(item, &buf))
	{
		dynbuf_free(&buf);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("DynamoDB returned an item that is not well-formed")));
	}
	text = awstore_dynbuf_pstrdup(&buf);
	d = aw_jsonb_from_text(col->typid, text);
	pfree(text);
	return d;
}

void
awstore_fill_slot(TupleTableSlot *slot, AwColumns *cols, List *attnums, DynValue *item,
				  AwConvertContext *ctx)
{
	int			natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * natts);
	ctx->item = item;
	for (int i = 0; i < cols->ncolumns && i < natts; i++)
	{
		AwColumn   *col = &cols->columns[i];

		if (col->dropped || (attnums != NIL && !list_member_int(attnums, col->attnum)))
			continue;
		ctx->column = col;
		if (col->kind == AW_COL_ATTRIBUTE)
			slot->tts_values[i] = awstore_attr_to_datum(col, dyn_get(item, col->attname),
														&slot->tts_isnull[i], ctx);
		else
		{
			slot->tts_values[i] = awstore_item_to_datum(col, item);
			slot->tts_isnull[i] = false;
		}
	}
	ctx->column = NULL;
	ctx->item = NULL;
	ExecStoreVirtualTuple(slot);
}
