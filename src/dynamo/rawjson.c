/*-------------------------------------------------------------------------
 *
 * rawjson.c
 *		Reading JSON text in place: members, elements, strings,
 *		AttributeValues, with nothing built.
 *
 * A Scan or Query page is up to 1 MB of JSON whose items are read once,
 * in order, and thrown away.  Parsing it into a json-c tree costs an
 * allocation per value and a hash table per object, most of it for
 * attributes the plan does not need.  These functions read the text where
 * it lies instead: a DynRaw is a slice of the page (a whole JSON value, or
 * a string's content without its quotes), found by skipping what comes
 * before it.  Nothing is allocated; a string's escapes are decoded only by
 * dyn_raw_unescape, into the caller's buffer, when its value is wanted.
 *
 * The text must be JSON that the streaming check (jsoncheck.c) accepted:
 * these functions trust the grammar and do not check it again.  They
 * still never read outside the slice they are given, whatever its bytes:
 * malformed text makes them return false or DYN_T_INVALID, never crash.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static size_t raw_unescape_one(const char *s, const char *end, char *out, size_t *n);

static const char *
raw_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/*
 * The closing quote of a string whose content starts at p, or NULL.  Sets
 * *esc when the content holds an escape.
 */
static const char *
raw_string_end(const char *p, const char *end, bool *esc)
{
	/* strings are short, or full of escaped quotes (JSON text): bytewise */
	while (p < end)
	{
		if (*p == '"')
			return p;
		if (*p == '\\')
		{
			*esc = true;
			if (end - p < 2)
				return NULL;
			p += 2;				/* past the escaped byte, a quote maybe */
			continue;
		}
		p++;
	}
	return NULL;
}

/* The byte after the value that starts at p (not whitespace), or NULL. */
static const char *
raw_value_end(const char *p, const char *end)
{
	const char *start = p;
	int			depth = 0;
	bool		esc;

	if (p >= end)
		return NULL;
	switch (*p)
	{
		case '"':
			p = raw_string_end(p + 1, end, &esc);
			return p ? p + 1 : NULL;
		case '{':
		case '[':
			while (p < end)
			{
				switch (*p)
				{
					case '"':
						p = raw_string_end(p + 1, end, &esc);
						if (p == NULL)
							return NULL;
						break;
					case '{':
					case '[':
						depth++;
						break;
					case '}':
					case ']':
						if (--depth == 0)
							return p + 1;
						break;
					default:
						break;
				}
				p++;
			}
			return NULL;
		default:
			/* a number or a literal: up to the byte that ends it */
			while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
				   *p != '\n' && *p != '\r' && *p != '\t')
				p++;
			return p > start ? p : NULL;
	}
}

bool
dyn_raw_value(const char *text, size_t len, DynRaw *value)
{
	const char *end = text + len;
	const char *p = raw_skip_ws(text, end);
	const char *q = raw_value_end(p, end);

	if (q == NULL || raw_skip_ws(q, end) != end)
		return false;
	value->p = p;
	value->len = q - p;
	value->esc = false;
	return true;
}

void
dyn_raw_iter_open(const char *p, const char *end, DynRawIter *it)
{
	it->first = true;
	it->closed = false;
	it->exact = NULL;
	it->ok = p < end && (*p == '{' || *p == '[');
	it->close = it->ok && *p == '{' ? '}' : ']';
	it->p = it->ok ? p + 1 : p;
	it->end = end;
}

void
dyn_raw_iter_init(DynRaw container, DynRawIter *it)
{
	dyn_raw_iter_open(container.p, container.p + container.len, it);
	it->exact = container.p + container.len;
}

/*
 * Steps to the next entry, over the ',' before it; false at the close of
 * the container (closed, it->p past it) or on junk.
 */
static bool
raw_iter_step(DynRawIter *it)
{
	const char *p;

	if (!it->ok)
		return false;
	p = raw_skip_ws(it->p, it->end);
	if (p < it->end && *p == it->close)
	{
		it->closed = true;
		it->ok = false;
		it->p = p + 1;
		return false;
	}
	if (!it->first)
	{
		if (p >= it->end || *p != ',')
		{
			it->ok = false;
			return false;
		}
		p = raw_skip_ws(p + 1, it->end);
	}
	it->first = false;
	it->p = p;
	if (p >= it->end)
	{
		it->ok = false;
		return false;
	}
	return true;
}

