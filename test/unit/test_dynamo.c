/*
 * test_dynamo.c — the DynamoDB layer without a server: CRC32, JSON text
 * building, AttributeValue reading, plain JSON rendering, backoff, request
 * bodies.
 */
#include <stdlib.h>

#include "dynamo/dynamo.h"
#include "dynamo/jsoncheck.h"
#include "http/crc32.h"
#include "unit.h"

static char *
plain(const char *typed)
{
	DynValue   *v = dyn_parse(typed, strlen(typed));
	DynBuf		b;
	char	   *s;

	dynbuf_init(&b);
	if (v == NULL || !dyn_attr_to_plain_json(v, &b))
	{
		dyn_value_free(v);
		dynbuf_free(&b);
		return strdup("(invalid)");
	}
	dyn_value_free(v);
	s = dynbuf_release(&b, NULL);
	return s;
}

static void
test_crc32(void)
{
	const char *s = "123456789";
	uint32_t	crc;

	UNIT_EQ_INT("crc32 check value", aw_crc32_update(0, s, 9), 0xCBF43926u);
	crc = aw_crc32_update(0, s, 4);
	crc = aw_crc32_update(crc, s + 4, 5);
	UNIT_EQ_INT("crc32 in chunks", crc, 0xCBF43926u);
	UNIT_EQ_INT("crc32 of nothing", aw_crc32_update(0, "", 0), 0);
	/* what dynalite sends for {"TableNames":[]} */
	UNIT_EQ_INT("crc32 of a DynamoDB body",
				aw_crc32_update(0, "{\"TableNames\":[]}", 17), 1315925753u);
}

static void
test_json_string(void)
{
	DynBuf		b;
	char	   *s;

	dynbuf_init(&b);
	dynbuf_append_json_string(&b, "a\"b\\c\n\x01 é 🚀", strlen("a\"b\\c\n\x01 é 🚀"));
	s = dynbuf_release(&b, NULL);
	UNIT_EQ_STR("json string escaping", s, "\"a\\\"b\\\\c\\n\\u0001 é 🚀\"");
	free(s);

	dynbuf_init(&b);
	dynbuf_append_json_string(&b, "x\0y", 3);
	s = dynbuf_release(&b, NULL);
	UNIT_EQ_STR("json string with NUL", s, "\"x\\u0000y\"");
	free(s);
}

static void
test_numbers(void)
{
	char	   *s;

	UNIT_TRUE("json number 12.5", dyn_number_is_json("12.5", 4));
	UNIT_TRUE("json number -0.5e-10", dyn_number_is_json("-0.5e-10", 8));
	UNIT_TRUE("not json number +1", !dyn_number_is_json("+1", 2));
	UNIT_TRUE("not json number .5", !dyn_number_is_json(".5", 2));
	UNIT_TRUE("not json number 01", !dyn_number_is_json("01", 2));
	UNIT_TRUE("not json number 1.", !dyn_number_is_json("1.", 2));

	s = plain("{\"N\":\"123456789012345678901234567890123456.78\"}");
	UNIT_EQ_STR("38 digits stay exact", s, "123456789012345678901234567890123456.78");
	free(s);
	s = plain("{\"N\":\"+.5\"}");
	UNIT_EQ_STR("number +.5 mended", s, "0.5");
	free(s);
	s = plain("{\"N\":\"007\"}");
	UNIT_EQ_STR("number 007 mended", s, "7");
	free(s);
	s = plain("{\"N\":\"5.\"}");
	UNIT_EQ_STR("number 5. mended", s, "5");
	free(s);
	s = plain("{\"N\":\"1E+10\"}");
	UNIT_EQ_STR("exponent kept", s, "1E+10");
	free(s);
	s = plain("{\"N\":\"abc\"}");
	UNIT_EQ_STR("not a number refused", s, "(invalid)");
	free(s);
}

