/*-------------------------------------------------------------------------
 *
 * pynamodb_values.c
 *		Checks and formats of values as ActingWeb stores them in DynamoDB
 *		through PynamoDB.
 *
 * The migration (src/sql/11_migration_mapping.sql, 12_migration.sql) is
 * plain SQL: INSERT … SELECT through foreign tables.  What SQL cannot do
 * cheaply, or without raising an error that would stop the whole
 * statement, lives here:
 *
 *	awstore.is_json(text)				would jsonb take this text?
 *	awstore.is_pynamodb_datetime(text)	is it PynamoDB's UTC date-time format?
 *	awstore.pynamodb_json(jsonb)		JSON text as Python's json.dumps writes it
 *
 * The checks never raise for bad input: the migration uses them to route a
 * bad item to an error naming it, or to awstore.migration_rejects.
 * pynamodb_json raises only when the database is not UTF8.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

PG_FUNCTION_INFO_V1(awstore_is_json);
PG_FUNCTION_INFO_V1(awstore_is_pynamodb_datetime);
PG_FUNCTION_INFO_V1(awstore_pynamodb_json);

/* Does the text hold a backslash followed by 'u' (maybe a \uXXXX escape)? */
static bool
has_unicode_escape(const char *s, int len)
{
	const char *end = s + len;
	const char *p = s;

	while ((p = memchr(p, '\\', end - p)) != NULL && p + 1 < end)
	{
		if (p[1] == 'u')
			return true;
		p += 2;					/* an escape is two bytes at least */
	}
	return false;
}

/*
 * True when jsonb would accept the text: JSON syntax, no \u0000 and no
 * escape that is not a valid code point in this database's encoding.
 * Numbers jsonb cannot hold (an exponent beyond numeric's range) pass here
 * and fail in the cast; Python's json.dumps never writes them.
 */
Datum
awstore_is_json(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	JsonLexContext *lex;
	JsonSemAction sem;

	memset(&sem, 0, sizeof(sem));

	/*
	 * De-escaping strings is what finds \u0000, a bad surrogate pair and a
	 * code point the encoding lacks; only a \u escape can hold one, and
	 * de-escaping costs a copy of every string, so only then.
	 */
	lex = makeJsonLexContextCstringLen((char *) s, len, GetDatabaseEncoding(),
									   has_unicode_escape(s, len));
	PG_RETURN_BOOL(pg_parse_json(lex, &sem) == JSON_SUCCESS);
}

static bool
aw_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int
aw_number(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * True for exactly "YYYY-MM-DDTHH:MM:SS.ffffff+0000" naming a real date and
 * time: what PynamoDB's UTCDateTimeAttribute writes.  Anything else (no
 * microseconds, another offset, a space for the T, 24:00, 30 February) is
 * not taken as a date-time by the migration: it is bad data.
 */
Datum
awstore_is_pynamodb_datetime(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			year,
				month,
				day,
				limit;

	if (VARSIZE_ANY_EXHDR(t) != 31)
		PG_RETURN_BOOL(false);
	if (!aw_digits(s, 4) || s[4] != '-' || !aw_digits(s + 5, 2) || s[7] != '-' ||
		!aw_digits(s + 8, 2) || s[10] != 'T' || !aw_digits(s + 11, 2) || s[13] != ':' ||
		!aw_digits(s + 14, 2) || s[16] != ':' || !aw_digits(s + 17, 2) || s[19] != '.' ||
		!aw_digits(s + 20, 6) || memcmp(s + 26, "+0000", 5) != 0)
		PG_RETURN_BOOL(false);
	year = aw_number(s, 4);
	month = aw_number(s + 5, 2);
	day = aw_number(s + 8, 2);
	if (year < 1 || month < 1 || month > 12 || day < 1)
		PG_RETURN_BOOL(false);
	limit = mdays[month - 1];
	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		limit = 29;
	PG_RETURN_BOOL(day <= limit &&
				   aw_number(s + 11, 2) <= 23 &&
				   aw_number(s + 14, 2) <= 59 &&
				   aw_number(s + 17, 2) <= 59);
}

/* Appends code point c (not ASCII) as Python escapes it: \uXXXX, in pairs above U+FFFF. */
static void
aw_append_python_escape(StringInfo out, pg_wchar c)
{
	if (c > 0xFFFF)
	{
		c -= 0x10000;
		appendStringInfo(out, "\\u%04x\\u%04x",
						 (unsigned) (0xD800 | (c >> 10)), (unsigned) (0xDC00 | (c & 0x3FF)));
	}
	else
		appendStringInfo(out, "\\u%04x", (unsigned) c);
}

/*
 * The JSON text Python's json.dumps() writes with its defaults for this
 * value: ", " and ": " separators, every character outside printable ASCII
 * as \uXXXX (lowercase hex, surrogate pairs above U+FFFF), DEL included.
 * jsonb's own text form already has the separators and the escapes of
 * control characters; this turns its UTF-8 into escapes.  Keys come in
 * jsonb's order, which is not necessarily the order the application wrote:
 * JSON objects are unordered, and ActingWeb reads them with json.loads.
 */
Datum
awstore_pynamodb_json(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	char	   *s = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	const unsigned char *p = (const unsigned char *) s;
	StringInfoData out;

	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("awstore.pynamodb_json needs a UTF8 database")));
	initStringInfo(&out);
	while (*p)
	{
		if (*p < 0x7F)
		{
			appendStringInfoChar(&out, (char) *p);
			p++;
		}
		else if (*p == 0x7F)
		{
			appendStringInfoString(&out, "\\u007f");
			p++;
		}
		else
		{
			int			len = pg_utf_mblen(p);

			aw_append_python_escape(&out, utf8_to_unicode(p));
			p += len;
		}
	}
	pfree(s);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}
