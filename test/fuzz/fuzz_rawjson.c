/*-------------------------------------------------------------------------
 *
 * fuzz_rawjson.c
 *		libFuzzer target: reading pages in place (rawjson.c), against
 *		json-c.
 *
 * Input: one byte choosing how the text is cut into chunks for the check,
 * then the text.  On any text, the in-place reader never reads outside it
 * (ASan) and always ends.  On a text the page check accepts:
 *	- every string is well-formed UTF-8 once its escapes are decoded;
 *	- the reader sees the value json-c parses: the same containers with
 *	  the same entries in the same order, the same decoded strings, the
 *	  same scalars (an object whose keys repeat is compared by its last
 *	  value of each key, as json-c keeps it);
 *	- every object read as an AttributeValue has the type and inner value
 *	  json-c's reading (dyn_attr) gives it, and renders as plain JSON
 *	  when json-c's reading says it is well-formed;
 *	- every object read as an item the one-pass way (dyn_raw_next_attr,
 *	  with only a bound of its end) gives each member's AttributeValue as
 *	  dyn_raw_attr reads it, and ends where the object ends.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include <json-c/json.h>

#include "dynamo/dynamo.h"
#include "dynamo/jsoncheck.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is s (len bytes) well-formed UTF-8? */
static bool
utf8_ok(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char b = s[i];
		int			need;
		unsigned char lo = 0x80;
		unsigned char hi = 0xBF;

		if (b < 0x80)
		{
			i++;
			continue;
		}
		if (b >= 0xC2 && b <= 0xDF)
			need = 1;
		else if (b >= 0xE0 && b <= 0xEF)
		{
			need = 2;
			lo = b == 0xE0 ? 0xA0 : 0x80;
			hi = b == 0xED ? 0x9F : 0xBF;
		}
		else if (b >= 0xF0 && b <= 0xF4)
		{
			need = 3;
			lo = b == 0xF0 ? 0x90 : 0x80;
			hi = b == 0xF4 ? 0x8F : 0xBF;
		}
		else
			return false;
		for (int k = 1; k <= need; k++)
		{
			if (i + k >= len || s[i + k] < lo || s[i + k] > hi)
				return false;
			lo = 0x80;
			hi = 0xBF;
		}
		i += need + 1;
	}
	return true;
}

/* A string's decoded content (malloc'd, *n bytes), or NULL for a bad escape. */
static char *
decoded(DynRaw s, size_t *n)
{
	char	   *buf = malloc(s.len + 1);

	FUZZ_ASSERT(buf != NULL, "out of memory");
	*n = dyn_raw_unescape(s.p, s.len, buf);
	if (*n == DYN_RAW_BAD_ESCAPE)
	{
		free(buf);
		return NULL;
	}
	FUZZ_ASSERT(*n <= s.len, "decoding lengthened a string");
	return buf;
}

/* Does the decoded string equal json-c's? */
static void
same_string(DynRaw content, json_object *j)
{
	size_t		n;
	char	   *d = decoded(content, &n);

	FUZZ_ASSERT(json_object_is_type(j, json_type_string), "a string json-c does not see");
	if (d == NULL)
		return;					/* a lone surrogate: json-c makes up a character */
	FUZZ_ASSERT(utf8_ok((unsigned char *) d, n), "a decoded string is not UTF-8");
	FUZZ_ASSERT((size_t) json_object_get_string_len(j) == n &&
				memcmp(json_object_get_string(j), d, n) == 0,
				"a string decodes otherwise than json-c decodes it");
	free(d);
}

static void same_value(DynRaw r, json_object *j, int depth);
static void same_item_reading(DynRaw r, const char *bound);

/* The end of the whole text: the bound an item is read with. */
static const char *text_end;

