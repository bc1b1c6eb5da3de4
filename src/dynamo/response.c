/*-------------------------------------------------------------------------
 *
 * response.c
 *		The response to one attempt of a call: received, checked, judged.
 *
 * A response is never used unchecked: libcurl's outcome, the HTTP status,
 * the x-amz-crc32 header against the body, and the JSON itself (exactly
 * RFC 8259 JSON by the streaming check of jsoncheck.c, complete, nothing
 * after it: json-c alone also takes NaN, comments, single quotes and
 * trailing commas) must all be right.  A body that fails those checks is
 * retried like a dropped connection, and reported as DYN_ERR_RESPONSE if
 * it keeps failing — never taken as an empty result.
 *
 * Most bodies are parsed as they arrive.  Read pages (Scan, Query, GetItem
 * and BatchGetItem answers: up to 1 MB, some fifteen times that once
 * parsed) are kept as received, checked by a streaming JSON check
 * (jsoncheck.c) as they arrive, and then either read in place
 * (dyn_call_page, rawjson.c: the scans' items) or parsed on first use of
 * the response: pages that wait their turn in a parallel scan, or as the
 * next page, cost their size.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* more than any one answer can consume: 25 items of 400 KB, 20 indexes */
#define DYN_MAX_CAPACITY_UNITS 1e7

/*
 * The body sink of an attempt's HTTP request: feeds a chunk of the body to
 * the JSON check and the parser, or keeps it (a Scan or Query page).  It
 * runs inside libcurl, so it never longjmps: a failure is noted in the call.
 */
void
dyn_body_sink(void *arg, const char *data, size_t len)
{
	DynCall    *call = arg;

	call->stats.bytes += (long long) len;
	if (call->deferred)
	{
		if (call->raw_len + len + 1 > call->raw_cap)
		{
			size_t		cap = call->raw_cap ? call->raw_cap : 64 * 1024;
			char	   *grown;

			while (cap < call->raw_len + len + 1)
				cap *= 2;
			grown = realloc(call->raw, cap);
			if (grown == NULL)
			{
				call->parse_error = true;
				return;
			}
			call->raw = grown;
			call->raw_cap = cap;
		}
		memcpy(call->raw + call->raw_len, data, len);
		call->raw_len += len;
		call->raw[call->raw_len] = '\0';
		dyn_json_check_feed(&call->check, data, len);
		return;
	}
	dyn_json_check_feed(&call->check, data, len);
	while (len > 0 && !call->parse_error)
	{
		json_object *obj;
		enum json_tokener_error jerr;
		size_t		used;

		if (call->root != NULL)
		{
			/* only whitespace may follow the value */
			for (size_t i = 0; i < len; i++)
				if (data[i] != ' ' && data[i] != '\n' && data[i] != '\r' && data[i] != '\t')
				{
					call->parse_error = true;
					break;
				}
			return;
		}
		obj = json_tokener_parse_ex(call->tok, data, (int) len);
		jerr = json_tokener_get_error(call->tok);
		if (obj != NULL)
		{
			call->root = obj;
			used = json_tokener_get_parse_end(call->tok);
			if (used > len)
				used = len;
			data += used;
			len -= used;
		}
		else if (jerr == json_tokener_continue)
			return;
		else
		{
			call->parse_error = true;
			call->too_deep = jerr == json_tokener_error_depth;
		}
	}
}

/* Reads __type and message from an error body, when it has them. */
static bool
dyn_parse_error_body(DynCall *call)
{
	json_object *type;
	json_object *msg;
	const char *t;
	const char *hash;

	if (call->root == NULL || !json_object_is_type(call->root, json_type_object) ||
		!json_object_object_get_ex(call->root, "__type", &type) ||
		!json_object_is_type(type, json_type_string))
		return false;
	t = json_object_get_string(type);
	hash = strrchr(t, '#');
	snprintf(call->error.type, sizeof(call->error.type), "%s", hash ? hash + 1 : t);
	if ((json_object_object_get_ex(call->root, "message", &msg) ||
		 json_object_object_get_ex(call->root, "Message", &msg)) &&
		json_object_is_type(msg, json_type_string))
		snprintf(call->error.message, sizeof(call->error.message), "%s",
				 json_object_get_string(msg));
	else
		call->error.message[0] = '\0';
	dyn_scrub_error_message(call->error.message, sizeof(call->error.message));
	return true;
}

/* What one CapacityUnits says, held to [0, DYN_MAX_CAPACITY_UNITS]. */
static double
dyn_units(json_object *units)
{
	double		v = json_object_get_double(units);

	if (!(v >= 0))
		return 0;				/* below 0, or NaN: nothing to trust */
	return v < DYN_MAX_CAPACITY_UNITS ? v : DYN_MAX_CAPACITY_UNITS;
}

/* The CapacityUnits of a ConsumedCapacity: an object, or an array of them. */
static double
dyn_capacity_units(json_object *cc)
{
	double		sum = 0;
	json_object *units;

	if (json_object_is_type(cc, json_type_array))
	{
		for (size_t i = 0; i < json_object_array_length(cc); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(cc, i),
										  "CapacityUnits", &units))
				sum += dyn_units(units);
	}
	else if (json_object_object_get_ex(cc, "CapacityUnits", &units))
		sum = dyn_units(units);
	return sum;
}

