/*-------------------------------------------------------------------------
 *
 * value.c
 *		Reading DynamoDB responses: values, AttributeValues, plain JSON.
 *
 * Thin accessors over json-c, so that the PostgreSQL side never includes
 * json-c's headers, plus the two renderings of items the FDW offers: the
 * typed form DynamoDB sends ({"n": {"N": "12.5"}}), serialized as is, and
 * plain JSON ({"n": 12.5}), where numbers keep every digit (they are copied
 * as text, never through a double), sets become arrays and binaries stay
 * base64 strings.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"
#include "dynamo/jsoncheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static const char *const dyn_type_names[] = {
	[DYN_T_INVALID] = "?",
	[DYN_T_S] = "S",
	[DYN_T_N] = "N",
	[DYN_T_B] = "B",
	[DYN_T_BOOL] = "BOOL",
	[DYN_T_NULL] = "NULL",
	[DYN_T_M] = "M",
	[DYN_T_L] = "L",
	[DYN_T_SS] = "SS",
	[DYN_T_NS] = "NS",
	[DYN_T_BS] = "BS",
};

const char *
dyn_type_name(DynType type)
{
	if ((int) type < 0 || type > DYN_T_BS)
		return "?";
	return dyn_type_names[type];
}

DynType
dyn_type_from_name(const char *name)
{
	/* once for every attribute of every item read: the one-letter types first */
	if (name[0] != '\0' && name[1] == '\0')
	{
		switch (name[0])
		{
			case 'S':
				return DYN_T_S;
			case 'N':
				return DYN_T_N;
			case 'B':
				return DYN_T_B;
			case 'M':
				return DYN_T_M;
			case 'L':
				return DYN_T_L;
		}
		return DYN_T_INVALID;
	}
	for (int t = DYN_T_BOOL; t <= DYN_T_BS; t++)
		if (strcmp(name, dyn_type_names[t]) == 0)
			return (DynType) t;
	return DYN_T_INVALID;
}

DynValue *
dyn_get(DynValue *object, const char *key)
{
	json_object *v;

	if (object == NULL || !json_object_is_type(object, json_type_object) ||
		!json_object_object_get_ex(object, key, &v))
		return NULL;
	return v;
}

bool
dyn_is_object(DynValue *v)
{
	return v != NULL && json_object_is_type(v, json_type_object);
}

bool
dyn_is_array(DynValue *v)
{
	return v != NULL && json_object_is_type(v, json_type_array);
}

int
dyn_array_length(DynValue *array)
{
	return dyn_is_array(array) ? (int) json_object_array_length(array) : 0;
}

DynValue *
dyn_array_get(DynValue *array, int i)
{
	return json_object_array_get_idx(array, (size_t) i);
}

const char *
dyn_string(DynValue *v, size_t *len)
{
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	if (len)
		*len = (size_t) json_object_get_string_len(v);
	return json_object_get_string(v);
}

long long
dyn_integer(DynValue *v)
{
	return v ? (long long) json_object_get_int64(v) : 0;
}

double
dyn_double(DynValue *v)
{
	return v ? json_object_get_double(v) : 0.0;
}

bool
dyn_boolean(DynValue *v)
{
	return v != NULL && json_object_get_boolean(v);
}

void
dyn_object_iter_init(DynValue *object, DynObjectIter *iter)
{
	iter->entry = dyn_is_object(object) ? json_object_get_object(object)->head : NULL;
}

bool
dyn_object_iter_next(DynObjectIter *iter, const char **key, DynValue **value)
{
	struct lh_entry *entry = iter->entry;

	if (entry == NULL)
		return false;
	*key = (const char *) lh_entry_k(entry);
	*value = (json_object *) lh_entry_v(entry);
	iter->entry = lh_entry_next(entry);
	return true;
}

int
dyn_object_size(DynValue *object)
{
	return dyn_is_object(object) ? json_object_object_length(object) : 0;
}

