/*-------------------------------------------------------------------------
 *
 * response.h
 *		The response side of a DynamoDB call (response.c), without a network.
 *
 * response.c is included here, so that its functions (the body sink, the
 * judge of a finished request, the static error-body reader) can be called
 * as libcurl would call them.  fuzz_response_run() feeds a body in chunks to
 * a call of the given action, judges it with the given HTTP status, then
 * reads the result the way the FDW does: LastEvaluatedKey from the kept
 * page, the parsed page, every item and every AttributeValue in it, and
 * the error's type and message.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_FUZZ_RESPONSE_H
#define AWSTORE_FUZZ_RESPONSE_H

#include "fuzz.h"

#include "dynamo/response.c"
#include "http/crc32.h"

/* Walks an AttributeValue as the conversions to PostgreSQL types do. */
static void
fuzz_walk_attr(DynValue *av, int depth)
{
	DynValue   *inner;
	DynType		t = dyn_attr(av, &inner);
	size_t		len;
	const char *s;

	FUZZ_ASSERT(depth < 1000, "runaway nesting");
	switch (t)
	{
		case DYN_T_S:
		case DYN_T_B:
			s = dyn_string(inner, &len);
			FUZZ_ASSERT(s != NULL, "a typed string is not a string");
			break;
		case DYN_T_N:
			s = dyn_string(inner, &len);
			FUZZ_ASSERT(s != NULL, "a typed number is not a string");
			(void) dyn_number_is_json(s, len);
			break;
		case DYN_T_BOOL:
		case DYN_T_NULL:
			(void) dyn_boolean(inner);
			break;
		case DYN_T_M:
			{
				DynObjectIter it;
				const char *key;
				DynValue   *v;

				dyn_object_iter_init(inner, &it);
				while (dyn_object_iter_next(&it, &key, &v))
					fuzz_walk_attr(v, depth + 1);
			}
			break;
		case DYN_T_L:
			for (int i = 0; i < dyn_array_length(inner); i++)
				fuzz_walk_attr(dyn_array_get(inner, i), depth + 1);
			break;
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			for (int i = 0; i < dyn_array_length(inner); i++)
				(void) dyn_string(dyn_array_get(inner, i), &len);
			break;
		case DYN_T_INVALID:
			FUZZ_ASSERT(inner == NULL, "an invalid AttributeValue has a value");
			break;
	}
	(void) dyn_type_name(t);
}

/* An item: its plain JSON must be JSON, its typed JSON must parse back. */
static void
fuzz_walk_item(DynValue *item)
{
	DynBuf		buf;
	DynObjectIter it;
	const char *key;
	DynValue   *v;

	if (!dyn_is_object(item))
		return;
	dyn_object_iter_init(item, &it);
	while (dyn_object_iter_next(&it, &key, &v))
		fuzz_walk_attr(v, 0);
	(void) dyn_item_size(item);

	dynbuf_init(&buf);
	if (dyn_item_to_plain_json(item, &buf))
	{
		DynValue   *back = dyn_parse(buf.data ? buf.data : "", buf.len);

		FUZZ_ASSERT(back != NULL, "plain JSON of an item is not JSON");
		dyn_value_free(back);
	}
	dynbuf_reset(&buf);
	dyn_to_json(item, &buf);
	{
		DynValue   *back = dyn_parse(buf.data, buf.len);

		FUZZ_ASSERT(back != NULL, "typed JSON of an item does not parse back");
		FUZZ_ASSERT(json_object_equal(back, item), "typed JSON changes the item");
		dyn_value_free(back);
	}
	dynbuf_free(&buf);
}

static void
fuzz_walk_items(DynValue *items)
{
	for (int i = 0; i < dyn_array_length(items); i++)
		fuzz_walk_item(dyn_array_get(items, i));
}