/* An object whose keys repeat is compared by json-c's rule: the last wins. */
static void
same_object(DynRaw r, json_object *j, int depth)
{
	DynRawIter	it;
	DynRaw		k;
	DynRaw		v;
	int			members = 0;
	bool		repeats = false;

	FUZZ_ASSERT(json_object_is_type(j, json_type_object), "an object json-c does not see");
	dyn_raw_iter_init(r, &it);
	while (dyn_raw_next_member(&it, &k, &v))
	{
		size_t		n;
		char	   *key = decoded(k, &n);
		json_object *jv;
		DynRaw		last;

		members++;
		if (key == NULL || memchr(key, '\0', n) != NULL)
		{
			/* json-c cuts keys at NUL, and makes up lone surrogates */
			free(key);
			repeats = true;
			continue;
		}
		key[n] = '\0';
		FUZZ_ASSERT(json_object_object_get_ex(j, key, &jv), "a member json-c does not have");
		FUZZ_ASSERT(dyn_raw_member(r, key, &last), "dyn_raw_member misses a member");
		if (last.p != v.p)
			repeats = true;		/* not the last of its key: json-c dropped it */
		else
			same_value(v, jv, depth + 1);
		free(key);
	}
	FUZZ_ASSERT(dyn_raw_iter_done(&it), "an accepted object read as junk");
	if (!repeats)
		FUZZ_ASSERT(members == json_object_object_length(j), "member counts differ");
}

static void
same_attr(DynRaw r, json_object *j)
{
	DynRaw		inner;
	DynValue   *jinner;
	DynType		rt = dyn_raw_attr(r, &inner);
	DynType		jt = dyn_attr(j, &jinner);
	DynBuf		b;
	DynRawIter	it;
	DynRaw		k;
	DynRaw		v;
	int			n = 0;
	bool		plain;

	dyn_raw_iter_init(r, &it);
	while (dyn_raw_next_member(&it, &k, &v))
		n++;
	if (n != 1 || k.esc)
	{
		/* repeated keys (json-c keeps one) or escapes json-c may make up */
		FUZZ_ASSERT(rt == DYN_T_INVALID || rt == jt || k.esc, "AttributeValue types differ");
		return;
	}
	FUZZ_ASSERT(rt == jt, "AttributeValue types differ");
	if (rt == DYN_T_S || rt == DYN_T_N || rt == DYN_T_B)
		same_string(inner, jinner);
	else if (rt == DYN_T_BOOL)
		FUZZ_ASSERT(dyn_raw_true(inner) == (bool) json_object_get_boolean(jinner),
					"BOOL values differ");
	dynbuf_init(&b);
	plain = dyn_raw_attr_to_plain_json(r, &b);
	if (plain && !b.oom)
	{
		DynJsonCheck *c = malloc(sizeof(DynJsonCheck));

		FUZZ_ASSERT(c != NULL, "out of memory");
		dyn_json_check_init(c);
		dyn_json_check_feed(c, b.data, b.len);
		FUZZ_ASSERT(dyn_json_check_done(c), "plain JSON that is not JSON");
		free(c);
	}
	dynbuf_free(&b);
}

static void
same_value(DynRaw r, json_object *j, int depth)
{
	DynRaw		content;

	FUZZ_ASSERT(depth < 200, "runaway nesting");
	switch (r.p[0])
	{
		case '{':
			same_object(r, j, depth);
			same_attr(r, j);
			same_item_reading(r, text_end);
			break;
		case '[':
			{
				DynRawIter	it;
				DynRaw		e;
				size_t		i = 0;

				FUZZ_ASSERT(json_object_is_type(j, json_type_array), "an array json-c does not see");
				dyn_raw_iter_init(r, &it);
				while (dyn_raw_next_element(&it, &e))
				{
					FUZZ_ASSERT(i < json_object_array_length(j), "more elements than json-c");
					same_value(e, json_object_array_get_idx(j, i), depth + 1);
					i++;
				}
				FUZZ_ASSERT(dyn_raw_iter_done(&it), "an accepted array read as junk");
				FUZZ_ASSERT(i == json_object_array_length(j), "fewer elements than json-c");
				break;
			}
		case '"':
			FUZZ_ASSERT(dyn_raw_string(r, &content), "a string not read as one");
			same_string(content, j);
			break;
		case 't':
		case 'f':
			FUZZ_ASSERT(json_object_is_type(j, json_type_boolean) &&
						(bool) json_object_get_boolean(j) == dyn_raw_true(r),
						"booleans differ");
			break;
		case 'n':
			FUZZ_ASSERT(j == NULL, "null differs");
			break;
		default:
			FUZZ_ASSERT(json_object_is_type(j, json_type_int) ||
						json_object_is_type(j, json_type_double), "a number json-c does not see");
			break;
	}
}