bool
dyn_raw_next_start(DynRawIter *it, const char **start)
{
	if (!raw_iter_step(it))
		return false;
	*start = it->p;
	return true;
}

void
dyn_raw_iter_skip_to(DynRawIter *it, const char *after)
{
	it->p = after;
}

bool
dyn_raw_next_element(DynRawIter *it, DynRaw *elem)
{
	const char *q;

	if (!raw_iter_step(it))
		return false;
	q = raw_value_end(it->p, it->end);
	if (q == NULL)
	{
		it->ok = false;
		return false;
	}
	elem->p = it->p;
	elem->len = q - it->p;
	elem->esc = false;
	it->p = q;
	return true;
}

bool
dyn_raw_next_member(DynRawIter *it, DynRaw *key, DynRaw *value)
{
	const char *p;
	const char *q;

	if (!raw_iter_step(it))
		return false;
	p = it->p;
	if (*p != '"')
		goto junk;
	key->esc = false;
	q = raw_string_end(p + 1, it->end, &key->esc);
	if (q == NULL)
		goto junk;
	key->p = p + 1;
	key->len = q - (p + 1);
	p = raw_skip_ws(q + 1, it->end);
	if (p >= it->end || *p != ':')
		goto junk;
	p = raw_skip_ws(p + 1, it->end);
	q = raw_value_end(p, it->end);
	if (q == NULL)
		goto junk;
	value->p = p;
	value->len = q - p;
	value->esc = false;
	it->p = q;
	return true;
junk:
	it->ok = false;
	return false;
}

bool
dyn_raw_key_is(DynRaw key, const char *name, size_t name_len)
{
	const char *s = key.p;
	const char *end = key.p + key.len;
	size_t		at = 0;

	if (!key.esc)
		return key.len == name_len && memcmp(key.p, name, name_len) == 0;
	/* escape by escape, with nothing allocated whatever the key's length */
	while (s < end)
	{
		char		buf[4];
		size_t		used;
		size_t		n;

		if (*s != '\\')
		{
			if (at >= name_len || name[at] != *s)
				return false;
			at++;
			s++;
			continue;
		}
		used = raw_unescape_one(s, end, buf, &n);
		if (used == 0 || at + n > name_len || memcmp(name + at, buf, n) != 0)
			return false;
		at += n;
		s += used;
	}
	return at == name_len;
}

bool
dyn_raw_member(DynRaw object, const char *name, DynRaw *value)
{
	DynRawIter	it;
	DynRaw		k;
	DynRaw		v;
	size_t		name_len = strlen(name);
	bool		found = false;

	dyn_raw_iter_init(object, &it);
	if (!it.ok || object.p[0] != '{')
		return false;
	while (dyn_raw_next_member(&it, &k, &v))
		if (dyn_raw_key_is(k, name, name_len))
		{
			*value = v;			/* the last one, as a parser keeps */
			found = true;
		}
	return found;
}

bool
dyn_raw_string(DynRaw value, DynRaw *content)
{
	bool		esc = false;
	const char *q;

	if (value.len < 2 || value.p[0] != '"')
		return false;
	q = raw_string_end(value.p + 1, value.p + value.len, &esc);
	if (q != value.p + value.len - 1)
		return false;
	content->p = value.p + 1;
	content->len = value.len - 2;
	content->esc = esc;
	return true;
}

