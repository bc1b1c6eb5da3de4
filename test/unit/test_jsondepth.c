/*
 * test_jsondepth.c — the streaming JSON check and json-c agree on how deep
 * a body may nest: everything the check accepts, json-c parses (a page
 * that passed the check and then failed to parse was reported as "out of
 * memory"), every body DynamoDB can send passes, and a deeper one fails
 * as too deep (not retried) rather than as malformed.
 */
#include <stdlib.h>

#include "dynamo/dynamo.h"
#include "dynamo/jsoncheck.h"
#include "unit.h"

/* Appends s to buf at *pos. */
static void
put(char *buf, size_t *pos, const char *s)
{
	size_t		n = strlen(s);

	memcpy(buf + *pos, s, n);
	*pos += n;
}

/*
 * A Scan page holding one item whose attribute "v" nests levels levels of
 * M (or L) around an S.  Returns malloc'd text.
 */
static char *
scan_page(int levels, bool list, size_t *len)
{
	char	   *buf = malloc(64 + (size_t) levels * 16);
	size_t		pos = 0;

	put(buf, &pos, "{\"Items\":[{\"id\":{\"S\":\"a\"},\"v\":");
	for (int i = 0; i < levels; i++)
		put(buf, &pos, list ? "{\"L\":[" : "{\"M\":{\"a\":");
	put(buf, &pos, "{\"S\":\"x\"}");
	for (int i = 0; i < levels; i++)
		put(buf, &pos, list ? "]}" : "}}");
	put(buf, &pos, "}],\"Count\":1}");
	buf[pos] = '\0';
	*len = pos;
	return buf;
}

/* Does the check accept text, fed in two parts?  *too_deep says why not. */
static bool
check(const char *text, size_t len, bool *too_deep)
{
	DynJsonCheck c;

	dyn_json_check_init(&c);
	dyn_json_check_feed(&c, text, len / 2);
	dyn_json_check_feed(&c, text + len / 2, len - len / 2);
	*too_deep = c.too_deep;
	return dyn_json_check_done(&c);
}

static bool
parses(const char *text, size_t len)
{
	DynValue   *v = dyn_parse(text, len);

	dyn_value_free(v);
	return v != NULL;
}

int
main(void)
{
	char		name[96];

	/* bare containers, empty or around a scalar, at every depth near the limit */
	for (int n = DYN_JSON_CHECK_DEPTH - 3; n <= DYN_JSON_CHECK_DEPTH + 3; n++)
	{
		for (int inner = 0; inner < 3; inner++)
		{
			const char *mid = inner == 0 ? "" : inner == 1 ? "1" : "\"s\"";
			char	   *t = malloc(2 * (size_t) n + 8);
			size_t		pos = 0;
			bool		ok;
			bool		too_deep;

			for (int i = 0; i < n; i++)
				put(t, &pos, "[");
			put(t, &pos, mid);
			for (int i = 0; i < n; i++)
				put(t, &pos, "]");
			ok = check(t, pos, &too_deep);
			snprintf(name, sizeof(name), "%d arrays around \"%s\": check and json-c agree", n, mid);
			unit_check(ok == (n <= DYN_JSON_CHECK_DEPTH) && (!ok || parses(t, pos)) &&
					   too_deep == !ok, name, "check %d, too_deep %d, json-c %d",
					   ok, too_deep, parses(t, pos));
			free(t);
		}
	}

	/* items nested in M and L, as a Scan page carries them */
	for (int list = 0; list < 2; list++)
	{
		for (int levels = 1; levels <= 2 * DYN_MAX_NESTING + 10; levels++)
		{
			size_t		len;
			char	   *page = scan_page(levels, list, &len);
			bool		too_deep;
			bool		ok = check(page, len, &too_deep);

			if (levels <= DYN_MAX_NESTING + 1 || ok != parses(page, len) || too_deep == ok ||
				levels == 2 * DYN_MAX_NESTING + 10)
			{
				snprintf(name, sizeof(name), "a page with an item %d levels of %s deep: %s",
						 levels, list ? "L" : "M",
						 levels <= DYN_MAX_NESTING + 1 ? "accepted" : "agreed");
				unit_check((levels > DYN_MAX_NESTING + 1 || ok) && ok == parses(page, len) &&
						   too_deep == !ok, name, "check %d, too_deep %d, json-c %d",
						   ok, too_deep, parses(page, len));
			}
			free(page);
		}
	}

	/* 126 levels (the item that made every Scan fail): too deep, at once */
	{
		size_t		len;
		char	   *page = scan_page(126, false, &len);
		bool		too_deep;

		UNIT_TRUE("an item 126 levels deep is refused by the check",
				  !check(page, len, &too_deep));
		UNIT_TRUE("... as too deep", too_deep);
		free(page);
	}

	/* malformed is not too deep */
	{
		bool		too_deep;

		UNIT_TRUE("malformed JSON is refused", !check("{\"a\":[1,]}", 10, &too_deep));
		UNIT_TRUE("... and not as too deep", !too_deep);
	}
	return unit_done();
}
