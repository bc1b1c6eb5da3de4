/*-------------------------------------------------------------------------
 *
 * convert.c
 *		DynamoDB AttributeValues to PostgreSQL Datums and back.
 *
 * Reading (AttributeValue → Datum), for a column of declared type T:
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
 * Writing (Datum → AttributeValue) renders exactly: numbers as decimal text
 * (floats as the shortest text that reads back as the same float; NaN,
 * infinities and values beyond DynamoDB's 38 digits refused), bytea
 * as base64, date and time types in ISO 8601 (XSD form, independent of
 * DateStyle), jsonb by its own structure.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/shortest_dec.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "dynamo/jsoncheck.h"
#include "fdw/fdw.h"

/* ---------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------
 */

/*
 * A DynBuf's text, palloc'd in the current context, and the buffer freed.
 * A buffer that ran out of memory is an error: its text is incomplete.
 */
char *
awstore_dynbuf_pstrdup(DynBuf *buf)
{
	char	   *text;

	if (buf->oom)
	{
		dynbuf_free(buf);
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	/* no error may come while the buffer is held: it would be lost */
	text = MemoryContextAllocExtended(CurrentMemoryContext, buf->len + 1, MCXT_ALLOC_NO_OOM);
	if (text != NULL)
	{
		if (buf->len > 0)
			memcpy(text, buf->data, buf->len);
		text[buf->len] = '\0';
	}
	dynbuf_free(buf);
	if (text == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return text;
}

/*
 * Appends s (len bytes, UTF-8) to out as a JSON string literal, quotes
 * included; escapes as dynbuf_append_json_string does (dyn_json_escape).
 */
void
awstore_append_json_string(StringInfo out, const char *s, size_t len)
{
	size_t		start = 0;

	appendStringInfoCharMacro(out, '"');
	for (size_t i = 0; i < len; i++)
	{
		char		u[7];
		const char *esc = dyn_json_escape((unsigned char) s[i], u);

		if (esc)
		{
			appendBinaryStringInfo(out, s + start, (int) (i - start));
			appendStringInfoString(out, esc);
			start = i + 1;
		}
	}
	appendBinaryStringInfo(out, s + start, (int) (len - start));
	appendStringInfoCharMacro(out, '"');
}

/*
 * A value of a DynamoDB answer (a LastEvaluatedKey, UnprocessedItems, a
 * Table description) as JSON text, palloc'd: to send back, or to show.
 */
char *
awstore_value_json(DynValue *v)
{
	DynBuf		buf;

	dynbuf_init(&buf);
	dyn_to_json(v, &buf);
	return awstore_dynbuf_pstrdup(&buf);
}

/* A string as a JSON string literal (quoted, escaped), palloc'd. */
char *
awstore_json_string(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	awstore_append_json_string(&buf, s, strlen(s));
	return buf.data;
}

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

/* ---------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------
 */

/*
 * Is a decimal number (plain notation, as numeric_normalize writes it)
 * within what DynamoDB stores: at most 38 significant digits, magnitude
 * from 1E-130 to below 1E+126?
 */
static bool
aw_number_fits(const char *s, const char **why)
{
	const char *p = s;
	int			int_digits = 0;
	int			first_sig = -1;	/* position of the first nonzero digit */
	int			last_sig = -1;
	int			pos = 0;
	int			exp10;

	if (*p == '-')
		p++;
	for (; *p; p++)
	{
		if (*p == '.')
			continue;
		if (*p < '0' || *p > '9')
		{
			*why = "not a decimal number";
			return false;
		}
		if (*p != '0')
		{
			if (first_sig < 0)
				first_sig = pos;
			last_sig = pos;
		}
		pos++;
	}
	for (p = (*s == '-') ? s + 1 : s; *p && *p != '.'; p++)
		int_digits++;
	if (first_sig < 0)
		return true;			/* zero */
	if (last_sig - first_sig + 1 > 38)
	{
		*why = "DynamoDB numbers have at most 38 significant digits";
		return false;
	}
	exp10 = int_digits - 1 - first_sig;
	if (exp10 > 125 || exp10 < -130)
	{
		*why = "DynamoDB numbers range from 1E-130 to 9.99E+125 in magnitude";
		return false;
	}
	return true;
}

static void
aw_append_typed(StringInfo buf, const char *type, const char *s, size_t len)
{
	appendStringInfo(buf, "{\"%s\":", type);
	awstore_append_json_string(buf, s, len);
	appendStringInfoChar(buf, '}');
}

/* A number Datum as decimal text, or NULL with *why. */
/* Number syntax as DynamoDB takes it: -12.5, .5, 1E+10; no spaces. */
static bool
aw_is_number_syntax(const char *s)
{
	bool		digits = false;

	if (*s == '+' || *s == '-')
		s++;
	for (; isdigit((unsigned char) *s); s++)
		digits = true;
	if (*s == '.')
		for (s++; isdigit((unsigned char) *s); s++)
			digits = true;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E')
	{
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char) *s))
			return false;
		while (isdigit((unsigned char) *s))
			s++;
	}
	return *s == '\0';
}

