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
 * Items are read in place, from the page as DynamoDB sent it (rawjson.c):
 * one walk over an item's members finds the attributes the plan needs
 * (an AwItemReader, made once per set of columns, says which), and each
 * value goes from its slice of the page straight into the column's Datum:
 * a string's escapes are decoded once, into the text Datum itself or into
 * the C string the type's input function reads; a number's text goes to
 * the numeric input (integers that fit are read directly).  Attributes the
 * plan does not need are skipped, nothing built.  A parsed item (the
 * answer of a write) is read through its JSON text the same way, so that
 * there is one conversion.  Strings are UTF-8 (the page's check refused
 * anything else); in a database of another encoding they are converted.
 *
 * Values are palloc'd in the current memory context; the page stays the
 * caller's (malloc'd by the dynamo layer, freed by its holder), and
 * nothing of it is kept.
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
#include "utils/timestamp.h"
#include "utils/jsonb.h"
#include "mb/pg_wchar.h"
#include "utils/lsyscache.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "fdw/fdw.h"

/* An attribute read in place: its AttributeValue, and that read. */
typedef struct AwRawAttr
{
	DynRaw		av;
	DynType		type;			/* DYN_T_INVALID: malformed */
	DynRaw		inner;			/* as dyn_raw_attr gives it */
} AwRawAttr;

/*
 * Which columns an item is read into: made once per set of columns
 * (awstore_fill_slot keeps it in the AwColumns), in their memory context.
 */
struct AwItemReader
{
	List	   *attnums;		/* what it was made for (NIL: every column) */
	int			natts;			/* ... and for slots of that many columns */
	int			nattrs;			/* attribute columns read */
	int		   *attrs;			/* their indexes in AwColumns */
	size_t	   *attlen;			/* strlen of their attribute names */
	int			ndocs;			/* document columns read */
	int		   *docs;
	AwRawAttr  *found;			/* per attrs[]: the item's AttributeValue */
	bool	   *has;			/* ... if it has one */
	FmgrInfo   *infunc;			/* per column: its input function, once known */
	Oid		   *ioparam;
	bool	   *in_ready;
};

/*
 * A key value for a message in a database that is not UTF8: the key may
 * hold characters its encoding lacks, and a message cannot raise an error
 * of its own, so what is not ASCII is written as \uXXXX.
 */
static char *
aw_ascii_key(const char *utf8)
{
	StringInfoData out;
	const unsigned char *p = (const unsigned char *) utf8;

	initStringInfo(&out);
	while (*p)
	{
		int			n = pg_utf_mblen(p);

		/* checked UTF-8 always; but this runs while an error is reported */
		if (strnlen((const char *) p, n) < (size_t) n || !pg_utf8_islegal(p, n))
		{
			appendStringInfoChar(&out, '?');
			p++;
			continue;
		}
		if (*p < 0x80)
			appendStringInfoChar(&out, (char) *p);
		else
		{
			pg_wchar	cp = utf8_to_unicode(p);

			if (cp > 0xFFFF)
				appendStringInfo(&out, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
								 0xDC00 + ((cp - 0x10000) & 0x3FF));
			else
				appendStringInfo(&out, "\\u%04x", cp);
		}
		p += n;
	}
	return out.data;
}

/* The key of a raw item for messages, "(id)=(a1)". */
char *
awstore_raw_item_key_text(DynRaw item, const char *pk, const char *sk)
{
	const char *keys[2] = {pk, sk};
	const char *values[2] = {"?", "?"};

	/* a stream image converted with no key named (dynamodb_item_row) */
	if (pk == NULL)
		return pstrdup("(of unknown key)");
	/* while an item is read, only a bound of its length may be known */
	if (item.p && !dyn_raw_first_value(item.p, item.p + item.len, &item))
		item.p = NULL;
	for (int i = 0; i < 2 && keys[i] && item.p; i++)
	{
		DynRaw		av;
		DynRaw		inner;
		DynType		t;

		if (!dyn_raw_member(item, keys[i], &av))
			continue;
		t = dyn_raw_attr(av, &inner);
		if (t == DYN_T_S || t == DYN_T_N || t == DYN_T_B)
		{
			char	   *v = palloc(inner.len + 1);
			size_t		n = dyn_raw_unescape(inner.p, inner.len, v);

			if (n != DYN_RAW_BAD_ESCAPE && memchr(v, '\0', n) == NULL)
			{
				v[n] = '\0';
				values[i] = GetDatabaseEncoding() == PG_UTF8 ? v : aw_ascii_key(v);
			}
		}
	}
	return awstore_key_text(keys, values);
}

