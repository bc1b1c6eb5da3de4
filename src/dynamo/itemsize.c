/*-------------------------------------------------------------------------
 *
 * itemsize.c
 *		The size DynamoDB counts for an item against its 400 KB limit.
 *
 * Names and values in UTF-8 bytes, numbers about one byte per two
 * significant digits, binaries decoded from base64, 3 bytes of overhead per
 * map or list and 1 per element, as DynamoDB documents it, so that an item
 * too large is refused before it is sent.  A malformed item measures -1.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

#include <string.h>

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