DynType
dyn_attr(DynValue *av, DynValue **inner)
{
	struct lh_entry *entry;
	const char *name;
	json_object *v;
	DynType		type;

	*inner = NULL;
	if (!dyn_is_object(av) || json_object_object_length(av) != 1)
		return DYN_T_INVALID;
	entry = json_object_get_object(av)->head;
	name = (const char *) lh_entry_k(entry);
	v = (json_object *) lh_entry_v(entry);
	type = dyn_type_from_name(name);
	switch (type)
	{
		case DYN_T_S:
		case DYN_T_N:
		case DYN_T_B:
			if (!json_object_is_type(v, json_type_string))
				return DYN_T_INVALID;
			break;
		case DYN_T_BOOL:
		case DYN_T_NULL:
			if (!json_object_is_type(v, json_type_boolean))
				return DYN_T_INVALID;
			break;
		case DYN_T_M:
			if (!json_object_is_type(v, json_type_object))
				return DYN_T_INVALID;
			break;
		case DYN_T_L:
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			if (!json_object_is_type(v, json_type_array))
				return DYN_T_INVALID;
			break;
		case DYN_T_INVALID:
			return DYN_T_INVALID;
	}
	*inner = v;
	return type;
}

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

void
dyn_to_json(DynValue *v, DynBuf *out)
{
	size_t		len;
	const char *s = json_object_to_json_string_length(v,
													  JSON_C_TO_STRING_PLAIN |
													  JSON_C_TO_STRING_NOSLASHESCAPE,
													  &len);

	dynbuf_append(out, s, len);
}