static void aw_convert_error(AwConvertContext *ctx, DynType got, const char *why) pg_attribute_noreturn();
static void aw_malformed(AwConvertContext *ctx, DynType t) pg_attribute_noreturn();
static void aw_malformed_item(void) pg_attribute_noreturn();

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
					   awstore_raw_item_key_text(ctx->item, ctx->partition_key, ctx->sort_key),
					   ctx->table, why),
			 col->atype_explicit ? 0 :
			 errhint("Set the column's attribute_type, or read the attribute into a jsonb column.")));
}

static void
aw_malformed(AwConvertContext *ctx, DynType t)
{
	aw_convert_error(ctx, t, "the value is not a well-formed AttributeValue");
}

/*
 * A string's content decoded into buf (room for s.len + 1 bytes), NUL
 * terminated; its length.  A string PostgreSQL cannot hold (a NUL
 * character) or a broken escape is an error.
 */
static size_t
aw_decode_into(AwConvertContext *ctx, DynType t, DynRaw s, char *buf)
{
	size_t		n;

	if (!s.esc)
	{
		memcpy(buf, s.p, s.len);
		n = s.len;
	}
	else
	{
		n = dyn_raw_unescape(s.p, s.len, buf);
		if (n == DYN_RAW_BAD_ESCAPE)
			aw_convert_error(ctx, t, "the string holds a \\u escape that is not a character");
		/* only an escape can hold a NUL: JSON text cannot */
		if (memchr(buf, '\0', n) != NULL)
			aw_convert_error(ctx, t, "the string contains a NUL character, which PostgreSQL text cannot hold");
	}
	buf[n] = '\0';
	return n;
}

/*
 * A string's content as a C string in the database's encoding (palloc'd).
 * *len gets its length.
 */
static char *
aw_cstring(AwConvertContext *ctx, DynType t, DynRaw s, size_t *len)
{
	char	   *buf = palloc(s.len + 1);
	size_t		n = aw_decode_into(ctx, t, s, buf);

	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *conv = pg_any_to_server(buf, (int) n, PG_UTF8);

		if (conv != buf)
		{
			pfree(buf);
			buf = conv;
			n = strlen(conv);
		}
	}
	if (len)
		*len = n;
	return buf;
}

/* A string's content as a text Datum, decoded right into it. */
static Datum
aw_text_datum(AwConvertContext *ctx, DynType t, DynRaw s)
{
	text	   *result;
	size_t		n;

	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *c = aw_cstring(ctx, t, s, &n);

		return PointerGetDatum(cstring_to_text_with_len(c, (int) n));
	}
	result = palloc(VARHDRSZ + s.len + 1);
	n = aw_decode_into(ctx, t, s, VARDATA(result));
	SET_VARSIZE(result, VARHDRSZ + n);
	return PointerGetDatum(result);
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
	bool		letters = false;

	/*
	 * Each of those words has a letter other than T and Z, which ISO 8601
	 * texts (PynamoDB's among them) use: without one, nothing to look for.
	 */
	for (const char *c = text; *c && !letters; c++)
		letters = ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) &&
			*c != 'T' && *c != 't' && *c != 'Z' && *c != 'z';
	if (!letters)
		return false;
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

/* Two, four or six decimal digits at s, or -1. */
static int
aw_digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * PynamoDB's UTC date-time, "YYYY-MM-DDTHH:MM:SS.ffffff+0000" exactly, read
 * without the input function: the Timestamp that timestamp_in and
 * timestamptz_in make of it (the same fields through the same
 * tm2timestamp, at UTC).  False for any other text, a field out of range
 * included: the input function then reads it, and reports what is wrong.
 */