static int
raw_hex4(const char *p)
{
	int			v = 0;

	for (int i = 0; i < 4; i++)
	{
		char		c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static char *
raw_put_utf8(char *d, unsigned int cp)
{
	if (cp < 0x80)
		*d++ = (char) cp;
	else if (cp < 0x800)
	{
		*d++ = (char) (0xC0 | (cp >> 6));
		*d++ = (char) (0x80 | (cp & 0x3F));
	}
	else if (cp < 0x10000)
	{
		*d++ = (char) (0xE0 | (cp >> 12));
		*d++ = (char) (0x80 | ((cp >> 6) & 0x3F));
		*d++ = (char) (0x80 | (cp & 0x3F));
	}
	else
	{
		*d++ = (char) (0xF0 | (cp >> 18));
		*d++ = (char) (0x80 | ((cp >> 12) & 0x3F));
		*d++ = (char) (0x80 | ((cp >> 6) & 0x3F));
		*d++ = (char) (0x80 | (cp & 0x3F));
	}
	return d;
}

/*
 * Decodes the escape at s (a backslash) into out (up to 4 bytes, *n of
 * them); returns the source bytes it took, 0 when it is not a JSON escape
 * or a surrogate without its pair.
 */
static size_t
raw_unescape_one(const char *s, const char *end, char *out, size_t *n)
{
	int			cp;
	int			lo;

	if (end - s < 2)
		return 0;
	*n = 1;
	switch (s[1])
	{
		case '"':
			*out = '"';
			return 2;
		case '\\':
			*out = '\\';
			return 2;
		case '/':
			*out = '/';
			return 2;
		case 'b':
			*out = '\b';
			return 2;
		case 'f':
			*out = '\f';
			return 2;
		case 'n':
			*out = '\n';
			return 2;
		case 'r':
			*out = '\r';
			return 2;
		case 't':
			*out = '\t';
			return 2;
		case 'u':
			break;
		default:
			return 0;
	}
	if (end - s < 6 || (cp = raw_hex4(s + 2)) < 0)
		return 0;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return 0;				/* a low surrogate alone */
	if (cp >= 0xD800 && cp <= 0xDBFF)
	{
		/* a high surrogate: its low one must follow */
		if (end - s < 12 || s[6] != '\\' || s[7] != 'u' ||
			(lo = raw_hex4(s + 8)) < 0xDC00 || lo > 0xDFFF)
			return 0;
		*n = raw_put_utf8(out, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)) - out;
		return 12;
	}
	*n = raw_put_utf8(out, (unsigned int) cp) - out;
	return 6;
}

size_t
dyn_raw_unescape(const char *s, size_t len, char *dst)
{
	const char *end = s + len;
	char	   *d = dst;

	while (s < end)
	{
		const char *b = memchr(s, '\\', end - s);
		size_t		used;
		size_t		n;

		if (b == NULL)
		{
			memmove(d, s, end - s);
			d += end - s;
			break;
		}
		memmove(d, s, b - s);
		d += b - s;
		used = raw_unescape_one(b, end, d, &n);
		if (used == 0)
			return DYN_RAW_BAD_ESCAPE;
		d += n;
		s = b + used;
	}
	return d - dst;
}

/*
 * The inner value v of an AttributeValue of type t, checked for its JSON
 * type: S, N and B give the string's content.
 */
static DynType
raw_attr_inner(DynType type, DynRaw v, DynRaw *inner)
{
	switch (type)
	{
		case DYN_T_S:
		case DYN_T_N:
		case DYN_T_B:
			return dyn_raw_string(v, inner) ? type : DYN_T_INVALID;
		case DYN_T_BOOL:
		case DYN_T_NULL:
			if (!(v.len == 4 && memcmp(v.p, "true", 4) == 0) &&
				!(v.len == 5 && memcmp(v.p, "false", 5) == 0))
				return DYN_T_INVALID;
			break;
		case DYN_T_M:
			if (v.p[0] != '{')
				return DYN_T_INVALID;
			break;
		case DYN_T_L:
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			if (v.p[0] != '[')
				return DYN_T_INVALID;
			break;
		case DYN_T_INVALID:
			return DYN_T_INVALID;
	}
	*inner = v;
	return type;
}

DynType
dyn_raw_attr(DynRaw av, DynRaw *inner)
{
	DynRawIter	it;
	DynRaw		k;
	DynRaw		v;
	DynRaw		extra_k;
	DynRaw		extra_v;
	char		name[24];		/* "BOOL" as four \u escapes */

	dyn_raw_iter_init(av, &it);
	if (!it.ok || av.p[0] != '{' || !dyn_raw_next_member(&it, &k, &v))
		return DYN_T_INVALID;
	if (dyn_raw_next_member(&it, &extra_k, &extra_v) || !dyn_raw_iter_done(&it))
		return DYN_T_INVALID;	/* exactly one member */
	if (k.esc)
	{
		if (k.len > sizeof(name))
			return DYN_T_INVALID;
		k.len = dyn_raw_unescape(k.p, k.len, name);
		if (k.len == DYN_RAW_BAD_ESCAPE)
			return DYN_T_INVALID;
		k.p = name;
	}
	return raw_attr_inner(dyn_type_from_name_len(k.p, k.len), v, inner);
}

/*
 * The common form of an attribute, {"T":value} with nothing else, read in
 * one pass: false when the text at p is anything else (then the caller
 * reads it the general way).
 */
static bool
raw_attr_fast(const char *p, const char *end, DynRaw *av, DynType *type, DynRaw *inner)
{
	const char *start = p;
	const char *q;
	const char *vstart;
	bool		esc = false;
	DynType		t;

	if (p >= end || *p != '{')
		return false;
	p = raw_skip_ws(p + 1, end);
	if (p >= end || *p != '"')
		return false;
	q = raw_string_end(p + 1, end, &esc);
	if (q == NULL || esc)
		return false;
	t = dyn_type_from_name_len(p + 1, q - (p + 1));
	p = raw_skip_ws(q + 1, end);
	if (t == DYN_T_INVALID || p >= end || *p != ':')
		return false;
	vstart = raw_skip_ws(p + 1, end);
	if (vstart >= end)
		return false;
	if (*vstart == '"')
	{
		esc = false;
		q = raw_string_end(vstart + 1, end, &esc);
		if (q == NULL)
			return false;
		inner->p = vstart + 1;
		inner->len = q - (vstart + 1);
		inner->esc = esc;
		q++;
		if (t != DYN_T_S && t != DYN_T_N && t != DYN_T_B)
			return false;		/* the general way says it is invalid */
	}
	else
	{
		DynRaw		v;

		q = raw_value_end(vstart, end);
		if (q == NULL)
			return false;
		v.p = vstart;
		v.len = q - vstart;
		v.esc = false;
		if (t == DYN_T_S || t == DYN_T_N || t == DYN_T_B ||
			raw_attr_inner(t, v, inner) == DYN_T_INVALID)
			return false;
	}
	p = raw_skip_ws(q, end);
	if (p >= end || *p != '}')
		return false;
	av->p = start;
	av->len = p + 1 - start;
	av->esc = false;
	*type = t;
	return true;
}

bool
dyn_raw_next_attr(DynRawIter *it, DynRaw *name, DynRaw *av, DynType *type, DynRaw *inner)
{
	const char *p;
	const char *q;

	if (!raw_iter_step(it))
		return false;
	p = it->p;
	name->esc = false;
	if (*p != '"' || (q = raw_string_end(p + 1, it->end, &name->esc)) == NULL)
		goto junk;
	name->p = p + 1;
	name->len = q - (p + 1);
	p = raw_skip_ws(q + 1, it->end);
	if (p >= it->end || *p != ':')
		goto junk;
	p = raw_skip_ws(p + 1, it->end);
	if (!raw_attr_fast(p, it->end, av, type, inner))
	{
		q = raw_value_end(p, it->end);
		if (q == NULL)
			goto junk;
		av->p = p;
		av->len = q - p;
		av->esc = false;
		*type = dyn_raw_attr(*av, inner);
	}
	it->p = av->p + av->len;
	return true;
junk:
	it->ok = false;
	return false;
}

bool
dyn_raw_first_value(const char *p, const char *end, DynRaw *value)
{
	const char *q;

	p = raw_skip_ws(p, end);
	q = raw_value_end(p, end);
	if (q == NULL)
		return false;
	value->p = p;
	value->len = q - p;
	value->esc = false;
	return true;
}

bool
dyn_raw_iter_done(const DynRawIter *it)
{
	/* the iteration ended at the container's close, not on junk */
	return it->closed && (it->exact == NULL || it->p == it->exact);
}

long long
dyn_raw_integer(DynRaw v)
{
	long long	n = 0;
	size_t		i = 0;
	bool		neg = false;

	if (i < v.len && v.p[i] == '-')
	{
		neg = true;
		i++;
	}
	for (; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++)
	{
		if (n > (LLONG_MAX - 9) / 10)
			return neg ? LLONG_MIN : LLONG_MAX;
		n = n * 10 + (v.p[i] - '0');
	}
	return neg ? -n : n;
}

bool
dyn_raw_true(DynRaw v)
{
	return v.len == 4 && memcmp(v.p, "true", 4) == 0;
}
