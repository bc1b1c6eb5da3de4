/*-------------------------------------------------------------------------
 *
 * jsontext.c
 *		JSON text on the PostgreSQL side of the wrapper.
 *
 * The dynamo layer writes JSON into malloc'd DynBufs and parses it into
 * malloc'd DynValues; the wrapper keeps JSON text in palloc'd memory.
 * These helpers cross over: a DynBuf's text copied into the current
 * memory context (the buffer freed on every path, before any error), a
 * DynValue rendered as text, and JSON string literals written into a
 * StringInfo with the same escapes as the dynamo layer's (dyn_json_escape).
 * None of them leaves anything malloc'd behind, errors included.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "dynamo/jsoncheck.h"
#include "fdw/fdw.h"

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