static void
test_plain_json(void)
{
	const char *item = "{\"id\":{\"S\":\"a1\"},\"n\":{\"N\":\"12.5\"},\"tags\":{\"SS\":[\"x\",\"y\"]},"
		"\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"ok\":{\"BOOL\":true},\"nothing\":{\"NULL\":true},"
		"\"bin\":{\"B\":\"AAE=\"},\"m\":{\"M\":{\"k\":{\"L\":[{\"S\":\"v\"},{\"N\":\"1\"},{\"M\":{}}]}}}}";
	DynValue   *v = dyn_parse(item, strlen(item));
	DynBuf		b;
	char	   *s;
	DynValue   *inner;

	dynbuf_init(&b);
	UNIT_TRUE("item renders", v && dyn_item_to_plain_json(v, &b));
	s = dynbuf_release(&b, NULL);
	UNIT_EQ_STR("item as plain JSON", s,
				"{\"id\":\"a1\",\"n\":12.5,\"tags\":[\"x\",\"y\"],\"ns\":[1,2.5],\"ok\":true,"
				"\"nothing\":null,\"bin\":\"AAE=\",\"m\":{\"k\":[\"v\",1,{}]}}");
	free(s);

	UNIT_EQ_INT("attr type S", dyn_attr(dyn_get(v, "id"), &inner), DYN_T_S);
	UNIT_EQ_STR("attr S value", dyn_string(inner, NULL), "a1");
	UNIT_EQ_INT("attr type SS", dyn_attr(dyn_get(v, "tags"), &inner), DYN_T_SS);
	UNIT_EQ_INT("SS length", dyn_array_length(inner), 2);
	UNIT_EQ_INT("attr type M", dyn_attr(dyn_get(v, "m"), &inner), DYN_T_M);
	UNIT_EQ_INT("object size", dyn_object_size(v), 8);

	dynbuf_init(&b);
	dyn_to_json(dyn_get(v, "m"), &b);
	s = dynbuf_release(&b, NULL);
	UNIT_EQ_STR("typed JSON kept as is", s,
				"{\"M\":{\"k\":{\"L\":[{\"S\":\"v\"},{\"N\":\"1\"},{\"M\":{}}]}}}");
	free(s);
	dyn_value_free(v);

	s = plain("{\"S\":\"x\",\"N\":\"1\"}");
	UNIT_EQ_STR("two types in one AttributeValue refused", s, "(invalid)");
	free(s);
	s = plain("{\"X\":\"x\"}");
	UNIT_EQ_STR("unknown type refused", s, "(invalid)");
	free(s);
	s = plain("{\"S\":1}");
	UNIT_EQ_STR("S with a number refused", s, "(invalid)");
	free(s);
	UNIT_TRUE("trailing garbage refused", dyn_parse("{} x", 4) == NULL);
	v = dyn_parse("{} \n", 4);
	UNIT_TRUE("trailing whitespace accepted", v != NULL);
	dyn_value_free(v);
}

static void
test_backoff(void)
{
	uint64_t	rng = 42;
	bool		within = true;
	bool		varies = false;
	long		first = -1;

	for (int attempt = 1; attempt <= 12; attempt++)
		for (int i = 0; i < 200; i++)
		{
			long		d = dyn_backoff_ms(50, 2000, attempt, &rng);
			long		ceiling = 50L << (attempt - 1);

			if (ceiling > 2000)
				ceiling = 2000;
			if (d < 0 || d > ceiling)
				within = false;
			if (first < 0)
				first = d;
			else if (d != first)
				varies = true;
		}
	UNIT_TRUE("backoff within [0, min(cap, base*2^n)]", within);
	UNIT_TRUE("backoff is jittered", varies);
	UNIT_EQ_INT("backoff with zero base", dyn_backoff_ms(0, 100, 3, &rng), 0);
	UNIT_TRUE("throttling types are retried",
			  dyn_error_type_throttling("ProvisionedThroughputExceededException") &&
			  dyn_error_type_throttling("ThrottlingException") &&
			  dyn_error_type_throttling("RequestLimitExceeded") &&
			  !dyn_error_type_throttling("ValidationException"));
}