static char *
aw_number_text(Datum value, Oid typid, const char **why)
{
	char	   *s;

	switch (typid)
	{
		case INT2OID:
			return psprintf("%d", (int) DatumGetInt16(value));
		case INT4OID:
			return psprintf("%d", DatumGetInt32(value));
		case INT8OID:
			return psprintf(INT64_FORMAT, DatumGetInt64(value));
		case OIDOID:
			return psprintf("%u", DatumGetObjectId(value));
		case FLOAT4OID:
		case FLOAT8OID:
			{
				double		d = typid == FLOAT4OID ? (double) DatumGetFloat4(value) : DatumGetFloat8(value);

				char		shortest[DOUBLE_SHORTEST_DECIMAL_LEN];

				if (isnan(d) || isinf(d))
				{
					*why = "DynamoDB numbers cannot be NaN or infinite";
					return NULL;
				}

				/*
				 * The shortest decimal that reads back as the same float, as
				 * float8out writes it with extra_float_digits > 0: 0.1 + 0.2
				 * is 0.30000000000000004, and 0.1::real is 0.1.  numeric_in
				 * takes it exactly, to plain notation below.
				 */
				if (typid == FLOAT4OID)
					float_to_shortest_decimal_buf(DatumGetFloat4(value), shortest);
				else
					double_to_shortest_decimal_buf(d, shortest);
				value = DirectFunctionCall3(numeric_in, CStringGetDatum(shortest),
											ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
			}
			/* FALLTHROUGH */
		case NUMERICOID:
			{
				Numeric		num = DatumGetNumeric(value);

				if (numeric_is_nan(num) || numeric_is_inf(num))
				{
					*why = "DynamoDB numbers cannot be NaN or infinite";
					return NULL;
				}
				s = numeric_normalize(num);
				if (!aw_number_fits(s, why))
					return NULL;
				return s;
			}
		default:
			{
				Oid			outfunc;
				bool		isvarlena;
				Datum		num;

				/* text holding a number: validate through numeric */
				getTypeOutputInfo(typid, &outfunc, &isvarlena);
				s = OidOutputFunctionCall(outfunc, value);
				if (!aw_is_number_syntax(s))
				{
					*why = psprintf("\"%s\" is not a number", s);
					return NULL;
				}
				num = DirectFunctionCall3(numeric_in, CStringGetDatum(s),
										  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
				return aw_number_text(num, NUMERICOID, why);
			}
	}
}

/* Date and time types in ISO 8601 (XSD form), whatever DateStyle says. */
static char *
aw_datetime_text(Datum value, Oid typid)
{
	struct pg_tm tt;
	fsec_t		fsec;
	int			tz;
	const char *tzn;
	char		buf[MAXDATELEN + 1];

	switch (typid)
	{
		case TIMESTAMPOID:
			if (TIMESTAMP_NOT_FINITE(DatumGetTimestamp(value)))
				break;
			if (timestamp2tm(DatumGetTimestamp(value), NULL, &tt, &fsec, NULL, NULL) != 0)
				break;
			EncodeDateTime(&tt, fsec, false, 0, NULL, USE_XSD_DATES, buf);
			return pstrdup(buf);
		case TIMESTAMPTZOID:
			if (TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(value)))
				break;
			if (timestamp2tm(DatumGetTimestampTz(value), &tz, &tt, &fsec, &tzn, NULL) != 0)
				break;
			EncodeDateTime(&tt, fsec, true, tz, tzn, USE_XSD_DATES, buf);
			return pstrdup(buf);
		case DATEOID:
			if (DATE_NOT_FINITE(DatumGetDateADT(value)))
				break;
			j2date(DatumGetDateADT(value) + POSTGRES_EPOCH_JDATE,
				   &tt.tm_year, &tt.tm_mon, &tt.tm_mday);
			EncodeDateOnly(&tt, USE_XSD_DATES, buf);
			return pstrdup(buf);
		default:
			break;
	}
	return NULL;				/* infinities and other types: output function */
}

/* Any Datum as text: ISO 8601 for dates and times, else its output function. */
static char *
aw_datum_text(Datum value, Oid typid)
{
	char	   *s = aw_datetime_text(value, typid);
	Oid			outfunc;
	bool		isvarlena;

	if (s)
		return s;
	if (typid == TEXTOID || typid == VARCHAROID || typid == BPCHAROID)
		return TextDatumGetCString(value);
	getTypeOutputInfo(typid, &outfunc, &isvarlena);
	return OidOutputFunctionCall(outfunc, value);
}

/*
 * The text of a scalar AttributeValue of type atype (S, N or B) for value,
 * palloc'd: what goes in {"S": …}, or bare in a set.  NULL, with *why, when
 * DynamoDB cannot hold the value exactly.
 */
static char *
aw_scalar_text(Datum value, Oid typid, DynType atype, const char **why)
{
	switch (atype)
	{
		case DYN_T_N:
			return aw_number_text(value, typid, why);
		case DYN_T_B:
			{
				bytea	   *b = DatumGetByteaPP(value);
				int			len = VARSIZE_ANY_EXHDR(b);
				int			enclen = pg_b64_enc_len(len);
				char	   *enc = palloc(enclen + 1);
				int			n = pg_b64_encode(VARDATA_ANY(b), len, enc, enclen);

				if (n < 0)
				{
					*why = "could not encode base64";
					return NULL;
				}
				enc[n] = '\0';
				return enc;
			}
		case DYN_T_S:
			if (typid == JSONBOID)
				return JsonbToCString(NULL, &DatumGetJsonbP(value)->root,
									  VARSIZE(DatumGetJsonbP(value)));
			return aw_datum_text(value, typid);
		default:
			break;
	}
	*why = psprintf("type %s cannot be sent as DynamoDB type %s",
					format_type_be(typid), dyn_type_name(atype));
	return NULL;
}

static bool
aw_jsonb_value_to_attr(JsonbValue *v, StringInfo buf, int level, const char **why);

/*
 * Walks a jsonb object or array into M or L.  Nested containers arrive as
 * binary values (skipNested) and recurse through aw_jsonb_value_to_attr.
 * level counts the containers from the attribute's own (1) to this one; a
 * whole item's object is level 0.  Past DynamoDB's 31 within an attribute
 * (32 with the item) the value is refused, and the JSON text built stays
 * within what the JSON parser takes.
 */
static bool
aw_jsonb_container_to_attr(JsonbContainer *container, StringInfo buf, int level,
						   const char **why)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		first = true;

	if (level > DYN_MAX_ATTR_NESTING)
	{
		*why = "the value nests deeper than DynamoDB's 32 levels (the item and 31 inside it)";
		return false;
	}
	check_stack_depth();
	it = JsonbIteratorInit(container);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_OBJECT:
				appendStringInfoString(buf, "{\"M\":{");
				break;
			case WJB_BEGIN_ARRAY:
				appendStringInfoString(buf, "{\"L\":[");
				break;
			case WJB_KEY:
				if (!first)
					appendStringInfoChar(buf, ',');
				first = false;
				awstore_append_json_string(buf, v.val.string.val, v.val.string.len);
				appendStringInfoChar(buf, ':');
				break;
			case WJB_ELEM:
				if (!first)
					appendStringInfoChar(buf, ',');
				first = false;
				/* FALLTHROUGH */
			case WJB_VALUE:
				if (!aw_jsonb_value_to_attr(&v, buf, level, why))
					return false;
				break;
			case WJB_END_OBJECT:
				appendStringInfoString(buf, "}}");
				break;
			case WJB_END_ARRAY:
				appendStringInfoString(buf, "]}");
				break;
			default:
				break;
		}
	}
	return true;
}