DynValue *
dyn_parse(const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new_ex(DYN_JSON_TOKENER_DEPTH);
	json_object *obj;

	if (tok == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, text, (int) len);
	if (obj == NULL && json_tokener_get_error(tok) == json_tokener_continue)
	{
		/* the end of the text ends a bare number; all of it was read */
		obj = json_tokener_parse_ex(tok, "", 1);
		json_tokener_free(tok);
		return obj;
	}
	if (obj != NULL)
	{
		/* only whitespace may follow the value */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
			{
				json_object_put(obj);
				obj = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	return obj;
}

void
dyn_value_free(DynValue *v)
{
	if (v)
		json_object_put(v);
}

/* Bytes DynamoDB counts for a number: its significant digits, two a byte. */
static long
dyn_number_size(const char *s)
{
	int			digits = 0;
	int			first = -1;
	int			last = -1;
	int			pos = 0;

	for (const char *p = s; *p && *p != 'e' && *p != 'E'; p++)
	{
		if (*p < '0' || *p > '9')
			continue;
		if (*p != '0')
		{
			if (first < 0)
				first = pos;
			last = pos;
		}
		pos++;
	}
	if (first >= 0)
		digits = last - first + 1;
	return (digits + 1) / 2 + 1;
}

/* Bytes of a base64 string once decoded. */
static long
dyn_base64_size(const char *s, size_t len)
{
	long		n = (long) (len / 4) * 3;

	if (len >= 1 && s[len - 1] == '=')
		n--;
	if (len >= 2 && s[len - 2] == '=')
		n--;
	return n;
}

static long dyn_attr_size(DynValue *av);

static long
dyn_map_size(DynValue *map)
{
	DynObjectIter it;
	const char *key;
	DynValue   *v;
	long		size = 0;

	dyn_object_iter_init(map, &it);
	while (dyn_object_iter_next(&it, &key, &v))
	{
		long		vs = dyn_attr_size(v);

		if (vs < 0)
			return -1;
		size += (long) strlen(key) + vs;
	}
	return size;
}

static long
dyn_attr_size(DynValue *av)
{
	DynValue   *inner;
	size_t		len;
	const char *s;
	long		size;
	int			n;

	switch (dyn_attr(av, &inner))
	{
		case DYN_T_S:
			dyn_string(inner, &len);
			return (long) len;
		case DYN_T_N:
			return dyn_number_size(dyn_string(inner, NULL));
		case DYN_T_B:
			s = dyn_string(inner, &len);
			return dyn_base64_size(s, len);
		case DYN_T_BOOL:
		case DYN_T_NULL:
			return 1;
		case DYN_T_M:
			size = dyn_map_size(inner);
			return size < 0 ? -1 : size + 3 + dyn_object_size(inner);
		case DYN_T_L:
			size = 3;
			n = dyn_array_length(inner);
			for (int i = 0; i < n; i++)
			{
				long		es = dyn_attr_size(dyn_array_get(inner, i));

				if (es < 0)
					return -1;
				size += es + 1;
			}
			return size;
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			{
				DynType		t = dyn_attr(av, &inner);

				size = 0;
				n = dyn_array_length(inner);
				for (int i = 0; i < n; i++)
				{
					s = dyn_string(dyn_array_get(inner, i), &len);
					if (s == NULL)
						return -1;
					size += t == DYN_T_NS ? dyn_number_size(s) :
						t == DYN_T_BS ? dyn_base64_size(s, len) : (long) len;
				}
				return size;
			}
		case DYN_T_INVALID:
			break;
	}
	return -1;
}

long
dyn_item_size(DynValue *item)
{
	if (!dyn_is_object(item))
		return -1;
	return dyn_map_size(item);
}

/* ---------------------------------------------------------------------
 * Checking AttributeValues before they are sent
 * ---------------------------------------------------------------------
 */

/*
 * A DynamoDB number in a canonical form, equal for equal values ("1",
 * "1.0", "+10E-1" are all "1e0"), into out (at least 64 bytes).  Returns
 * false, with *why, when DynamoDB would refuse the text: not a number, more
 * than 38 significant digits, or a magnitude outside 1E-130 .. 9.99E+125.
 */
static bool
dyn_number_canonical(const char *s, char *out, size_t outsize, const char **why)
{
	const char *p = s;
	bool		negative = false;
	int			int_digits = 0;
	int			ndigits = 0;
	int			first = -1;
	int			last = -1;
	long		exp = 0;
	long		exp10;
	size_t		o = 0;

	*why = "is not a number";
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++, ndigits++, int_digits++)
		if (*p != '0')
		{
			if (first < 0)
				first = ndigits;
			last = ndigits;
		}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, ndigits++)
			if (*p != '0')
			{
				if (first < 0)
					first = ndigits;
				last = ndigits;
			}
	if (ndigits == 0)
		return false;
	if (*p == 'e' || *p == 'E')
	{
		bool		eneg = false;
		bool		edigits = false;

		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; *p >= '0' && *p <= '9'; p++)
		{
			edigits = true;
			if (exp < 100000)
				exp = exp * 10 + (*p - '0');
		}
		if (!edigits)
			return false;
		if (eneg)
			exp = -exp;
	}
	if (*p != '\0')
		return false;
	if (first < 0)
	{
		snprintf(out, outsize, "0");
		return true;
	}
	if (last - first + 1 > 38)
	{
		*why = "has more than 38 significant digits";
		return false;
	}
	exp10 = int_digits - 1 - first + exp;
	if (exp10 > 125 || exp10 < -130)
	{
		*why = "is outside DynamoDB's range (1E-130 to 9.99E+125 in magnitude)";
		return false;
	}
	/* the significant digits, then the exponent of the first one */
	if (negative)
		out[o++] = '-';
	{
		int			pos = 0;

		for (const char *d = s; *d && *d != 'e' && *d != 'E'; d++)
		{
			if (*d < '0' || *d > '9')
				continue;
			if (pos >= first && pos <= last && o + 16 < outsize)
				out[o++] = *d;
			pos++;
		}
	}
	snprintf(out + o, outsize - o, "e%ld", exp10);
	return true;
}

