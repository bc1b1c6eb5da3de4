/*-------------------------------------------------------------------------
 *
 * plainjson.c
 *		An item or AttributeValue as plain JSON.
 *
 * DynamoDB sends items in its typed form ({"n": {"N": "12.5"}}); the FDW
 * also offers them as plain JSON ({"n": 12.5}).  Numbers keep every digit
 * (they are copied as text, never through a double; the forms DynamoDB may
 * send that JSON does not allow are mended without changing the value),
 * sets become arrays and binaries stay base64 strings.  Output goes to a
 * DynBuf the caller owns; a malformed value makes the rendering fail.
 * The typed form is read in place (rawjson.c), from a page as received;
 * a parsed value is rendered through its JSON text.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

#include <stdlib.h>
#include <string.h>

bool
dyn_number_is_json(const char *s, size_t len)
{
	size_t		i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i >= len)
		return false;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < len && s[i] == '.')
	{
		size_t		start = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		size_t		start;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	}
	return i == len;
}

/*
 * Appends a DynamoDB number as a JSON number, text for text.  The forms
 * DynamoDB may send that JSON does not allow (a leading "+", ".5", "5.",
 * leading zeros) are mended without changing the value; anything else is
 * refused.
 */
bool
dyn_plain_number(const char *s, size_t len, DynBuf *out)
{
	size_t		i = 0;
	size_t		digits;

	if (dyn_number_is_json(s, len))
	{
		dynbuf_append(out, s, len);
		return true;
	}
	if (i < len && (s[i] == '+' || s[i] == '-'))
	{
		if (s[i] == '-')
			dynbuf_append_char(out, '-');
		i++;
	}
	/* leading zeros of the integer part */
	while (i + 1 < len && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9')
		i++;
	digits = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == digits)
		dynbuf_append_char(out, '0');
	else
		dynbuf_append(out, s + digits, i - digits);
	if (i < len && s[i] == '.')
	{
		size_t		frac = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i > frac)
		{
			dynbuf_append_char(out, '.');
			dynbuf_append(out, s + frac, i - frac);
		}
		else if (frac - 1 == digits)
			return false;		/* "." alone */
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		size_t		start = i;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return false;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		dynbuf_append(out, s + start, i - start);
	}
	return i == len;
}

/*
 * A string's content (raw, escapes undecoded) as a JSON string literal in
 * the one form dynbuf_append_json_string writes: content without escapes
 * is that form already.
 */
static bool
dyn_append_raw_string(DynBuf *out, DynRaw s)
{
	char	   *buf;
	size_t		n;

	if (!s.esc)
	{
		dynbuf_append_char(out, '"');
		dynbuf_append(out, s.p, s.len);
		dynbuf_append_char(out, '"');
		return true;
	}
	if ((buf = malloc(s.len + 1)) == NULL)
	{
		out->oom = true;
		return false;
	}
	n = dyn_raw_unescape(s.p, s.len, buf);
	if (n != DYN_RAW_BAD_ESCAPE)
		dynbuf_append_json_string(out, buf, n);
	free(buf);
	return n != DYN_RAW_BAD_ESCAPE;
}

static bool
dyn_append_raw_number(DynBuf *out, DynRaw s)
{
	char	   *buf;
	size_t		n;
	bool		ok;

	if (!s.esc)
		return dyn_plain_number(s.p, s.len, out);
	if ((buf = malloc(s.len + 1)) == NULL)
	{
		out->oom = true;
		return false;
	}
	n = dyn_raw_unescape(s.p, s.len, buf);
	ok = n != DYN_RAW_BAD_ESCAPE && dyn_plain_number(buf, n, out);
	free(buf);
	return ok;
}

static bool
dyn_append_plain_array(DynBuf *out, DynRaw array, DynType elem)
{
	DynRawIter	it;
	DynRaw		v;
	DynRaw		s;
	bool		first = true;

	dyn_raw_iter_init(array, &it);
	dynbuf_append_char(out, '[');
	while (dyn_raw_next_element(&it, &v))
	{
		if (!first)
			dynbuf_append_char(out, ',');
		first = false;
		if (elem == DYN_T_L)
		{
			if (!dyn_raw_attr_to_plain_json(v, out))
				return false;
			continue;
		}
		if (!dyn_raw_string(v, &s))
			return false;
		if (!(elem == DYN_T_N ? dyn_append_raw_number(out, s) :
			  dyn_append_raw_string(out, s)))
			return false;
	}
	dynbuf_append_char(out, ']');
	return dyn_raw_iter_done(&it);
}

bool
dyn_raw_attr_to_plain_json(DynRaw av, DynBuf *out)
{
	DynRaw		v;

	switch (dyn_raw_attr(av, &v))
	{
		case DYN_T_S:
		case DYN_T_B:
			return dyn_append_raw_string(out, v);
		case DYN_T_N:
			return dyn_append_raw_number(out, v);
		case DYN_T_BOOL:
			dynbuf_append_str(out, dyn_raw_true(v) ? "true" : "false");
			return true;
		case DYN_T_NULL:
			dynbuf_append_str(out, "null");
			return true;
		case DYN_T_M:
			return dyn_raw_item_to_plain_json(v, out);
		case DYN_T_L:
			return dyn_append_plain_array(out, v, DYN_T_L);
		case DYN_T_SS:
		case DYN_T_BS:
			return dyn_append_plain_array(out, v, DYN_T_S);
		case DYN_T_NS:
			return dyn_append_plain_array(out, v, DYN_T_N);
		case DYN_T_INVALID:
			break;
	}
	return false;
}

bool
dyn_raw_item_to_plain_json(DynRaw item, DynBuf *out)
{
	DynRawIter	it;
	DynRaw		k;
	DynRaw		v;
	bool		first = true;

	dyn_raw_iter_init(item, &it);
	if (!it.ok || item.p[0] != '{')
		return false;
	dynbuf_append_char(out, '{');
	while (dyn_raw_next_member(&it, &k, &v))
	{
		if (!first)
			dynbuf_append_char(out, ',');
		first = false;
		if (!dyn_append_raw_string(out, k))
			return false;
		dynbuf_append_char(out, ':');
		if (!dyn_raw_attr_to_plain_json(v, out))
			return false;
	}
	dynbuf_append_char(out, '}');
	return dyn_raw_iter_done(&it);
}

/* The parsed forms: rendered through their JSON text. */
static bool
dyn_value_plain_json(DynValue *v, DynBuf *out, bool item)
{
	DynBuf		text;
	DynRaw		raw;
	bool		ok;

	dynbuf_init(&text);
	dyn_to_json(v, &text);
	ok = !text.oom && dyn_raw_value(text.data, text.len, &raw) &&
		(item ? dyn_raw_item_to_plain_json(raw, out) : dyn_raw_attr_to_plain_json(raw, out));
	dynbuf_free(&text);
	return ok;
}

bool
dyn_attr_to_plain_json(DynValue *av, DynBuf *out)
{
	return av != NULL && dyn_value_plain_json(av, out, false);
}

bool
dyn_item_to_plain_json(DynValue *item, DynBuf *out)
{
	return item != NULL && dyn_value_plain_json(item, out, true);
}