static void
test_bodies(void)
{
	DynReadRequest req = {0};
	char	   *body;
	size_t		len;
	DynValue   *v;

	req.table = "my \"table\"";
	req.projection = "#n0, #n1";
	req.names_json = "{\"#n0\":\"id\",\"#n1\":\"name\"}";
	req.start_key_json = "{\"id\":{\"S\":\"a\"}}";
	req.segment = 2;
	req.total_segments = 4;
	req.consistent_read = true;
	body = dyn_body_scan(&req, &len);
	UNIT_EQ_STR("scan body", body,
				"{\"TableName\":\"my \\\"table\\\"\",\"Segment\":2,\"TotalSegments\":4,"
				"\"ProjectionExpression\":\"#n0, #n1\",\"ExpressionAttributeNames\":{\"#n0\":\"id\",\"#n1\":\"name\"},"
				"\"ExclusiveStartKey\":{\"id\":{\"S\":\"a\"}},\"ConsistentRead\":true,"
				"\"ReturnConsumedCapacity\":\"TOTAL\"}");
	v = dyn_parse(body, len);
	UNIT_TRUE("scan body is JSON", v != NULL);
	dyn_value_free(v);
	free(body);

	memset(&req, 0, sizeof(req));
	req.table = "t";
	req.key_condition = "#n0 = :v0";
	req.names_json = "{\"#n0\":\"id\"}";
	req.values_json = "{\":v0\":{\"S\":\"x\"}}";
	req.count_only = true;
	req.projection = "#n0";
	req.limit = 10;
	body = dyn_body_query(&req, &len);
	UNIT_EQ_STR("query body", body,
				"{\"TableName\":\"t\",\"KeyConditionExpression\":\"#n0 = :v0\","
				"\"ExpressionAttributeNames\":{\"#n0\":\"id\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"x\"}},"
				"\"Select\":\"COUNT\",\"Limit\":10,\"ReturnConsumedCapacity\":\"TOTAL\"}");
	free(body);

	body = dyn_body_batch_get_item("t", "[{\"id\":{\"S\":\"a\"}}]", NULL, NULL, false, NULL, &len);
	UNIT_EQ_STR("batch get body", body,
				"{\"RequestItems\":{\"t\":{\"Keys\":[{\"id\":{\"S\":\"a\"}}]}},\"ReturnConsumedCapacity\":\"TOTAL\"}");
	free(body);

	body = dyn_body_list_tables("after", 100, &len);
	UNIT_EQ_STR("list tables body", body, "{\"Limit\":100,\"ExclusiveStartTableName\":\"after\"}");
	free(body);
}

static void
test_write_bodies(void)
{
	char	   *body;
	size_t		len;

	body = dyn_body_update_time_to_live("sessions", "ttl", true, &len);
	UNIT_EQ_STR("update time to live body", body,
				"{\"TableName\":\"sessions\",\"TimeToLiveSpecification\":"
				"{\"AttributeName\":\"ttl\",\"Enabled\":true}}");
	UNIT_EQ_INT("update time to live length", len, strlen(body));
	free(body);
	body = dyn_body_describe_time_to_live("sessions", &len);
	UNIT_EQ_STR("describe time to live body", body, "{\"TableName\":\"sessions\"}");
	free(body);

	body = dyn_body_put_item("t", "{\"id\":{\"S\":\"a\"}}", "attribute_not_exists(#k0)",
							 "{\"#k0\":\"id\"}", NULL, &len);
	UNIT_EQ_STR("conditional put body", body,
				"{\"TableName\":\"t\",\"Item\":{\"id\":{\"S\":\"a\"}},"
				"\"ConditionExpression\":\"attribute_not_exists(#k0)\","
				"\"ExpressionAttributeNames\":{\"#k0\":\"id\"},\"ReturnConsumedCapacity\":\"TOTAL\"}");
	free(body);

	body = dyn_body_update_item("t", "{\"id\":{\"S\":\"a\"}}", "SET #n0 = :v0 REMOVE #n1",
								"attribute_exists(#k0)",
								"{\"#n0\":\"x\",\"#n1\":\"y\",\"#k0\":\"id\"}",
								"{\":v0\":{\"N\":\"1\"}}", "ALL_NEW", &len);
	UNIT_EQ_STR("update item body", body,
				"{\"TableName\":\"t\",\"Key\":{\"id\":{\"S\":\"a\"}},"
				"\"UpdateExpression\":\"SET #n0 = :v0 REMOVE #n1\","
				"\"ConditionExpression\":\"attribute_exists(#k0)\","
				"\"ExpressionAttributeNames\":{\"#n0\":\"x\",\"#n1\":\"y\",\"#k0\":\"id\"},"
				"\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}},"
				"\"ReturnValues\":\"ALL_NEW\",\"ReturnConsumedCapacity\":\"TOTAL\"}");
	free(body);

	body = dyn_body_batch_write_item("t", "[{\"DeleteRequest\":{\"Key\":{\"id\":{\"S\":\"a\"}}}}]",
									 NULL, &len);
	UNIT_EQ_STR("batch write body", body,
				"{\"RequestItems\":{\"t\":[{\"DeleteRequest\":{\"Key\":{\"id\":{\"S\":\"a\"}}}}]},"
				"\"ReturnConsumedCapacity\":\"TOTAL\"}");
	free(body);
}