/* Adds ConsumedCapacity to the stats. */
static void
dyn_add_capacity(DynCall *call)
{
	json_object *cc;

	if (!json_object_object_get_ex(call->root, "ConsumedCapacity", &cc))
		return;
	call->stats.capacity_reports++;
	call->stats.capacity += dyn_capacity_units(cc);
}

/*
 * Parses a kept body into root, and frees it.  A body that does not parse
 * (it passed the JSON check, so only for want of memory) leaves root NULL
 * and sets parse_error.
 */
static void
dyn_parse_kept(DynCall *call)
{
	if (call->raw == NULL || call->root != NULL)
		return;
	call->root = dyn_parse(call->raw, call->raw_len);
	if (call->root == NULL)
		call->parse_error = true;
	free(call->raw);
	call->raw = NULL;
	call->raw_len = call->raw_cap = 0;
}

/*
 * Is the body a JSON object, as every answer of DynamoDB is?  "null" would
 * parse to nothing (and a kept page to a parse failure taken for want of
 * memory), and "[]" or "1" to an answer without any member: an item not
 * found, an empty page.  Call only for a body the JSON check accepted.
 */
static bool
dyn_body_is_object(const DynCall *call)
{
	if (!call->deferred)
		return call->root != NULL && json_object_is_type(call->root, json_type_object);
	for (size_t i = 0; i < call->raw_len; i++)
		if (call->raw[i] != ' ' && call->raw[i] != '\n' && call->raw[i] != '\r' &&
			call->raw[i] != '\t')
			return call->raw[i] == '{';
	return false;
}

/*
 * Judges a finished HTTP request: success, a failure to retry, or a final
 * failure.  Returns true when the call should be retried.
 */
bool
dyn_judge(DynCall *call, const HttpResult *res)
{
	DynError   *err = &call->error;

	err->http_status = res->status;
	err->curl_code = res->curl_code;
	err->type[0] = '\0';
	snprintf(err->request_id, sizeof(err->request_id), "%s", res->request_id);

	if (res->no_socket)
	{
		dyn_set_error(err, DYN_ERR_NO_SOCKET, "no file descriptor is left for a socket");
		err->retryable = false;
		return false;
	}
	if (res->too_large)
	{
		char		detail[128];

		snprintf(detail, sizeof(detail),
				 "the response body is longer than the limit of %zu bytes",
				 call->client->max_body);
		dyn_set_error(err, DYN_ERR_RESPONSE, detail);
		err->retryable = false;
		return false;
	}
	if (res->curl_code != 0)
	{
		if (http_curl_code_unreachable(res->curl_code))
		{
			dyn_set_error(err, DYN_ERR_UNREACHABLE, res->curl_error);
			err->retryable = false;
			return false;
		}
		dyn_set_error(err, DYN_ERR_TRANSPORT, res->curl_error);
		err->retryable = http_curl_code_retryable(res->curl_code);
		return err->retryable;
	}
	if (res->has_crc && res->crc_header != res->crc_body)
	{
		char		detail[128];

		snprintf(detail, sizeof(detail),
				 "x-amz-crc32 is %u but the body's CRC32 is %u",
				 res->crc_header, res->crc_body);
		dyn_set_error(err, DYN_ERR_RESPONSE, detail);
		err->retryable = true;
		return true;
	}
	if (dyn_json_check_done(&call->check) && !dyn_body_is_object(call))
		call->parse_error = true;	/* JSON, but no DynamoDB answer */
	if (call->deferred && res->status == 200 && !call->parse_error &&
		dyn_json_check_done(&call->check))
	{
		/* good: parsed when used (dyn_call_ok, dyn_call_response) */
		err->kind = DYN_ERR_NONE;
		err->message[0] = '\0';
		err->retryable = false;
		return false;
	}
	if (call->deferred && res->status != 200)
		dyn_parse_kept(call);	/* an error body: needed now */
	if (!dyn_json_check_done(&call->check))
	{
		/* what json-c parsed is not JSON if the check refused it */
		call->parse_error = call->parse_error || call->check.failed || call->root != NULL;
		call->too_deep = call->too_deep || call->check.too_deep;
	}
	if (call->too_deep)
	{
		char		detail[160];

		/* DynamoDB never sends this: asking again would get the same */
		snprintf(detail, sizeof(detail),
				 "The JSON body of %zu bytes (HTTP %ld) nests deeper than %d levels; "
				 "DynamoDB items nest at most %d levels.",
				 res->body_len, res->status, DYN_JSON_CHECK_DEPTH, DYN_MAX_NESTING);
		dyn_set_error(err, DYN_ERR_RESPONSE, detail);
		err->retryable = false;
		return false;
	}
	if (call->parse_error || call->root == NULL)
	{
		if (res->status >= 500 || res->status == 200)
		{
			char		detail[128];

			snprintf(detail, sizeof(detail), "%s JSON body of %zu bytes (HTTP %ld)",
					 call->parse_error ? "malformed" : "incomplete",
					 res->body_len, res->status);
			dyn_set_error(err, DYN_ERR_RESPONSE, detail);
			err->retryable = true;
			return true;
		}
		{
			char		detail[64];

			snprintf(detail, sizeof(detail), "HTTP status %ld without a DynamoDB error",
					 res->status);
			dyn_set_error(err, DYN_ERR_HTTP, detail);
		}
		err->retryable = false;
		return false;
	}
	if (res->status == 200)
	{
		err->kind = DYN_ERR_NONE;
		err->message[0] = '\0';
		err->retryable = false;
		dyn_add_capacity(call);
		return false;
	}
	if (dyn_parse_error_body(call))
	{
		err->kind = DYN_ERR_SERVICE;
		err->retryable = res->status >= 500 || dyn_error_type_throttling(err->type);
		return err->retryable;
	}
	{
		char		detail[64];

		snprintf(detail, sizeof(detail), "HTTP status %ld without a DynamoDB error",
				 res->status);
		dyn_set_error(err, DYN_ERR_HTTP, detail);
	}
	err->retryable = res->status >= 500;
	return err->retryable;
}