static bool
aw_pynamodb_timestamp(DynRaw s, Timestamp *ts)
{
	const char *p = s.p;
	struct pg_tm tm;
	int			fsec;
	int			tz = 0;

	if (s.esc || s.len != 31 || p[4] != '-' || p[7] != '-' || p[10] != 'T' ||
		p[13] != ':' || p[16] != ':' || p[19] != '.' || memcmp(p + 26, "+0000", 5) != 0)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = aw_digits(p, 4);
	tm.tm_mon = aw_digits(p + 5, 2);
	tm.tm_mday = aw_digits(p + 8, 2);
	tm.tm_hour = aw_digits(p + 11, 2);
	tm.tm_min = aw_digits(p + 14, 2);
	tm.tm_sec = aw_digits(p + 17, 2);
	fsec = aw_digits(p + 20, 6);
	if (tm.tm_year < 1 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
		tm.tm_mday > day_tab[isleap(tm.tm_year)][tm.tm_mon - 1] ||
		tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
		tm.tm_sec < 0 || tm.tm_sec > 59 || fsec < 0)
		return false;
	return tm2timestamp(&tm, fsec, &tz, ts) == 0;
}

/*
 * A value of typid from its text, through the type's input function (the
 * column's own, looked up once, when typid is the column's type).  The
 * date and time types refuse the words whose value changes with the day.
 */
static Datum
aw_input(AwConvertContext *ctx, DynType t, Oid typid, int32 typmod, char *text)
{
	AwItemReader *r = ctx->reader;
	AwColumn   *col = ctx->column;

	if ((typid == DATEOID || typid == TIMESTAMPOID || typid == TIMESTAMPTZOID ||
		 typid == TIMEOID || typid == TIMETZOID) && aw_relative_datetime(text))
		aw_convert_error(ctx, t,
						 psprintf("\"%s\" means a different time on every read; "
								  "DynamoDB should hold the date or time itself", text));
	if (typid == TEXTOID)
		return PointerGetDatum(cstring_to_text(text));
	if (r != NULL && typid == col->typid)
	{
		int			i = col->attnum - 1;

		if (!r->in_ready[i])
		{
			Oid			infunc;

			getTypeInputInfo(typid, &infunc, &r->ioparam[i]);
			fmgr_info_cxt(infunc, &r->infunc[i], GetMemoryChunkContext(r));
			r->in_ready[i] = true;
		}
		return InputFunctionCall(&r->infunc[i], text, r->ioparam[i], typmod);
	}
	{
		Oid			infunc;
		Oid			ioparam;

		getTypeInputInfo(typid, &infunc, &ioparam);
		return OidInputFunctionCall(infunc, text, ioparam, typmod);
	}
}