/* Reads a successful response the way scanpage.c, modify.c and dynamodb_functions.c do. */
static void
fuzz_walk_response(DynValue *resp)
{
	DynValue   *v;

	fuzz_walk_items(dyn_get(resp, "Items"));
	fuzz_walk_item(dyn_get(resp, "LastEvaluatedKey"));
	fuzz_walk_item(dyn_get(resp, "Item"));
	fuzz_walk_item(dyn_get(resp, "Attributes"));
	(void) dyn_integer(dyn_get(resp, "Count"));
	(void) dyn_integer(dyn_get(resp, "ScannedCount"));
	if (dyn_is_object(v = dyn_get(resp, "Responses")))
	{
		DynObjectIter it;
		const char *key;
		DynValue   *tbl;

		dyn_object_iter_init(v, &it);
		while (dyn_object_iter_next(&it, &key, &tbl))
			fuzz_walk_items(tbl);
	}
	if (dyn_is_object(v = dyn_get(resp, "UnprocessedItems")) ||
		dyn_is_object(v = dyn_get(resp, "UnprocessedKeys")))
	{
		DynObjectIter it;
		const char *key;
		DynValue   *tbl;

		dyn_object_iter_init(v, &it);
		while (dyn_object_iter_next(&it, &key, &tbl))
		{
			DynBuf		buf;

			dynbuf_init(&buf);
			dyn_to_json(tbl, &buf);
			dynbuf_free(&buf);
		}
	}
}

/*
 * Runs one response: the body in chunks chosen by seed, for a call of
 * action (Scan and Query keep their pages raw), judged with HTTP status.
 */
static void
fuzz_response_run(const char *action, long status, uint32_t seed,
				  const char *body, size_t len)
{
	DynClient	client;
	DynCall    *call;
	HttpResult	res;
	size_t		off;
	bool		retry;

	memset(&client, 0, sizeof(client));
	client.max_retries = 3;
	call = calloc(1, sizeof(DynCall));
	FUZZ_ASSERT(call != NULL, "out of memory");
	call->client = &client;
	snprintf(call->action, sizeof(call->action), "%s", action);
	call->deferred = strcmp(action, "Scan") == 0 || strcmp(action, "Query") == 0;
	client.calls = call;
	client.in_flight = 1;
	dyn_json_check_init(&call->check);
	if (!call->deferred)
	{
		call->tok = json_tokener_new_ex(DYN_JSON_TOKENER_DEPTH);
		FUZZ_ASSERT(call->tok != NULL, "out of memory");
	}
	call->state = DYN_CALL_RUNNING;

	for (off = 0; off < len;)
	{
		size_t		n = fuzz_chunk(&seed, len - off);

		dyn_body_sink(call, body + off, n);
		off += n;
	}

	memset(&res, 0, sizeof(res));
	res.status = status;
	res.body_len = len;
	res.crc_body = aw_crc32_update(0, body, len);
	retry = dyn_judge(call, &res);
	if (call->tok)
	{
		json_tokener_free(call->tok);
		call->tok = NULL;
	}
	call->state = DYN_CALL_DONE;

	if (!retry)
	{
		const char *lek;
		size_t		lek_len;
		bool		accepted = call->error.kind == DYN_ERR_NONE;

		if (dyn_call_raw_member(call, "LastEvaluatedKey", &lek, &lek_len) == 1)
		{
			DynValue   *key = dyn_parse(lek, lek_len);

			FUZZ_ASSERT(key != NULL, "a kept LastEvaluatedKey does not parse");
			fuzz_walk_item(key);
			dyn_value_free(key);
		}
		if (dyn_call_ok(call))
		{
			DynJsonCheck whole;

			FUZZ_ASSERT(status == 200, "a failed status taken as success");
			dyn_json_check_init(&whole);
			dyn_json_check_feed(&whole, body, len);
			FUZZ_ASSERT(dyn_json_check_done(&whole), "a body that is not JSON taken");
			fuzz_walk_response(dyn_call_response(call));
		}
		else
			FUZZ_ASSERT(!accepted, "a body that passed every check does not parse");
	}
	{
		const DynError *err = dyn_call_error(call);

		FUZZ_ASSERT(memchr(err->type, '\0', sizeof(err->type)) != NULL, "type unterminated");
		FUZZ_ASSERT(memchr(err->message, '\0', sizeof(err->message)) != NULL,
					"message unterminated");
		if (status != 200)
			FUZZ_ASSERT(err->kind != DYN_ERR_NONE, "an error status taken as success");
	}
	dyn_call_free(call);
	FUZZ_ASSERT(client.calls == NULL && client.in_flight == 0, "call list left dirty");
}

#endif							/* AWSTORE_FUZZ_RESPONSE_H */