/* Strict base64 (RFC 4648 alphabet, padded), as DynamoDB decodes B. */
static bool
dyn_base64_valid(const char *s, size_t len)
{
	size_t		pad = 0;

	if (len % 4 != 0)
		return false;
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (len >= 2 && s[len - 2] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
	{
		char		ch = s[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return false;
	}
	return true;
}

static int
dyn_cmp_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Appends to the path; a path too long for its buffer ends in "...". */
static void
dyn_path_append(char *path, size_t size, size_t at, const char *fmt, const char *s, int i)
{
	int			n;

	if (at >= size)
		return;
	n = s ? snprintf(path + at, size - at, fmt, s) : snprintf(path + at, size - at, fmt, i);
	if (n < 0 || (size_t) n >= size - at)
	{
		if (size > 4)
			memcpy(path + size - 4, "...", 4);
	}
}

static bool dyn_attr_check_at(DynValue *av, int level, char *path, size_t size,
							  const char **why);

/* The elements of a set: each valid, at least one, no two equal. */
static bool
dyn_set_check(DynValue *array, DynType t, char *path, size_t size, const char **why)
{
	int			n = dyn_array_length(array);
	size_t		at = strlen(path);
	char	  **keys;
	bool		ok = true;

	if (n == 0)
	{
		*why = "is an empty set, which DynamoDB cannot store";
		return false;
	}
	keys = calloc((size_t) n, sizeof(char *));
	if (keys == NULL)
	{
		*why = "could not be checked (out of memory)";
		return false;
	}
	for (int i = 0; i < n && ok; i++)
	{
		size_t		len;
		const char *s = dyn_string(dyn_array_get(array, i), &len);
		char		canon[64];

		dyn_path_append(path, size, at, "[%d]", NULL, i);
		if (s == NULL)
		{
			*why = t == DYN_T_NS ? "is not a number string" : "is not a string";
			ok = false;
		}
		else if (t == DYN_T_NS)
		{
			ok = dyn_number_canonical(s, canon, sizeof(canon), why);
			if (ok)
				keys[i] = strdup(canon);
		}
		else if (t == DYN_T_BS && !dyn_base64_valid(s, len))
		{
			*why = "is not valid base64";
			ok = false;
		}
		else
			keys[i] = strndup(s, len);
		if (ok && keys[i] == NULL)
		{
			*why = "could not be checked (out of memory)";
			ok = false;
		}
	}
	if (ok)
	{
		path[at] = '\0';
		qsort(keys, (size_t) n, sizeof(char *), dyn_cmp_strings);
		for (int i = 1; i < n && ok; i++)
			if (strcmp(keys[i - 1], keys[i]) == 0)
			{
				*why = t == DYN_T_NS ? "holds the same number twice, which a set cannot" :
					"holds the same value twice, which a set cannot";
				ok = false;
			}
	}
	for (int i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return ok;
}

static bool
dyn_attr_check_at(DynValue *av, int level, char *path, size_t size, const char **why)
{
	DynValue   *inner;
	DynType		t = dyn_attr(av, &inner);
	size_t		at = strlen(path);
	const char *s;
	size_t		len;
	char		canon[64];

	switch (t)
	{
		case DYN_T_S:
			return true;
		case DYN_T_N:
			return dyn_number_canonical(dyn_string(inner, NULL), canon, sizeof(canon), why);
		case DYN_T_B:
			s = dyn_string(inner, &len);
			if (!dyn_base64_valid(s, len))
			{
				*why = "is not valid base64";
				return false;
			}
			return true;
		case DYN_T_BOOL:
			return true;
		case DYN_T_NULL:
			if (!dyn_boolean(inner))
			{
				*why = "is {\"NULL\": false}; DynamoDB takes only {\"NULL\": true}";
				return false;
			}
			return true;
		case DYN_T_M:
		case DYN_T_L:
			/* level counts the M and L around this one within the attribute */
			if (level >= DYN_MAX_ATTR_NESTING)
			{
				*why = "nests deeper than DynamoDB's 32 levels (the item and 31 inside it)";
				return false;
			}
			if (t == DYN_T_M)
			{
				DynObjectIter it;
				const char *key;
				DynValue   *v;

				dyn_object_iter_init(inner, &it);
				while (dyn_object_iter_next(&it, &key, &v))
				{
					dyn_path_append(path, size, at, ".%s", key, 0);
					if (!dyn_attr_check_at(v, level + 1, path, size, why))
						return false;
				}
			}
			else
			{
				int			n = dyn_array_length(inner);

				for (int i = 0; i < n; i++)
				{
					dyn_path_append(path, size, at, "[%d]", NULL, i);
					if (!dyn_attr_check_at(dyn_array_get(inner, i), level + 1, path, size, why))
						return false;
				}
			}
			path[at] = '\0';
			return true;
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			return dyn_set_check(inner, t, path, size, why);
		case DYN_T_INVALID:
			break;
	}
	*why = "is not an AttributeValue (an object with one member: S, N, B, BOOL, NULL, M, L, SS, NS or BS)";
	return false;
}

bool
dyn_attr_check(DynValue *av, char *path, size_t size, const char **why)
{
	*why = NULL;
	return dyn_attr_check_at(av, 0, path, size, why);
}