static int
cmp_numerics(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

/*
 * An integer N, exactly: "1.5" or "1e400" is an error, "1.0" is 1.  Plain
 * digits that fit are read directly; anything else through numeric.
 */
static int64
aw_number_to_int64(AwConvertContext *ctx, const char *s, int64 min, int64 max)
{
	Numeric		num;
	Numeric		trunc;
	const char *p = s + (*s == '-');
	int			ndigits = 0;

	while (p[ndigits] >= '0' && p[ndigits] <= '9')
		ndigits++;
	if (ndigits > 0 && ndigits <= 18 && p[ndigits] == '\0')
	{
		int64		v = 0;

		for (int i = 0; i < ndigits; i++)
			v = v * 10 + (p[i] - '0');
		if (*s == '-')
			v = -v;
		if (v < min || v > max)
			aw_convert_error(ctx, DYN_T_N,
							 psprintf("%s is out of range for type %s", s,
									  format_type_be(ctx->column->typid)));
		return v;
	}
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
aw_jsonb_from_text(Oid typid, char *json)
{
	if (typid == JSONOID)
		return DirectFunctionCall1(json_in, CStringGetDatum(json));
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

/* Plain JSON text (malloc'd DynBuf) copied out, then freed. */
static char *
aw_plain_json_text(DynBuf *buf)
{
	char	   *text;

	if (buf->oom)
	{
		dynbuf_free(buf);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	}
	/* copy out of malloc'd memory before anything can raise an error */
	text = awstore_dynbuf_pstrdup(buf);
	if (GetDatabaseEncoding() != PG_UTF8)
		text = pg_any_to_server(text, (int) strlen(text), PG_UTF8);
	return text;
}

static Datum
aw_plain_json_datum(AwConvertContext *ctx, DynRaw av, DynType t, Oid typid)
{
	DynBuf		buf;
	char	   *text;

	dynbuf_init(&buf);
	if (!dyn_raw_attr_to_plain_json(av, &buf))
	{
		dynbuf_free(&buf);
		aw_malformed(ctx, t);
	}
	text = aw_plain_json_text(&buf);
	if (typid == JSONOID || typid == JSONBOID)
		return aw_jsonb_from_text(typid, text);
	return aw_input(ctx, t, typid, -1, text);
}

/*
 * A number's text as a jsonb number: the forms plain JSON mends (a plus
 * sign, leading zeros, ".5") mended the same way, what it refuses refused.
 */
static Numeric
aw_json_number(AwConvertContext *ctx, DynType t, DynRaw n)
{
	DynBuf		buf;
	char	   *text;
	size_t		len;
	char	   *s = aw_cstring(ctx, t, n, &len);

	if (dyn_number_is_json(s, len))
		text = s;
	else
	{
		dynbuf_init(&buf);
		if (!dyn_plain_number(s, len, &buf))
		{
			dynbuf_free(&buf);
			aw_malformed(ctx, t);
		}
		text = aw_plain_json_text(&buf);
	}
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/*
 * Pushes a scalar of a set, or an AttributeValue (av; inner and t its
 * reading), onto a jsonb being built, as token (WJB_VALUE, WJB_ELEM) —
 * the jsonb that the plain JSON text of the value would give.
 */
static JsonbValue *
aw_push_jsonb(AwConvertContext *ctx, JsonbParseState **st, JsonbIteratorToken token,
			  DynType t, DynRaw inner)
{
	JsonbValue	v;
	size_t		len;
	DynRawIter	it;
	DynRaw		k;
	DynRaw		e;
	DynRaw		einner;
	DynType		et;

	check_stack_depth();
	switch (t)
	{
		case DYN_T_S:
		case DYN_T_B:
			v.type = jbvString;
			v.val.string.val = aw_cstring(ctx, t, inner, &len);
			v.val.string.len = (int) len;
			break;
		case DYN_T_N:
			v.type = jbvNumeric;
			v.val.numeric = aw_json_number(ctx, t, inner);
			break;
		case DYN_T_BOOL:
			v.type = jbvBool;
			v.val.boolean = dyn_raw_true(inner);
			break;
		case DYN_T_NULL:
			v.type = jbvNull;
			break;
		case DYN_T_M:
			pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
			dyn_raw_iter_init(inner, &it);
			while (dyn_raw_next_member(&it, &k, &e))
			{
				JsonbValue	key;

				key.type = jbvString;
				key.val.string.val = aw_cstring(ctx, DYN_T_S, k, &len);
				key.val.string.len = (int) len;
				pushJsonbValue(st, WJB_KEY, &key);
				et = dyn_raw_attr(e, &einner);
				if (et == DYN_T_INVALID)
					aw_malformed(ctx, t);
				aw_push_jsonb(ctx, st, WJB_VALUE, et, einner);
			}
			if (!dyn_raw_iter_done(&it))
				aw_malformed(ctx, t);
			return pushJsonbValue(st, WJB_END_OBJECT, NULL);
		case DYN_T_L:
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
			dyn_raw_iter_init(inner, &it);
			while (dyn_raw_next_element(&it, &e))
			{
				if (t == DYN_T_L)
				{
					et = dyn_raw_attr(e, &einner);
					if (et == DYN_T_INVALID)
						aw_malformed(ctx, t);
				}
				else
				{
					et = t == DYN_T_NS ? DYN_T_N : t == DYN_T_BS ? DYN_T_B : DYN_T_S;
					if (!dyn_raw_string(e, &einner))
						aw_malformed(ctx, t);
				}
				aw_push_jsonb(ctx, st, WJB_ELEM, et, einner);
			}
			if (!dyn_raw_iter_done(&it))
				aw_malformed(ctx, t);
			return pushJsonbValue(st, WJB_END_ARRAY, NULL);
		default:
			aw_malformed(ctx, t);
	}
	return pushJsonbValue(st, token, &v);
}

/* An M or L (or set) into a jsonb column, built without JSON text. */
static Datum
aw_jsonb_datum(AwConvertContext *ctx, DynType t, DynRaw inner)
{
	JsonbParseState *st = NULL;

	/* a container: closing it gives the whole value */
	return JsonbPGetDatum(JsonbValueToJsonb(aw_push_jsonb(ctx, &st, WJB_ELEM, t, inner)));
}

static Datum
aw_bytea_from_base64(AwConvertContext *ctx, DynType t, DynRaw s)
{
	char	   *b64 = palloc(s.len + 1);
	int			len = (int) aw_decode_into(ctx, t, s, b64);
	int			maxlen = pg_b64_dec_len(len);
	bytea	   *result = palloc(VARHDRSZ + maxlen);
	int			n = pg_b64_decode(b64, len, VARDATA(result), maxlen);

	if (n < 0)
		aw_convert_error(ctx, t, "the binary value is not valid base64");
	SET_VARSIZE(result, VARHDRSZ + n);
	pfree(b64);
	return PointerGetDatum(result);
}

/* One scalar (element of a set or list) into a Datum of typid. */
static Datum
aw_scalar_to_datum(AwConvertContext *ctx, DynRaw inner, DynType t, Oid typid,
				   int32 typmod)
{
	char	   *s;

	switch (t)
	{
		case DYN_T_S:
			if (typid == TEXTOID)
				return aw_text_datum(ctx, t, inner);
			return aw_input(ctx, t, typid, typmod, aw_cstring(ctx, t, inner, NULL));
		case DYN_T_N:
			s = aw_cstring(ctx, t, inner, NULL);
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
				return aw_bytea_from_base64(ctx, t, inner);
			return aw_input(ctx, t, typid, typmod, aw_cstring(ctx, t, inner, NULL));
		case DYN_T_BOOL:
			if (typid == BOOLOID)
				return BoolGetDatum(dyn_raw_true(inner));
			return aw_input(ctx, t, typid, typmod, dyn_raw_true(inner) ? "true" : "false");
		default:
			aw_convert_error(ctx, t, "a nested value cannot go into an array element");
	}
	return (Datum) 0;
}

/* A set, or a list of scalars, into an array column. */
static Datum
aw_array_to_datum(AwConvertContext *ctx, DynRaw inner, DynType t)
{
	AwColumn   *col = ctx->column;
	int			cap = 16;
	int			n = 0;
	Datum	   *elems = palloc(sizeof(Datum) * cap);
	bool	   *nulls = palloc(sizeof(bool) * cap);
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	int			dims[1];
	int			lbs[1] = {1};
	DynRawIter	it;
	DynRaw		v;

	get_typlenbyvalalign(col->elemtypid, &elmlen, &elmbyval, &elmalign);
	dyn_raw_iter_init(inner, &it);
	while (dyn_raw_next_element(&it, &v))
	{
		DynRaw		einner;
		DynType		et;

		if (n == cap)
		{
			cap *= 2;
			elems = repalloc(elems, sizeof(Datum) * cap);
			nulls = repalloc(nulls, sizeof(bool) * cap);
		}
		nulls[n] = false;
		if (t == DYN_T_L)
		{
			et = dyn_raw_attr(v, &einner);
			if (et == DYN_T_INVALID)
				aw_convert_error(ctx, t, "a list element is not a well-formed AttributeValue");
		}
		else
		{
			et = t == DYN_T_NS ? DYN_T_N : t == DYN_T_BS ? DYN_T_B : DYN_T_S;
			if (!dyn_raw_string(v, &einner))
				aw_malformed(ctx, t);
		}
		if (et == DYN_T_NULL)
			nulls[n] = true;
		else
			elems[n] = aw_scalar_to_datum(ctx, einner, et, col->elemtypid, -1);
		n++;
	}
	if (!dyn_raw_iter_done(&it))
		aw_malformed(ctx, t);
	dims[0] = n;
	if (n == 0)
		return PointerGetDatum(construct_empty_array(col->elemtypid));
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, col->elemtypid,
											  elmlen, elmbyval, elmalign));
}

/*
 * The Datum for column col of an item whose attribute is a (NULL when the
 * item lacks it).
 */
static Datum
aw_attr_datum(AwColumn *col, const AwRawAttr *a, bool *isnull, AwConvertContext *ctx)
{
	const DynRaw *av;
	DynRaw		inner;
	DynType		t;
	Oid			typid = col->typid;
	bool		json = typid == JSONBOID || typid == JSONOID;

	*isnull = false;
	ctx->column = col;
	if (a == NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}
	av = &a->av;
	t = a->type;
	inner = a->inner;
	if (t == DYN_T_INVALID)
		aw_malformed(ctx, t);
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
				return aw_plain_json_datum(ctx, *av, t, typid);	/* a JSON string */
			if (json)
				return aw_jsonb_from_text(typid, aw_cstring(ctx, t, inner, NULL));
			if (typid == TEXTOID)
				return aw_text_datum(ctx, t, inner);
			if ((typid == TIMESTAMPTZOID || typid == TIMESTAMPOID) && col->typmod < 0)
			{
				Timestamp	ts;

				if (aw_pynamodb_timestamp(inner, &ts))
					return TimestampGetDatum(ts);
			}
			return aw_input(ctx, t, typid, col->typmod, aw_cstring(ctx, t, inner, NULL));
		case DYN_T_N:
		case DYN_T_BOOL:
			if (json)
				return aw_plain_json_datum(ctx, *av, t, typid);
			return aw_scalar_to_datum(ctx, inner, t, typid, col->typmod);
		case DYN_T_B:
			if (json)
				return aw_plain_json_datum(ctx, *av, t, typid);
			return aw_bytea_from_base64(ctx, t, inner);
		case DYN_T_L:
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			if (OidIsValid(col->elemtypid))
				return aw_array_to_datum(ctx, inner, t);
			if (typid == JSONBOID)
				return aw_jsonb_datum(ctx, t, inner);
			return aw_plain_json_datum(ctx, *av, t, typid);
		case DYN_T_M:
			if (typid == JSONBOID)
				return aw_jsonb_datum(ctx, t, inner);
			return aw_plain_json_datum(ctx, *av, t, typid);
		default:
			break;
	}
	aw_convert_error(ctx, t, "unsupported type");
	return (Datum) 0;
}

static void
aw_malformed_item(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("DynamoDB returned an item that is not well-formed")));
}

