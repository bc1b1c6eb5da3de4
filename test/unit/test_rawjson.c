/*-------------------------------------------------------------------------
 *
 * test_rawjson.c
 *		Unit tests of reading pages in place (rawjson.c), of their plain
 *		JSON rendering (plainjson.c) and of the UTF-8 part of the page
 *		check (jsoncheck.c).
 *
 * Every DynamoDB type, every JSON escape, surrogate pairs and lone
 * surrogates, empty and huge values, the deepest nesting DynamoDB allows,
 * repeated and escaped keys, junk between entries; and the UTF-8 forms the
 * check must refuse, cut across chunks.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "unit.h"

#include "dynamo/dynamo.h"
#include "dynamo/jsoncheck.h"

static DynRaw
raw(const char *text)
{
	DynRaw		r;

	if (!dyn_raw_value(text, strlen(text), &r))
	{
		r.p = NULL;
		r.len = 0;
	}
	return r;
}

/* The decoded content of an AttributeValue's string, or NULL. */
static char *
attr_string(const char *av, DynType want)
{
	static char buf[4096];
	DynRaw		inner;
	size_t		n;

	if (dyn_raw_attr(raw(av), &inner) != want)
		return NULL;
	n = dyn_raw_unescape(inner.p, inner.len, buf);
	if (n == DYN_RAW_BAD_ESCAPE)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* The plain JSON of an AttributeValue (item: of an item), or NULL. */
static char *
plain(const char *text, int item)
{
	static char out[8192];
	DynBuf		b;
	bool		ok;

	dynbuf_init(&b);
	ok = item ? dyn_raw_item_to_plain_json(raw(text), &b) :
		dyn_raw_attr_to_plain_json(raw(text), &b);
	if (!ok || b.oom || b.len >= sizeof(out))
	{
		dynbuf_free(&b);
		return NULL;
	}
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	dynbuf_free(&b);
	return out;
}

static bool
check_text(const char *text, size_t len, size_t chunk)
{
	DynJsonCheck c;

	dyn_json_check_init(&c);
	for (size_t off = 0; off < len; off += chunk)
		dyn_json_check_feed(&c, text + off, len - off < chunk ? len - off : chunk);
	return dyn_json_check_done(&c);
}

/* Does the check accept text whole and cut into one-byte chunks alike? */
static int
accepts(const char *text)
{
	bool		whole = check_text(text, strlen(text), strlen(text) + 1);
	bool		bytes = check_text(text, strlen(text), 1);

	return whole == bytes ? whole : -1;
}

static void
test_types(void)
{
	DynRaw		inner;

	UNIT_EQ_STR("S", attr_string("{\"S\":\"abc\"}", DYN_T_S), "abc");
	UNIT_EQ_STR("S empty", attr_string("{\"S\":\"\"}", DYN_T_S), "");
	UNIT_EQ_STR("N", attr_string("{\"N\":\"-12.5e3\"}", DYN_T_N), "-12.5e3");
	UNIT_EQ_STR("B", attr_string("{\"B\":\"AAEC\"}", DYN_T_B), "AAEC");
	UNIT_EQ_STR("B with an escaped slash", attr_string("{\"B\":\"a\\/b=\"}", DYN_T_B), "a/b=");
	UNIT_EQ_INT("BOOL", dyn_raw_attr(raw("{\"BOOL\":true}"), &inner), DYN_T_BOOL);
	UNIT_TRUE("BOOL true", dyn_raw_true(inner));
	UNIT_EQ_INT("BOOL false", dyn_raw_attr(raw("{\"BOOL\": false }"), &inner), DYN_T_BOOL);
	UNIT_TRUE("BOOL false is false", !dyn_raw_true(inner));
	UNIT_EQ_INT("NULL", dyn_raw_attr(raw("{\"NULL\":true}"), &inner), DYN_T_NULL);
	UNIT_EQ_INT("M", dyn_raw_attr(raw("{\"M\":{\"a\":{\"S\":\"x\"}}}"), &inner), DYN_T_M);
	UNIT_EQ_INT("M's inner is the object", inner.len, strlen("{\"a\":{\"S\":\"x\"}}"));
	UNIT_EQ_INT("L", dyn_raw_attr(raw("{\"L\":[]}"), &inner), DYN_T_L);
	UNIT_EQ_INT("SS", dyn_raw_attr(raw("{\"SS\":[\"a\"]}"), &inner), DYN_T_SS);
	UNIT_EQ_INT("NS", dyn_raw_attr(raw("{\"NS\":[\"1\"]}"), &inner), DYN_T_NS);
	UNIT_EQ_INT("BS", dyn_raw_attr(raw("{\"BS\":[\"AA==\"]}"), &inner), DYN_T_BS);
	UNIT_EQ_STR("escaped type name", attr_string("{\"\\u0053\":\"x\"}", DYN_T_S), "x");
	UNIT_EQ_INT("BOOL in four escapes",
				dyn_raw_attr(raw("{\"\\u0042\\u004f\\u004f\\u004c\":true}"), &inner), DYN_T_BOOL);

	UNIT_EQ_INT("two members", dyn_raw_attr(raw("{\"S\":\"a\",\"N\":\"1\"}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("repeated type", dyn_raw_attr(raw("{\"S\":\"a\",\"S\":\"b\"}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("no member", dyn_raw_attr(raw("{}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("unknown type", dyn_raw_attr(raw("{\"X\":\"a\"}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("lower-case type", dyn_raw_attr(raw("{\"s\":\"a\"}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("S not a string", dyn_raw_attr(raw("{\"S\":1}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("N not a string", dyn_raw_attr(raw("{\"N\":1}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("BOOL not a boolean", dyn_raw_attr(raw("{\"BOOL\":\"true\"}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("NULL null", dyn_raw_attr(raw("{\"NULL\":null}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("M not an object", dyn_raw_attr(raw("{\"M\":[]}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("L not an array", dyn_raw_attr(raw("{\"L\":{}}"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("not an object", dyn_raw_attr(raw("[\"S\",\"a\"]"), &inner), DYN_T_INVALID);
	UNIT_EQ_INT("a string", dyn_raw_attr(raw("\"S\""), &inner), DYN_T_INVALID);
}

static void
test_escapes(void)
{
	char		buf[64];

	UNIT_EQ_STR("every short escape",
				attr_string("{\"S\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", DYN_T_S), "\"\\/\b\f\n\r\t");
	UNIT_EQ_STR("\\u00e9", attr_string("{\"S\":\"caf\\u00e9\"}", DYN_T_S), "caf\xc3\xa9");
	UNIT_EQ_STR("\\u00E9 upper-case hex", attr_string("{\"S\":\"\\u00E9\"}", DYN_T_S), "\xc3\xa9");
	UNIT_EQ_STR("\\u20ac", attr_string("{\"S\":\"\\u20ac\"}", DYN_T_S), "\xe2\x82\xac");
	UNIT_EQ_STR("\\u007f", attr_string("{\"S\":\"\\u007f\"}", DYN_T_S), "\x7f");
	UNIT_EQ_STR("\\u0080", attr_string("{\"S\":\"\\u0080\"}", DYN_T_S), "\xc2\x80");
	UNIT_EQ_STR("\\uffff", attr_string("{\"S\":\"\\uffff\"}", DYN_T_S), "\xef\xbf\xbf");
	UNIT_EQ_STR("surrogate pair", attr_string("{\"S\":\"\\ud83d\\ude00!\"}", DYN_T_S),
				"\xf0\x9f\x98\x80!");
	UNIT_EQ_STR("the last code point", attr_string("{\"S\":\"\\udbff\\udfff\"}", DYN_T_S),
				"\xf4\x8f\xbf\xbf");
	UNIT_EQ_STR("UTF-8 as is", attr_string("{\"S\":\"\xf0\x9f\x98\x80 \xc3\xa9\"}", DYN_T_S),
				"\xf0\x9f\x98\x80 \xc3\xa9");
	UNIT_TRUE("lone high surrogate", attr_string("{\"S\":\"\\ud83d\"}", DYN_T_S) == NULL);
	UNIT_TRUE("high surrogate then text", attr_string("{\"S\":\"\\ud83dx\"}", DYN_T_S) == NULL);
	UNIT_TRUE("high then high", attr_string("{\"S\":\"\\ud83d\\ud83d\"}", DYN_T_S) == NULL);
	UNIT_TRUE("lone low surrogate", attr_string("{\"S\":\"\\ude00\"}", DYN_T_S) == NULL);
	UNIT_EQ_INT("\\u0000 decodes to NUL", dyn_raw_unescape("a\\u0000b", 8, buf), 3);
	UNIT_TRUE("... in the middle", memcmp(buf, "a\0b", 3) == 0);
	UNIT_EQ_INT("bad escape letter", dyn_raw_unescape("\\x", 2, buf), DYN_RAW_BAD_ESCAPE);
	UNIT_EQ_INT("cut escape", dyn_raw_unescape("ab\\", 3, buf), DYN_RAW_BAD_ESCAPE);
	UNIT_EQ_INT("cut \\u", dyn_raw_unescape("\\u12", 4, buf), DYN_RAW_BAD_ESCAPE);
	UNIT_EQ_INT("bad hex", dyn_raw_unescape("\\u12g4", 6, buf), DYN_RAW_BAD_ESCAPE);
	UNIT_EQ_INT("no escape", dyn_raw_unescape("plain", 5, buf), 5);
}

static void
test_members(void)
{
	DynRaw		page = raw(" {\"Items\": [ {\"a\":{\"S\":\"1\"}} , {\"a\":{\"S\":\"2\"}} ],"
						   " \"Count\": 2, \"ScannedCount\":7 ,\"Last\\u0045\":{\"k\":{\"S\":\"x\"}}} ");
	DynRaw		v;
	DynRaw		e;
	DynRawIter	it;
	int			n = 0;

	UNIT_TRUE("page is one value", page.p != NULL && page.p[0] == '{');
	UNIT_TRUE("Items found", dyn_raw_member(page, "Items", &v));
	dyn_raw_iter_init(v, &it);
	while (dyn_raw_next_element(&it, &e))
		n++;
	UNIT_EQ_INT("two items", n, 2);
	UNIT_TRUE("items end cleanly", dyn_raw_iter_done(&it));
	UNIT_TRUE("Count found", dyn_raw_member(page, "Count", &v));
	UNIT_EQ_INT("Count", dyn_raw_integer(v), 2);
	UNIT_TRUE("ScannedCount found", dyn_raw_member(page, "ScannedCount", &v));
	UNIT_EQ_INT("ScannedCount", dyn_raw_integer(v), 7);
	UNIT_TRUE("escaped key found", dyn_raw_member(page, "LastE", &v));
	UNIT_TRUE("missing member", !dyn_raw_member(page, "LastEvaluatedKey", &v));
	UNIT_TRUE("repeated key: the last", dyn_raw_member(raw("{\"a\":1,\"a\":2}"), "a", &v) &&
			  v.len == 1 && v.p[0] == '2');
	UNIT_TRUE("member of an array", !dyn_raw_member(raw("[1]"), "a", &v));
	UNIT_TRUE("key with a quote", dyn_raw_member(raw("{\"a\\\"b\":true}"), "a\"b", &v) &&
			  v.len == 4);
	/* a long escaped key is compared escape by escape, nothing allocated */
	{
		char		name[700];
		char		text[4200];
		DynRaw		k;

		memset(name, 'x', 600);
		name[600] = '\0';
		strcpy(text, "\\u00e9");
		for (int i = 0; i < 600; i++)
			strcat(text, "\\u0078");
		k.p = text;
		k.len = strlen(text);
		k.esc = true;
		UNIT_TRUE("long escaped key differs in its first character",
				  !dyn_raw_key_is(k, name, 600));
		memcpy(name, "\xc3\xa9", 2);
		memset(name + 2, 'x', 600);
		UNIT_TRUE("long escaped key", dyn_raw_key_is(k, name, 602));
		UNIT_TRUE("... not a prefix of it", !dyn_raw_key_is(k, name, 601));
	}

	dyn_raw_iter_init(raw("[]"), &it);
	UNIT_TRUE("empty array", !dyn_raw_next_element(&it, &e) && dyn_raw_iter_done(&it));
	dyn_raw_iter_init(raw("{ }"), &it);
	UNIT_TRUE("empty object", !dyn_raw_next_member(&it, &e, &v) && dyn_raw_iter_done(&it));

	/* junk is never taken for the end (the check refuses it, but still) */
	{
		const char *junk = "[1 2]";
		DynRaw		j = {junk, strlen(junk), false};

		dyn_raw_iter_init(j, &it);
		UNIT_TRUE("junk between elements", dyn_raw_next_element(&it, &e) &&
				  !dyn_raw_next_element(&it, &e) && !dyn_raw_iter_done(&it));
	}
	{
		const char *cut = "{\"a\":\"xyz";
		DynRaw		c = {cut, strlen(cut), false};

		UNIT_TRUE("cut string", !dyn_raw_member(c, "a", &v));
		UNIT_TRUE("cut value is no value", !dyn_raw_value(cut, strlen(cut), &v));
	}
	UNIT_TRUE("two values are not one", !dyn_raw_value("1 2", 3, &v));
	UNIT_EQ_INT("integer saturates", dyn_raw_integer(raw("99999999999999999999999")), 9223372036854775807LL);
	UNIT_EQ_INT("negative integer", dyn_raw_integer(raw("-42")), -42);
}

/* An item read the one-pass way, as the scan reads it. */
static void
test_next_attr(void)
{
	const char *page = "[{\"a\":{\"S\":\"x\\\"y\"}, \"n\" : { \"N\" : \"5\" } ,"
		"\"m\":{\"M\":{\"k\":{\"BOOL\":true}}},\"t\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
		"\"two\":{\"S\":\"a\",\"N\":\"1\"},\"e\":{\"\\u0053\":\"esc\"},\"bad\":{\"S\":1},"
		"\"l\":{\"L\":[{\"S\":\"i\"}]}},{\"b\":{\"B\":\"AA==\"}}]";
	DynRawIter	items;
	DynRawIter	it;
	const char *start;
	DynRaw		name;
	DynRaw		av;
	DynRaw		inner;
	DynType		t;
	DynType		want[] = {DYN_T_S, DYN_T_N, DYN_T_M, DYN_T_BOOL, DYN_T_NULL,
		DYN_T_INVALID, DYN_T_S, DYN_T_INVALID, DYN_T_L};
	int			n = 0;
	bool		agree = true;

	dyn_raw_iter_open(page, page + strlen(page), &items);
	UNIT_TRUE("first item starts", dyn_raw_next_start(&items, &start) && *start == '{');
	dyn_raw_iter_open(start, page + strlen(page), &it);
	while (dyn_raw_next_attr(&it, &name, &av, &t, &inner))
	{
		DynRaw		inner2;

		if (n < 9 && t != want[n])
			agree = false;
		/* the one-pass reading is dyn_raw_attr's */
		if (dyn_raw_attr(av, &inner2) != t ||
			(t != DYN_T_INVALID && (inner2.p != inner.p || inner2.len != inner.len ||
									inner2.esc != inner.esc)))
			agree = false;
		n++;
	}
	UNIT_EQ_INT("nine attributes", n, 9);
	UNIT_TRUE("types as dyn_raw_attr reads them", agree);
	UNIT_TRUE("item closed", dyn_raw_iter_done(&it));
	UNIT_TRUE("the item ends where its reading ended", it.p[-1] == '}' && it.p[0] == ',');
	dyn_raw_iter_skip_to(&items, it.p);
	UNIT_TRUE("second item", dyn_raw_next_start(&items, &start) && start[1] == '"');
	UNIT_TRUE("its extent", dyn_raw_first_value(start, page + strlen(page), &av) &&
			  av.len == strlen("{\"b\":{\"B\":\"AA==\"}}"));
	dyn_raw_iter_skip_to(&items, av.p + av.len);
	UNIT_TRUE("no third item", !dyn_raw_next_start(&items, &start) && dyn_raw_iter_done(&items));

	/* an item cut short is junk, never the end */
	{
		const char *cut = "{\"a\":{\"S\":\"x\"},\"b\":{\"S\":";

		dyn_raw_iter_open(cut, cut + strlen(cut), &it);
		while (dyn_raw_next_attr(&it, &name, &av, &t, &inner))
			;
		UNIT_TRUE("cut item is not done", !dyn_raw_iter_done(&it));
	}
}

static void
test_plain(void)
{
	UNIT_EQ_STR("S", plain("{\"S\":\"a\\\"b\"}", 0), "\"a\\\"b\"");
	UNIT_EQ_STR("S, escape made canonical", plain("{\"S\":\"\\u0041\\/\\u00e9\"}", 0), "\"A/\xc3\xa9\"");
	UNIT_EQ_STR("N", plain("{\"N\":\"12.50\"}", 0), "12.50");
	UNIT_EQ_STR("N mended", plain("{\"N\":\"+007.5\"}", 0), "7.5");
	UNIT_EQ_STR("N escaped", plain("{\"N\":\"\\u0031\"}", 0), "1");
	UNIT_TRUE("N not a number", plain("{\"N\":\"abc\"}", 0) == NULL);
	UNIT_EQ_STR("BOOL", plain("{\"BOOL\":false}", 0), "false");
	UNIT_EQ_STR("NULL", plain("{\"NULL\":true}", 0), "null");
	UNIT_EQ_STR("M", plain("{\"M\":{\"k\":{\"N\":\"1\"},\"e\\u00e9\":{\"L\":[]}}}", 0),
				"{\"k\":1,\"e\xc3\xa9\":[]}");
	UNIT_EQ_STR("L", plain("{\"L\":[{\"S\":\"a\"},{\"NULL\":true},{\"SS\":[\"x\"]}]}", 0),
				"[\"a\",null,[\"x\"]]");
	UNIT_EQ_STR("NS", plain("{\"NS\":[\"1\",\"2.5\"]}", 0), "[1,2.5]");
	UNIT_EQ_STR("BS", plain("{\"BS\":[\"AA==\"]}", 0), "[\"AA==\"]");
	UNIT_TRUE("L with a bad element", plain("{\"L\":[{\"X\":1}]}", 0) == NULL);
	UNIT_TRUE("SS with a number", plain("{\"SS\":[1]}", 0) == NULL);
	UNIT_TRUE("lone surrogate", plain("{\"S\":\"\\udc00\"}", 0) == NULL);
	UNIT_EQ_STR("item", plain("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}", 1),
				"{\"id\":\"a\",\"n\":1}");
	UNIT_EQ_STR("empty item", plain("{}", 1), "{}");
	UNIT_TRUE("item not an object", plain("[]", 1) == NULL);

	/* the deepest DynamoDB allows: 31 M inside the item's attribute */
	{
		char		typed[2048] = "";
		char		want[1024] = "";
		char	   *got;

		for (int i = 0; i < DYN_MAX_ATTR_NESTING; i++)
		{
			strcat(typed, "{\"M\":{\"k\":");
			strcat(want, "{\"k\":");
		}
		strcat(typed, "{\"S\":\"deep\"}");
		strcat(want, "\"deep\"");
		for (int i = 0; i < DYN_MAX_ATTR_NESTING; i++)
		{
			strcat(typed, "}}");
			strcat(want, "}");
		}
		got = plain(typed, 0);
		UNIT_EQ_STR("31 levels of M", got, want);
	}
}

static void
test_huge(void)
{
	size_t		n = 1024 * 1024;
	char	   *text = malloc(n + 32);
	char	   *out = malloc(n + 32);
	DynRaw		inner;
	size_t		len;

	strcpy(text, "{\"S\":\"");
	len = strlen(text);
	for (size_t i = 0; i < n; i++)
		text[len + i] = (char) ('a' + i % 26);
	/* an escape at the very end, after a megabyte of plain bytes */
	strcpy(text + len + n, "\\n\"}");
	UNIT_EQ_INT("1 MB string", dyn_raw_attr(raw(text), &inner), DYN_T_S);
	UNIT_TRUE("its content", inner.len == n + 2 && inner.esc);
	UNIT_EQ_INT("decoded", dyn_raw_unescape(inner.p, inner.len, out), n + 1);
	UNIT_TRUE("the escape decoded", out[n] == '\n' && out[0] == 'a');
	UNIT_EQ_INT("the check takes it", accepts(text), 1);
	free(text);
	free(out);
}

static void
test_utf8_check(void)
{
	UNIT_EQ_INT("ASCII", accepts("[\"abc\"]"), 1);
	UNIT_EQ_INT("2-byte", accepts("[\"\xc3\xa9\"]"), 1);
	UNIT_EQ_INT("3-byte", accepts("[\"\xe2\x82\xac\"]"), 1);
	UNIT_EQ_INT("4-byte", accepts("[\"\xf0\x9f\x98\x80\"]"), 1);
	UNIT_EQ_INT("U+10FFFF", accepts("[\"\xf4\x8f\xbf\xbf\"]"), 1);
	UNIT_EQ_INT("U+D7FF", accepts("[\"\xed\x9f\xbf\"]"), 1);
	UNIT_EQ_INT("U+E000", accepts("[\"\xee\x80\x80\"]"), 1);
	UNIT_EQ_INT("in a key", accepts("{\"\xc3\xa9\":1}"), 1);
	UNIT_EQ_INT("overlong NUL", accepts("[\"\xc0\x80\"]"), 0);
	UNIT_EQ_INT("overlong 2-byte", accepts("[\"\xc1\xbf\"]"), 0);
	UNIT_EQ_INT("overlong 3-byte", accepts("[\"\xe0\x9f\xbf\"]"), 0);
	UNIT_EQ_INT("overlong 4-byte", accepts("[\"\xf0\x8f\xbf\xbf\"]"), 0);
	UNIT_EQ_INT("encoded surrogate", accepts("[\"\xed\xa0\x80\"]"), 0);
	UNIT_EQ_INT("above U+10FFFF", accepts("[\"\xf4\x90\x80\x80\"]"), 0);
	UNIT_EQ_INT("F5 lead", accepts("[\"\xf5\x80\x80\x80\"]"), 0);
	UNIT_EQ_INT("lone continuation", accepts("[\"\x80\"]"), 0);
	UNIT_EQ_INT("cut sequence", accepts("[\"\xe2\x82\"]"), 0);
	UNIT_EQ_INT("sequence then ASCII", accepts("[\"\xc3" "a\"]"), 0);
	UNIT_EQ_INT("FF", accepts("[\"\xff\"]"), 0);
	UNIT_EQ_INT("high byte outside a string", accepts("[\xc3\xa9]"), 0);
}

int
main(void)
{
	test_types();
	test_escapes();
	test_members();
	test_next_attr();
	test_plain();
	test_huge();
	test_utf8_check();
	return unit_done();
}