static bool
aw_jsonb_value_to_attr(JsonbValue *v, StringInfo buf, int level, const char **why)
{
	char	   *s;

	switch (v->type)
	{
		case jbvNull:
			appendStringInfoString(buf, "{\"NULL\":true}");
			return true;
		case jbvBool:
			appendStringInfoString(buf, v->val.boolean ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
			return true;
		case jbvString:
			aw_append_typed(buf, "S", v->val.string.val, v->val.string.len);
			return true;
		case jbvNumeric:
			s = aw_number_text(NumericGetDatum(v->val.numeric), NUMERICOID, why);
			if (s == NULL)
				return false;
			aw_append_typed(buf, "N", s, strlen(s));
			return true;
		case jbvBinary:
			return aw_jsonb_container_to_attr(v->val.binary.data, buf, level + 1, why);
		default:
			*why = "unexpected jsonb value";
			return false;
	}
}

/*
 * An array into SS, NS, BS (non-empty, no NULL, no duplicates: DynamoDB
 * refuses those) or L (any elements, NULL as {"NULL": true}).
 */
static bool
aw_array_to_attr(Datum value, DynType atype, StringInfo buf, const char **why)
{
	ArrayType  *arr = DatumGetArrayTypeP(value);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	DynType		elem_atype;
	char	  **texts;

	/* reading gives a one-dimensional array from 1: nothing else round-trips */
	if (ARR_NDIM(arr) > 1)
	{
		*why = psprintf("a %d-dimensional array cannot be written: DynamoDB sets and lists "
						"read back as one-dimensional arrays", ARR_NDIM(arr));
		return false;
	}
	if (ARR_NDIM(arr) == 1 && ARR_LBOUND(arr)[0] != 1)
	{
		*why = psprintf("an array with lower bound %d cannot be written: DynamoDB sets and "
						"lists read back as arrays from 1", ARR_LBOUND(arr)[0]);
		return false;
	}
	get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
	deconstruct_array(arr, elemtype, elmlen, elmbyval, elmalign, &elems, &nulls, &n);
	if (atype != DYN_T_L && n == 0)
	{
		*why = "a DynamoDB set cannot be empty";
		return false;
	}
	elem_atype = atype == DYN_T_SS ? DYN_T_S : atype == DYN_T_NS ? DYN_T_N :
		atype == DYN_T_BS ? DYN_T_B : awstore_default_attribute_type(elemtype);
	texts = palloc0(sizeof(char *) * Max(n, 1));
	appendStringInfo(buf, "{\"%s\":[", dyn_type_name(atype));
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(buf, ',');
		if (nulls[i])
		{
			if (atype != DYN_T_L)
			{
				*why = "a DynamoDB set cannot contain NULL";
				return false;
			}
			appendStringInfoString(buf, "{\"NULL\":true}");
			continue;
		}
		if (atype == DYN_T_L)
		{
			if (!awstore_datum_to_attr(elems[i], elemtype, elem_atype, buf, why))
				return false;
			continue;
		}
		/* a set holds the bare strings: {"SS": ["a", "b"]} */
		texts[i] = aw_scalar_text(elems[i], elemtype, elem_atype, why);
		if (texts[i] == NULL)
			return false;
		if (atype == DYN_T_SS && texts[i][0] == '\0')
		{
			*why = "a DynamoDB string set cannot contain an empty string";
			return false;
		}
		awstore_append_json_string(buf, texts[i], strlen(texts[i]));
	}
	if (atype != DYN_T_L && n > 1)
	{
		qsort(texts, n, sizeof(char *), pg_qsort_strcmp);
		for (int i = 1; i < n; i++)
			if (strcmp(texts[i - 1], texts[i]) == 0)
			{
				*why = "a DynamoDB set cannot contain duplicates";
				return false;
			}
	}
	appendStringInfoString(buf, "]}");
	return true;
}