/* A whole item into a document column. */
Datum
awstore_item_to_datum(AwColumn *col, DynRaw item)
{
	DynBuf		buf;

	if (col->kind == AW_COL_DOCUMENT_TYPED)
	{
		char	   *text = pnstrdup(item.p, item.len);

		if (GetDatabaseEncoding() != PG_UTF8)
			text = pg_any_to_server(text, (int) item.len, PG_UTF8);
		return aw_jsonb_from_text(col->typid, text);
	}
	dynbuf_init(&buf);
	if (!dyn_raw_item_to_plain_json(item, &buf))
	{
		dynbuf_free(&buf);
		aw_malformed_item();
	}
	return aw_jsonb_from_text(col->typid, aw_plain_json_text(&buf));
}

/*
 * The reader of cols for the columns in attnums (all when NIL), made in
 * the columns' memory context the first time, kept in them.
 */
static AwItemReader *
aw_item_reader(AwColumns *cols, List *attnums, int natts)
{
	AwItemReader *r = cols->reader;
	MemoryContext old;
	int			n = Min(cols->ncolumns, natts);

	if (r != NULL && r->attnums == attnums && r->natts == natts)
		return r;
	old = MemoryContextSwitchTo(GetMemoryChunkContext(cols));
	r = palloc0(sizeof(AwItemReader));
	r->attnums = attnums;
	r->natts = natts;
	r->attrs = palloc(sizeof(int) * Max(n, 1));
	r->attlen = palloc(sizeof(size_t) * Max(n, 1));
	r->docs = palloc(sizeof(int) * Max(n, 1));
	r->found = palloc(sizeof(AwRawAttr) * Max(n, 1));
	r->has = palloc(sizeof(bool) * Max(n, 1));
	r->infunc = palloc0(sizeof(FmgrInfo) * Max(cols->ncolumns, 1));
	r->ioparam = palloc0(sizeof(Oid) * Max(cols->ncolumns, 1));
	r->in_ready = palloc0(sizeof(bool) * Max(cols->ncolumns, 1));
	for (int i = 0; i < n; i++)
	{
		AwColumn   *col = &cols->columns[i];

		if (col->dropped || (attnums != NIL && !list_member_int(attnums, col->attnum)))
			continue;
		if (col->kind == AW_COL_ATTRIBUTE)
		{
			r->attlen[r->nattrs] = strlen(col->attname);
			r->attrs[r->nattrs++] = i;
		}
		else
			r->docs[r->ndocs++] = i;
	}
	MemoryContextSwitchTo(old);
	cols->reader = r;
	return r;
}

