/*-------------------------------------------------------------------------
 *
 * attrcheck.c
 *		Checking AttributeValues as DynamoDB will, before they are sent.
 *
 * dyn_attr_check() refuses what DynamoDB would refuse, so that the error
 * names the attribute and the place inside it ("tags.a[2]") instead of
 * failing a whole batch remotely: one known type, numbers DynamoDB can store
 * (syntax, 38 significant digits, range), strict base64, {"NULL": true}
 * only, sets non-empty without duplicates (numbers compared by value), M
 * and L nested at most DYN_MAX_ATTR_NESTING levels.  It reports by its
 * result and a predicate in *why; it allocates only while checking a set.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo/jsoncheck.h"

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
