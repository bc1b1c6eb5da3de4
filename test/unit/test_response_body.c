/*-------------------------------------------------------------------------
 *
 * test_response_body.c
 *		Unit tests of how response.c judges a response body, without a network.
 *
 * response.c is included, so that a body can be fed to its body sink as
 * libcurl would, and judged with an HTTP status.  Every body, not only a
 * Scan or Query page, must be exactly RFC 8259 JSON to be taken: json-c
 * alone accepts NaN, comments, single quotes and trailing commas, which
 * turned a corrupt GetItem answer into an item (found by fuzz_page).  And
 * every answer of DynamoDB is an object: a page "null" was taken, then
 * failed to parse "for want of memory" (found by fuzz_page too).
 *
 *-------------------------------------------------------------------------
 */
#include "unit.h"

#include "dynamo/response.c"

/* Feeds body to a call of action in chunks of chunk bytes, judges it. */
static DynCall *
judge_body(DynClient *client, const char *action, long status, const char *body,
		   size_t chunk, bool *retry)
{
	DynCall    *call = calloc(1, sizeof(DynCall));
	HttpResult	res;
	size_t		len = strlen(body);

	call->client = client;
	snprintf(call->action, sizeof(call->action), "%s", action);
	call->deferred = strcmp(action, "Scan") == 0 || strcmp(action, "Query") == 0;
	client->calls = call;
	client->in_flight = 1;
	dyn_json_check_init(&call->check);
	if (!call->deferred)
		call->tok = json_tokener_new_ex(DYN_JSON_TOKENER_DEPTH);
	call->state = DYN_CALL_RUNNING;
	for (size_t off = 0; off < len; off += chunk)
		dyn_body_sink(call, body + off, len - off < chunk ? len - off : chunk);
	memset(&res, 0, sizeof(res));
	res.status = status;
	res.body_len = len;
	*retry = dyn_judge(call, &res);
	if (call->tok)
	{
		json_tokener_free(call->tok);
		call->tok = NULL;
	}
	call->state = DYN_CALL_DONE;
	return call;
}

static void
expect(const char *name, const char *action, long status, const char *body,
	   bool want_ok)
{
	DynClient	client;
	size_t		chunks[] = {1, 3, 4096};

	memset(&client, 0, sizeof(client));
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
	{
		bool		retry;
		DynCall    *call = judge_body(&client, action, status, body, chunks[i], &retry);
		bool		ok = !retry && dyn_call_ok(call);
		char		full[200];

		snprintf(full, sizeof(full), "%s (%s, chunks of %zu)", name, action, chunks[i]);
		if (want_ok)
			unit_check(ok, full, "not taken: %s", dyn_call_error(call)->message);
		else
			unit_check(!ok && retry && dyn_call_error(call)->kind == DYN_ERR_RESPONSE,
					   full, "taken or not retried as a bad response (kind %d, retry %d)",
					   (int) dyn_call_error(call)->kind, (int) retry);
		dyn_call_free(call);
	}
}

int
main(void)
{
	static const char *const actions[] = {"GetItem", "Scan"};

	for (int a = 0; a < 2; a++)
	{
		const char *act = actions[a];

		expect("an item", act, 200, "{\"Item\":{\"pk\":{\"S\":\"p1\"},\"n\":{\"N\":\"1\"}}}", true);
		expect("whitespace around", act, 200, " \r\n{\"Count\":0}\t\n", true);
		expect("NaN is not JSON", act, 200, "{\"Item\":{\"b\":{\"SS\":[NaN]}}}", false);
		expect("Infinity is not JSON", act, 200, "{\"Count\":-Infinity}", false);
		expect("a comment is not JSON", act, 200, "/* c */{\"Count\":0}", false);
		expect("a trailing comma is not JSON", act, 200, "{\"Count\":0,}", false);
		expect("single quotes are not JSON", act, 200, "{'Count':0}", false);
		expect("a leading zero is not JSON", act, 200, "{\"Count\":01}", false);
		expect("a raw tab in a string is not JSON", act, 200, "{\"Item\":{\"s\":{\"S\":\"a\tb\"}}}", false);
		expect("\"1.\" is not JSON", act, 200, "{\"Count\":1.}", false);
		expect("text after the value", act, 200, "{\"Count\":0} x", false);
		expect("a truncated body", act, 200, "{\"Count\":0", false);
		expect("null is no answer", act, 200, "null", false);
		expect("an array is no answer", act, 200, " [] ", false);
		expect("a number is no answer", act, 200, "1", false);
		expect("a string is no answer", act, 200, "\"Items\"", false);
	}
	return unit_done();
}