/*
 * Walks an item's members once and notes, for each attribute column, its
 * AttributeValue.  A repeated name counts its last value, as a parser
 * would keep.  item starts at the item; its length may be only a bound
 * (the rest of the page): it is set to the item's own.
 *
 * XXX: each member is compared with every attribute column read (by
 * length and first byte first); a table read with hundreds of columns
 * would want a hash.
 */
static void
aw_find_attributes(AwItemReader *r, AwColumns *cols, DynRaw *item)
{
	DynRawIter	it;
	DynRaw		key;
	AwRawAttr	a;

	memset(r->has, 0, sizeof(bool) * Max(r->nattrs, 1));
	dyn_raw_iter_open(item->p, item->p + item->len, &it);
	if (!it.ok || item->p[0] != '{')
		aw_malformed_item();
	while (dyn_raw_next_attr(&it, &key, &a.av, &a.type, &a.inner))
	{
		for (int j = 0; j < r->nattrs; j++)
		{
			const char *name = cols->columns[r->attrs[j]].attname;

			if (key.esc ? dyn_raw_key_is(key, name, r->attlen[j]) :
				key.len == r->attlen[j] && (key.len == 0 || key.p[0] == name[0]) &&
				memcmp(key.p, name, key.len) == 0)
			{
				r->found[j] = a;
				r->has[j] = true;
			}
		}
	}
	if (!dyn_raw_iter_done(&it))
		aw_malformed_item();
	item->len = it.p - item->p;
}