/* Item sizes as DynamoDB counts them: names plus values. */
static void
test_item_size(void)
{
	struct
	{
		const char *item;
		long		size;
	}			cases[] = {
		{"{\"id\":{\"S\":\"abc\"}}", 2 + 3},
		{"{\"n\":{\"N\":\"12345\"}}", 1 + 4},	/* 2 digits a byte, plus 1 */
		{"{\"b\":{\"BOOL\":true},\"z\":{\"NULL\":true}}", 2 + 2},
		{"{\"l\":{\"L\":[{\"S\":\"é\"}]}}", 1 + 3 + 1 + 2},
		{"{\"m\":{\"M\":{\"k\":{\"S\":\"v\"}}}}", 1 + 3 + 1 + 1 + 1},
		{"{\"s\":{\"SS\":[\"a\",\"bb\"]}}", 1 + 3},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		DynValue   *v = dyn_parse(cases[i].item, strlen(cases[i].item));
		char		name[64];

		snprintf(name, sizeof(name), "item size %zu", i);
		UNIT_EQ_INT(name, dyn_item_size(v), cases[i].size);
		dyn_value_free(v);
	}
}

/* The streaming JSON check: fed whole, and fed at every split point. */
static void
test_json_check(void)
{
	struct
	{
		const char *text;
		bool		ok;
	}			cases[] = {
		{"{}", true},
		{" {\"Items\": [{\"id\": {\"S\": \"a\\\"\\u00e9\\n\"}}], \"Count\": 1} \n", true},
		{"[1, -0, 0.5, -1.5e+10, 2E-3, 10, true, false, null, \"\", [], {}]", true},
		{"0", true},
		{"-12", true},
		{"\"x\"", true},
		{"", false},
		{"{", false},
		{"{\"a\" 1}", false},
		{"{\"a\": 1,}", false},
		{"[1,]", false},
		{"[1 2]", false},
		{"{1: 2}", false},
		{"[01]", false},
		{"[1.]", false},
		{"[.5]", false},
		{"[1e]", false},
		{"[-]", false},
		{"[tru]", false},
		{"[nul]", false},
		{"[True]", false},
		{"\"a\tb\"", false},
		{"\"\\x\"", false},
		{"\"\\u12g4\"", false},
		{"{} {}", false},
		{"{}]", false},
		{"[}", false},
		{"{\"Items\": [", false},
		{"\"unterminated", false},
		{"NaN", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		const char *t = cases[i].text;
		size_t		n = strlen(t);
		char		name[96];
		bool		all_splits_agree = true;

		for (size_t split = 0; split <= n; split++)
		{
			DynJsonCheck c;

			dyn_json_check_init(&c);
			dyn_json_check_feed(&c, t, split);
			dyn_json_check_feed(&c, t + split, n - split);
			if (dyn_json_check_done(&c) != cases[i].ok)
				all_splits_agree = false;
		}
		snprintf(name, sizeof(name), "json check %s: %.40s", cases[i].ok ? "accepts" : "refuses", t);
		UNIT_TRUE(name, all_splits_agree);
		if (cases[i].ok)
		{
			/* what the check accepts, json-c parses */
			DynValue   *v = dyn_parse(t, n);

			snprintf(name, sizeof(name), "json-c parses what the check accepts: %.30s", t);
			UNIT_TRUE(name, v != NULL);
			dyn_value_free(v);
		}
	}

	/* nesting: at the limit, and one beyond */
	{
		char		deep[2 * DYN_JSON_CHECK_DEPTH + 3];
		DynJsonCheck c;
		int			n = DYN_JSON_CHECK_DEPTH;

		memset(deep, '[', n);
		memset(deep + n, ']', n);
		dyn_json_check_init(&c);
		dyn_json_check_feed(&c, deep, 2 * n);
		UNIT_TRUE("json check: nesting at the limit", dyn_json_check_done(&c));
		{
			DynValue   *v = dyn_parse(deep, 2 * n);

			UNIT_TRUE("json-c parses nesting at the limit", v != NULL);
			dyn_value_free(v);
		}
		memset(deep, '[', n + 1);
		memset(deep + n + 1, ']', n + 1);
		dyn_json_check_init(&c);
		dyn_json_check_feed(&c, deep, 2 * n + 2);
		UNIT_TRUE("json check: nesting beyond the limit", !dyn_json_check_done(&c));
	}
}

/*
 * Members of a top-level object found by the check (a page's
 * LastEvaluatedKey before the page is parsed): fed at every split point.
 */
static void
test_json_check_member(void)
{
	struct
	{
		const char *text;
		int			found;
		const char *value;
	}			cases[] = {
		{"{\"Items\":[{\"a\":{\"S\":\"x\"}}],\"LastEvaluatedKey\":{\"id\":{\"S\":\"k\"}},\"Count\":1}",
		1, "{\"id\":{\"S\":\"k\"}}"},
		{" { \"Count\" : 1 ,\n \"LastEvaluatedKey\" : {\"id\": {\"S\": \"k\\\"}\"}} , \"X\": [2] } ",
		1, "{\"id\": {\"S\": \"k\\\"}\"}}"},
		/* an item attribute of that name is not the page's */
		{"{\"Items\":[{\"LastEvaluatedKey\":{\"S\":\"x\"}}],\"Count\":1}", 0, NULL},
		{"{\"Items\":[],\"ScannedCount\":0,\"Count\":0}", 0, NULL},
		{"{\"Count\":3,\"LastEvaluatedKey\":12}", 1, "12"},
		{"{\"LastEvaluatedKey\":-1.5e3 }", 1, "-1.5e3"},
		{"{\"a\":1,\"LastEvaluatedKey\":true}", 1, "true"},
		{"{\"LastEvaluatedKey\":\"s\",\"LastEvaluatedKey\":[1, {}]}", 1, "[1, {}]"},
		{"{}", 0, NULL},
		{"[{\"LastEvaluatedKey\":1}]", -1, NULL},
		{"{\"Last\\u0045valuatedKey\":1}", -1, NULL},
		{"{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"LastEvaluatedKey\":9}", -1, NULL},
		{"{\"LastEvaluatedKey\":{}", -1, NULL},	/* not done: incomplete */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		const char *t = cases[i].text;
		size_t		n = strlen(t);
		char		name[96];
		bool		all_splits_agree = true;

		for (size_t split = 0; split <= n; split++)
		{
			DynJsonCheck c;
			size_t		start = 0,
						len = 0;
			int			found;

			dyn_json_check_init(&c);
			dyn_json_check_feed(&c, t, split);
			dyn_json_check_feed(&c, t + split, n - split);
			found = dyn_json_check_member(&c, t, "LastEvaluatedKey", &start, &len);
			if (found != cases[i].found ||
				(found == 1 && (len != strlen(cases[i].value) ||
								memcmp(t + start, cases[i].value, len) != 0)))
				all_splits_agree = false;
		}
		snprintf(name, sizeof(name), "json check member %d: %.50s", cases[i].found, t);
		UNIT_TRUE(name, all_splits_agree);
	}
}

int
main(void)
{
	test_crc32();
	test_json_string();
	test_numbers();
	test_plain_json();
	test_backoff();
	test_bodies();
	test_write_bodies();
	test_item_size();
	test_json_check();
	test_json_check_member();
	return unit_done();
}
