/*-------------------------------------------------------------------------
 *
 * encode.c
 *		PostgreSQL Datums to DynamoDB AttributeValues.
 *
 * Values render exactly: numbers as decimal text (floats as the shortest
 * text that reads back as the same float; NaN, infinities and values
 * beyond DynamoDB's 38 digits refused), bytea as base64, date and time
 * types in ISO 8601 (XSD form, independent of DateStyle), jsonb by its own
 * structure, arrays as sets or lists.
 *
 * Everything is written into a palloc'd StringInfo and built from palloc'd
 * pieces: a type's output function or input function may raise an error
 * midway, and then nothing malloc'd is held to leak.  A value DynamoDB
 * cannot hold exactly is not an error here: the functions return false
 * with the reason, and the caller decides (an error naming the row when
 * writing, a condition checked locally when scanning).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/shortest_dec.h"
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

/* A number Datum as decimal text, or NULL with *why. */
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

/* The elements of an array, palloc'd: values, NULL flags and their number. */
void
awstore_array_elements(ArrayType *arr, Datum **elems, bool **nulls, int *n)
{
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;

	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &elmlen, &elmbyval, &elmalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), elmlen, elmbyval, elmalign, elems, nulls, n);
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
	awstore_array_elements(arr, &elems, &nulls, &n);
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

/*
 * Encodes value as an AttributeValue of type type: palloc'd JSON, or NULL
 * (with *why) when DynamoDB cannot hold it.
 */
char *
awstore_encode_value(Datum value, Oid typid, DynType type, const char **why)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (awstore_datum_to_attr(value, typid, type, &buf, why))
		return buf.data;
	pfree(buf.data);
	return NULL;
}