/* An object read as an item, the way the scan reads one. */
static void
same_item_reading(DynRaw r, const char *bound)
{
	DynRawIter	it;
	DynRawIter	plain;
	DynRaw		name;
	DynRaw		av;
	DynRaw		inner;
	DynRaw		k;
	DynRaw		v;
	DynType		t;

	dyn_raw_iter_open(r.p, bound, &it);
	dyn_raw_iter_init(r, &plain);
	while (dyn_raw_next_attr(&it, &name, &av, &t, &inner))
	{
		DynRaw		inner2;

		FUZZ_ASSERT(dyn_raw_next_member(&plain, &k, &v), "the item has fewer members");
		FUZZ_ASSERT(k.p == name.p && k.len == name.len && v.p == av.p && v.len == av.len,
					"the one-pass reading finds other members");
		FUZZ_ASSERT(dyn_raw_attr(av, &inner2) == t, "the one-pass reading types otherwise");
		if (t != DYN_T_INVALID)
			FUZZ_ASSERT(inner2.p == inner.p && inner2.len == inner.len && inner2.esc == inner.esc,
						"the one-pass reading finds another inner value");
	}
	FUZZ_ASSERT(dyn_raw_iter_done(&it), "an accepted item read as junk");
	FUZZ_ASSERT(it.p == r.p + r.len, "the one-pass reading ends elsewhere than the item");
}

/* Walks anything, accepted or not: it must end, inside the text. */
static void
walk_anything(DynRaw r, int depth)
{
	DynRawIter	it;
	DynRaw		k;
	DynRaw		v;
	DynRaw		inner;
	DynType		t;
	DynBuf		b;

	if (depth > 40 || r.len == 0)
		return;
	(void) dyn_raw_attr(r, &inner);
	dynbuf_init(&b);
	(void) dyn_raw_item_to_plain_json(r, &b);
	(void) dyn_raw_attr_to_plain_json(r, &b);
	dynbuf_free(&b);
	(void) dyn_raw_member(r, "Items", &v);
	dyn_raw_iter_open(r.p, r.p + r.len, &it);
	while (dyn_raw_next_attr(&it, &k, &v, &t, &inner))
		;
	dyn_raw_iter_init(r, &it);
	if (r.p[0] == '{')
		while (dyn_raw_next_member(&it, &k, &v))
			walk_anything(v, depth + 1);
	else
		while (dyn_raw_next_element(&it, &v))
			walk_anything(v, depth + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	DynJsonCheck *check;
	uint32_t	seed;
	char	   *text;
	size_t		len;
	DynRaw		r;

	if (size < 1)
		return 0;
	seed = data[0];
	len = size - 1;
	text = fuzz_copy(data + 1, len);

	/* any bytes: a slice exactly as long as the input, nothing after it */
	{
		char	   *exact = malloc(len ? len : 1);
		DynRaw		any;

		FUZZ_ASSERT(exact != NULL, "out of memory");
		memcpy(exact, data + 1, len);
		any.p = exact;
		any.len = len;
		any.esc = false;
		walk_anything(any, 0);
		if (dyn_raw_value(exact, len, &r))
			walk_anything(r, 0);
		free(exact);
	}

	check = malloc(sizeof(DynJsonCheck));
	FUZZ_ASSERT(check != NULL, "out of memory");
	dyn_json_check_init(check);
	for (size_t off = 0; off < len;)
	{
		size_t		n = fuzz_chunk(&seed, len - off);

		dyn_json_check_feed(check, text + off, n);
		off += n;
	}
	if (dyn_json_check_done(check))
	{
		DynValue   *root = dyn_parse(text, len);

		FUZZ_ASSERT(root != NULL || strncmp(text + strspn(text, " \t\r\n"), "null", 4) == 0,
					"the check accepted a text json-c rejects");
		FUZZ_ASSERT(dyn_raw_value(text, len, &r), "an accepted text is not one value");
		text_end = text + len;
		same_value(r, root, 0);
		dyn_value_free(root);
	}
	free(check);
	free(text);
	return 0;
}