/*
 * A finished call's kept body, parsed on first use.  Its ConsumedCapacity
 * counts from then.  Failing to parse it (for want of memory: it passed
 * the JSON check) fails the call.
 */
static void
dyn_use_response(DynCall *call)
{
	if (!call->deferred || call->root != NULL || call->raw == NULL ||
		call->state < DYN_CALL_DONE || call->error.kind != DYN_ERR_NONE)
		return;
	{
		size_t		len = call->raw_len;

		dyn_parse_kept(call);
		if (call->root == NULL)
		{
			char		detail[96];

			snprintf(detail, sizeof(detail),
					 "could not parse a response of %zu bytes (out of memory)", len);
			dyn_set_error(&call->error, DYN_ERR_RESPONSE, detail);
			return;
		}
	}
	if (!call->page_counted)	/* dyn_call_page counted it already */
		dyn_add_capacity(call);
}

bool
dyn_call_ok(DynCall *call)
{
	dyn_use_response(call);
	return call->state >= DYN_CALL_DONE && call->error.kind == DYN_ERR_NONE &&
		call->root != NULL;
}

int
dyn_call_raw_member(DynCall *call, const char *name, const char **value, size_t *len)
{
	size_t		start;
	int			found;

	if (!call->deferred || call->root != NULL || call->raw == NULL ||
		call->state < DYN_CALL_DONE || call->error.kind != DYN_ERR_NONE)
		return -1;
	found = dyn_json_check_member(&call->check, call->raw, name, &start, len);
	if (found == 1)
		*value = call->raw + start;
	return found;
}

int
dyn_call_capacity_now(DynCall *call, double *units)
{
	const char *text;
	size_t		len;
	json_tokener *tok;
	json_object *cc;
	int			found;

	if (call->state < DYN_CALL_DONE || call->error.kind != DYN_ERR_NONE)
		return -1;
	if (call->root != NULL || !call->deferred)
	{
		*units = call->stats.capacity;
		return call->stats.capacity_reports > 0 ? 1 : 0;
	}
	found = dyn_call_raw_member(call, "ConsumedCapacity", &text, &len);
	if (found == -1 && call->raw != NULL)
	{
		/* more members than the check notes: read the page in place */
		DynRaw		page;
		DynRaw		member;

		if (!dyn_raw_value(call->raw, call->raw_len, &page))
			return -1;
		found = dyn_raw_member(page, "ConsumedCapacity", &member) ? 1 : 0;
		text = member.p;
		len = member.len;
	}
	if (found != 1)
		return found;
	if (len > INT_MAX || (tok = json_tokener_new_ex(DYN_JSON_TOKENER_DEPTH)) == NULL)
		return -1;
	cc = json_tokener_parse_ex(tok, text, (int) len);	/* an object or an array */
	json_tokener_free(tok);
	if (cc == NULL)
		return -1;
	*units = dyn_capacity_units(cc);
	json_object_put(cc);
	return 1;
}

bool
dyn_call_page(DynCall *call, DynRaw *page)
{
	const char *p;
	const char *end;

	if (!call->deferred || call->root != NULL || call->raw == NULL ||
		call->state < DYN_CALL_DONE || call->error.kind != DYN_ERR_NONE)
		return false;
	if (!call->page_counted)
	{
		double		units;

		call->page_counted = true;
		if (dyn_call_capacity_now(call, &units) == 1)
		{
			call->stats.capacity_reports++;
			call->stats.capacity += units;
		}
	}
	/* the check accepted it, and it is an object: only trim it */
	p = call->raw;
	end = call->raw + call->raw_len;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t'))
		end--;
	page->p = p;
	page->len = end - p;
	page->esc = false;
	return true;
}

DynValue *
dyn_call_response(DynCall *call)
{
	dyn_use_response(call);
	return call->root;
}
