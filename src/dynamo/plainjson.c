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
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

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
static bool
dyn_append_number(DynBuf *out, const char *s, size_t len)
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

static bool
dyn_append_plain_array(DynBuf *out, DynValue *array, DynType elem)
{
	int			n = dyn_array_length(array);

	dynbuf_append_char(out, '[');
	for (int i = 0; i < n; i++)
	{
		DynValue   *v = dyn_array_get(array, i);
		size_t		len;
		const char *s;

		if (i > 0)
			dynbuf_append_char(out, ',');
		if (elem == DYN_T_L)
		{
			if (!dyn_attr_to_plain_json(v, out))
				return false;
			continue;
		}
		s = dyn_string(v, &len);
		if (s == NULL)
			return false;
		if (elem == DYN_T_N)
		{
			if (!dyn_append_number(out, s, len))
				return false;
		}
		else
			dynbuf_append_json_string(out, s, len);
	}
	dynbuf_append_char(out, ']');
	return true;
}

bool
dyn_attr_to_plain_json(DynValue *av, DynBuf *out)
{
	DynValue   *v;
	size_t		len;
	const char *s;

	switch (dyn_attr(av, &v))
	{
		case DYN_T_S:
		case DYN_T_B:
			s = dyn_string(v, &len);
			dynbuf_append_json_string(out, s, len);
			return true;
		case DYN_T_N:
			s = dyn_string(v, &len);
			return dyn_append_number(out, s, len);
		case DYN_T_BOOL:
			dynbuf_append_str(out, dyn_boolean(v) ? "true" : "false");
			return true;
		case DYN_T_NULL:
			dynbuf_append_str(out, "null");
			return true;
		case DYN_T_M:
			return dyn_item_to_plain_json(v, out);
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
dyn_item_to_plain_json(DynValue *item, DynBuf *out)
{
	DynObjectIter iter;
	const char *key;
	DynValue   *value;
	bool		first = true;

	if (!dyn_is_object(item))
		return false;
	dynbuf_append_char(out, '{');
	dyn_object_iter_init(item, &iter);
	while (dyn_object_iter_next(&iter, &key, &value))
	{
		if (!first)
			dynbuf_append_char(out, ',');
		first = false;
		dynbuf_append_json_string(out, key, strlen(key));
		dynbuf_append_char(out, ':');
		if (!dyn_attr_to_plain_json(value, out))
			return false;
	}
	dynbuf_append_char(out, '}');
	return true;
}