/*
 * Renders value (of type typid) as an AttributeValue of type atype into buf.
 * AW_TYPE_ANY on json/jsonb follows the JSON value's own type.  Returns
 * false, with *why, when DynamoDB cannot hold the value exactly.
 */
static bool
aw_datum_to_attr(Datum value, Oid typid, DynType atype, StringInfo buf, const char **why,
				 int root_level)
{
	char	   *s;

	*why = NULL;
	switch (atype)
	{
		case DYN_T_N:
		case DYN_T_B:
		case DYN_T_S:
			s = aw_scalar_text(value, typid, atype, why);
			if (s == NULL)
				return false;
			aw_append_typed(buf, dyn_type_name(atype), s, strlen(s));
			return true;
		case DYN_T_BOOL:
			if (typid == BOOLOID)
				appendStringInfoString(buf, DatumGetBool(value) ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
			else
			{
				bool		b;

				if (!parse_bool(aw_datum_text(value, typid), &b))
				{
					*why = "not a boolean";
					return false;
				}
				appendStringInfoString(buf, b ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
			}
			return true;
		default:
			break;
	}
	if (OidIsValid(get_element_type(typid)) &&
		(atype == DYN_T_SS || atype == DYN_T_NS || atype == DYN_T_BS || atype == DYN_T_L))
		return aw_array_to_attr(value, atype, buf, why);
	if ((typid == TEXTOID || typid == VARCHAROID) && (atype == DYN_T_M || atype == DYN_T_L))
	{
		/* JSON text in a text column */
		value = DirectFunctionCall1(jsonb_in, CStringGetDatum(TextDatumGetCString(value)));
		typid = JSONBOID;
	}
	if (typid == JSONBOID || typid == JSONOID)
	{
		Jsonb	   *jb;
		JsonbValue	v;

		if (typid == JSONOID)
			value = DirectFunctionCall1(jsonb_in, CStringGetDatum(TextDatumGetCString(value)));
		jb = DatumGetJsonbP(value);
		if (JB_ROOT_IS_SCALAR(jb))
		{
			if (!JsonbExtractScalar(&jb->root, &v))
			{
				*why = "unexpected jsonb scalar";
				return false;
			}
			return aw_jsonb_value_to_attr(&v, buf, 0, why);
		}
		return aw_jsonb_container_to_attr(&jb->root, buf, root_level, why);
	}
	*why = psprintf("type %s cannot be sent as DynamoDB type %s",
					format_type_be(typid), dyn_type_name(atype));
	return false;
}

bool
awstore_datum_to_attr(Datum value, Oid typid, DynType atype, StringInfo buf, const char **why)
{
	return aw_datum_to_attr(value, typid, atype, buf, why, 1);
}

/*
 * The same for a whole item held in json or jsonb (a document 'plain'
 * column): the item's object is the first of DynamoDB's 32 levels.
 */
bool
awstore_item_to_attr(Datum value, Oid typid, StringInfo buf, const char **why)
{
	return aw_datum_to_attr(value, typid, AW_TYPE_ANY, buf, why, 0);
}