void
awstore_item_extent(DynRaw *item)
{
	DynRaw		exact;

	if (!dyn_raw_first_value(item->p, item->p + item->len, &exact) || exact.p[0] != '{')
		aw_malformed_item();
	*item = exact;
}

void
awstore_fill_slot(TupleTableSlot *slot, AwColumns *cols, List *attnums, DynRaw *item,
				  AwConvertContext *ctx)
{
	int			natts = slot->tts_tupleDescriptor->natts;
	AwItemReader *r = aw_item_reader(cols, attnums, natts);

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * natts);
	ctx->item = *item;
	ctx->reader = r;
	if (r->nattrs > 0)
		aw_find_attributes(r, cols, item);
	else
		awstore_item_extent(item);
	ctx->item = *item;
	for (int j = 0; j < r->nattrs; j++)
	{
		int			i = r->attrs[j];

		slot->tts_values[i] = aw_attr_datum(&cols->columns[i], r->has[j] ? &r->found[j] : NULL,
											&slot->tts_isnull[i], ctx);
	}
	for (int j = 0; j < r->ndocs; j++)
	{
		int			i = r->docs[j];

		ctx->column = &cols->columns[i];
		slot->tts_values[i] = awstore_item_to_datum(&cols->columns[i], *item);
		slot->tts_isnull[i] = false;
	}
	ctx->column = NULL;
	ctx->item.p = NULL;
	ctx->reader = NULL;
	ExecStoreVirtualTuple(slot);
}

bool
awstore_value_raw(DynValue *v, DynRaw *raw)
{
	char	   *text;

	if (v == NULL)
		return false;
	text = awstore_value_json(v);
	return dyn_raw_value(text, strlen(text), raw);
}

void
awstore_fill_slot_value(TupleTableSlot *slot, AwColumns *cols, List *attnums,
						DynValue *item, AwConvertContext *ctx)
{
	DynRaw		raw;

	if (!awstore_value_raw(item, &raw))
		aw_malformed_item();
	awstore_fill_slot(slot, cols, attnums, &raw, ctx);
}
