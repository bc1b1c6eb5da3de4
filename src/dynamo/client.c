/*-------------------------------------------------------------------------
 *
 * client.c
 *		DynamoDB calls over an HTTP session, with bounded retries.
 *
 * A DynCall is one logical action.  It may take several HTTP requests: a
 * failure worth retrying puts the call back to "waiting" with a retry time
 * chosen by exponential backoff with full jitter; dyn_wait() starts it
 * again when that time comes, while other calls keep running.  A call is
 * "done" when it succeeded, failed for good, or ran out of retries; each
 * done call is handed out once by dyn_wait().
 *
 * A response is never used unchecked: libcurl's outcome, the HTTP status,
 * the x-amz-crc32 header against the body, and the JSON itself (exactly
 * RFC 8259 JSON by the streaming check of jsoncheck.c, complete, nothing
 * after it: json-c alone also takes NaN, comments, single quotes and
 * trailing commas) must all be right.  A body that fails those checks is
 * retried like a dropped connection, and reported as DYN_ERR_RESPONSE if
 * it keeps failing — never taken as an empty result.
 *
 * Most bodies are parsed as they arrive.  Scan and Query pages (up to 1 MB,
 * some fifteen times that once parsed) are kept as received, checked by a
 * streaming JSON check (jsoncheck.c) as they arrive, and parsed on first
 * use of the response: pages that wait their turn in a parallel scan, or
 * as the next page, cost their size.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dynamo/jsoncheck.h"

#define DYN_TARGET_PREFIX "DynamoDB_20120810."

typedef enum DynCallState
{
	DYN_CALL_WAITING,			/* not sent yet, or backing off before a retry */
	DYN_CALL_RUNNING,			/* an HTTP request is in flight */
	DYN_CALL_DONE,				/* finished, not yet handed out */
	DYN_CALL_RETURNED			/* handed out by dyn_wait */
} DynCallState;

struct DynCall
{
	DynClient  *client;
	char		action[40];
	char		target[64];
	char	   *body;
	size_t		body_len;
	DynCallState state;
	long long	retry_at;		/* monotonic ms when WAITING */
	HttpTransfer *xfer;
	json_tokener *tok;
	json_object *root;			/* the parsed body of the last attempt */
	bool		parse_error;
	bool		too_deep;		/* the body nests deeper than any DynamoDB's */
	bool		deferred;		/* a 200 body is kept raw until used */
	char	   *raw;			/* the kept body (deferred) */
	size_t		raw_len;
	size_t		raw_cap;
	DynJsonCheck check;			/* of the body, as it arrives */
	DynError	error;
	DynStats	stats;
	void	   *user;
	DynCall    *prev;
	DynCall    *next;
};

struct DynClient
{
	HttpSession *http;
	int			max_retries;
	long		backoff_base_ms;
	long		backoff_cap_ms;
	uint64_t	rng;
	size_t		max_body;		/* the session's cap of a response body */
	DynCall    *calls;			/* every call not yet freed */
	int			in_flight;		/* calls not yet handed out */
};

static long long
dyn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
dyn_set_error(DynError *err, DynErrorKind kind, const char *fmt, const char *arg)
{
	err->kind = kind;
	snprintf(err->message, sizeof(err->message), fmt, arg);
}

DynClient *
dyn_client_create(const DynConfig *cfg, DynError *err)
{
	DynClient  *client;
	char		msg[256];

	memset(err, 0, sizeof(DynError));
	client = calloc(1, sizeof(DynClient));
	if (client == NULL)
	{
		dyn_set_error(err, DYN_ERR_INTERNAL, "%s", "out of memory");
		return NULL;
	}
	client->http = http_session_create(&cfg->http, msg, sizeof(msg));
	if (client->http == NULL)
	{
		free(client);
		dyn_set_error(err, DYN_ERR_INTERNAL, "%s", msg);
		return NULL;
	}
	client->max_body = cfg->http.max_body_bytes ? cfg->http.max_body_bytes : HTTP_MAX_BODY;
	client->max_retries = cfg->max_retries;
	client->backoff_base_ms = cfg->backoff_base_ms;
	client->backoff_cap_ms = cfg->backoff_cap_ms;
	client->rng = ((uint64_t) dyn_now_ms() << 16) ^ (uint64_t) getpid() ^ 0x9E3779B97F4A7C15ull;
	return client;
}

void
dyn_client_destroy(DynClient *client)
{
	if (client == NULL)
		return;
	while (client->calls)
		dyn_call_free(client->calls);
	http_session_destroy(client->http);
	free(client);
}

/* xorshift64*: enough randomness for jitter, no global state. */
static uint64_t
dyn_random(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

long
dyn_backoff_ms(long base_ms, long cap_ms, int attempt, uint64_t *rng)
{
	long		ceiling = base_ms;

	for (int i = 1; i < attempt && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (ceiling <= 0)
		return 0;
	return (long) (dyn_random(rng) % (uint64_t) (ceiling + 1));
}

bool
dyn_error_type_throttling(const char *type)
{
	return strcmp(type, "ProvisionedThroughputExceededException") == 0 ||
		strcmp(type, "ThrottlingException") == 0 ||
		strcmp(type, "RequestLimitExceeded") == 0;
}

/* Feeds a chunk of the body to the JSON parser. */
static void
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

static void
dyn_reset_attempt(DynCall *call)
{
	if (call->xfer)
	{
		http_transfer_free(call->xfer);
		call->xfer = NULL;
	}
	if (call->root)
	{
		json_object_put(call->root);
		call->root = NULL;
	}
	if (call->tok)
	{
		json_tokener_free(call->tok);
		call->tok = NULL;
	}
	free(call->raw);
	call->raw = NULL;
	call->raw_len = call->raw_cap = 0;
	call->parse_error = false;
	call->too_deep = false;
}

/* Sends the call's request (again).  On failure the call is done. */
static void
dyn_send(DynCall *call)
{
	dyn_reset_attempt(call);
	dyn_json_check_init(&call->check);
	call->tok = call->deferred ? NULL : json_tokener_new_ex(DYN_JSON_TOKENER_DEPTH);
	if (call->tok || call->deferred)
		call->xfer = http_start(call->client->http, call->target,
								call->body, call->body_len, dyn_body_sink, call);
	if (call->xfer == NULL)
	{
		dyn_reset_attempt(call);
		dyn_set_error(&call->error, DYN_ERR_INTERNAL, "%s",
					  "could not start an HTTP request (out of memory)");
		call->state = DYN_CALL_DONE;
		return;
	}
	call->stats.requests++;
	call->error.attempts++;
	call->state = DYN_CALL_RUNNING;
}

DynCall *
dyn_call_start(DynClient *client, const char *action, char *body, size_t len)
{
	DynCall    *call = calloc(1, sizeof(DynCall));

	if (call == NULL)
	{
		free(body);
		return NULL;
	}
	call->client = client;
	snprintf(call->action, sizeof(call->action), "%s", action);
	snprintf(call->target, sizeof(call->target), DYN_TARGET_PREFIX "%s", action);
	call->body = body;
	call->body_len = len;
	call->deferred = strcmp(action, "Scan") == 0 || strcmp(action, "Query") == 0;
	call->next = client->calls;
	if (client->calls)
		client->calls->prev = call;
	client->calls = call;
	client->in_flight++;
	dyn_send(call);
	return call;
}

/*
 * Removes from a service error's message what must never reach a log: AWS
 * quotes the canonical request and the string to sign in an
 * InvalidSignatureException, and the canonical request holds the session
 * token (x-amz-security-token).  The quotation is cut off, and any
 * security token header that remains is masked.
 */
void
dyn_scrub_error_message(char *msg, size_t size)
{
	static const char *const quotes[] = {
		"The Canonical String for this request should have been",
		"The String-to-Sign should have been",
		"Canonical String",
		"String-to-Sign",
	};
	static const char note[] = "(the canonical request and string to sign it quoted are left out)";
	static const char token_name[] = "x-amz-security-token";
	char	   *cut = NULL;
	char	   *p;

	for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++)
	{
		char	   *at = strstr(msg, quotes[i]);

		if (at && (cut == NULL || at < cut))
			cut = at;
	}
	if (cut)
	{
		size_t		off = (size_t) (cut - msg);

		snprintf(cut, size - off, "%s", note);
	}
	for (p = msg; *p; p++)
	{
		if (strncasecmp(p, token_name, sizeof(token_name) - 1) != 0)
			continue;
		p += sizeof(token_name) - 1;
		while (*p == ':' || *p == '=' || *p == ' ' || *p == '"' || *p == '\'')
			p++;
		for (; *p && *p != '\n' && *p != ' ' && *p != '"' && *p != '\'' &&
			 *p != '&' && *p != ','; p++)
			*p = '*';
		if (*p == '\0')
			break;
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

/* Adds ConsumedCapacity (an object, or an array of them) to the stats. */
static void
dyn_add_capacity(DynCall *call)
{
	json_object *cc;

	if (!json_object_object_get_ex(call->root, "ConsumedCapacity", &cc))
		return;
	if (json_object_is_type(cc, json_type_array))
	{
		for (size_t i = 0; i < json_object_array_length(cc); i++)
		{
			json_object *units;

			if (json_object_object_get_ex(json_object_array_get_idx(cc, i),
										  "CapacityUnits", &units))
				call->stats.capacity += json_object_get_double(units);
		}
	}
	else
	{
		json_object *units;

		if (json_object_object_get_ex(cc, "CapacityUnits", &units))
			call->stats.capacity += json_object_get_double(units);
	}
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
static bool
dyn_judge(DynCall *call, const HttpResult *res)
{
	DynError   *err = &call->error;

	err->http_status = res->status;
	err->curl_code = res->curl_code;
	err->type[0] = '\0';
	snprintf(err->request_id, sizeof(err->request_id), "%s", res->request_id);

	if (res->no_socket)
	{
		dyn_set_error(err, DYN_ERR_NO_SOCKET, "%s",
					  "no file descriptor is left for a socket");
		err->retryable = false;
		return false;
	}
	if (res->too_large)
	{
		char		detail[128];

		snprintf(detail, sizeof(detail),
				 "the response body is longer than the limit of %zu bytes",
				 call->client->max_body);
		dyn_set_error(err, DYN_ERR_RESPONSE, "%s", detail);
		err->retryable = false;
		return false;
	}
	if (res->curl_code != 0)
	{
		if (http_curl_code_unreachable(res->curl_code))
		{
			dyn_set_error(err, DYN_ERR_UNREACHABLE, "%s", res->curl_error);
			err->retryable = false;
			return false;
		}
		dyn_set_error(err, DYN_ERR_TRANSPORT, "%s", res->curl_error);
		err->retryable = http_curl_code_retryable(res->curl_code);
		return err->retryable;
	}
	if (res->has_crc && res->crc_header != res->crc_body)
	{
		char		detail[128];

		snprintf(detail, sizeof(detail),
				 "x-amz-crc32 is %u but the body's CRC32 is %u",
				 res->crc_header, res->crc_body);
		dyn_set_error(err, DYN_ERR_RESPONSE, "%s", detail);
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
		dyn_set_error(err, DYN_ERR_RESPONSE, "%s", detail);
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
			dyn_set_error(err, DYN_ERR_RESPONSE, "%s", detail);
			err->retryable = true;
			return true;
		}
		{
			char		detail[64];

			snprintf(detail, sizeof(detail), "HTTP status %ld without a DynamoDB error",
					 res->status);
			dyn_set_error(err, DYN_ERR_HTTP, "%s", detail);
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
		dyn_set_error(err, DYN_ERR_HTTP, "%s", detail);
	}
	err->retryable = res->status >= 500;
	return err->retryable;
}

/* A request of this call finished: judge it and retry or finish. */
static void
dyn_finish_attempt(DynCall *call)
{
	DynClient  *client = call->client;

	if (dyn_judge(call, http_result(call->xfer)) &&
		call->stats.retries < client->max_retries)
	{
		call->stats.retries++;
		call->retry_at = dyn_now_ms() +
			dyn_backoff_ms(client->backoff_base_ms, client->backoff_cap_ms,
						   (int) call->stats.retries, &client->rng);
		dyn_reset_attempt(call);
		call->state = DYN_CALL_WAITING;
		return;
	}
	/* keep the body (parsed, or kept raw), drop the rest */
	http_transfer_free(call->xfer);
	call->xfer = NULL;
	if (call->tok)
	{
		json_tokener_free(call->tok);
		call->tok = NULL;
	}
	call->state = DYN_CALL_DONE;
}

DynWaitResult
dyn_wait(DynClient *client, HttpWaitFn wait, void *arg, DynCall **done)
{
	*done = NULL;
	for (;;)
	{
		long long	now = dyn_now_ms();
		long long	next_retry = -1;
		HttpTransfer *xfer;
		HttpWaitResult hr;
		long		timeout;

		for (DynCall *call = client->calls; call; call = call->next)
		{
			if (call->state == DYN_CALL_WAITING)
			{
				if (call->retry_at <= now)
					dyn_send(call);
				else if (next_retry < 0 || call->retry_at < next_retry)
					next_retry = call->retry_at;
			}
		}
		for (DynCall *call = client->calls; call; call = call->next)
		{
			if (call->state == DYN_CALL_DONE)
			{
				call->state = DYN_CALL_RETURNED;
				client->in_flight--;
				*done = call;
				return DYN_WAIT_DONE;
			}
		}
		if (client->in_flight == 0)
			return DYN_WAIT_IDLE;

		timeout = next_retry < 0 ? 60000 : (long) (next_retry - now);
		if (timeout < 0)
			timeout = 0;
		if (http_running(client->http) == 0)
		{
			/* only backoff sleeps are pending: sleep, interruptibly */
			if (!wait(arg, NULL, 0, timeout))
				return DYN_WAIT_INTERRUPTED;
			continue;
		}
		hr = http_wait(client->http, wait, arg, timeout, &xfer);
		if (hr == HTTP_WAIT_INTERRUPTED)
			return DYN_WAIT_INTERRUPTED;
		if (hr == HTTP_WAIT_FAILED)
		{
			/* libcurl itself failed: every running call fails with it */
			for (DynCall *call = client->calls; call; call = call->next)
				if (call->state == DYN_CALL_RUNNING)
				{
					dyn_reset_attempt(call);
					dyn_set_error(&call->error, DYN_ERR_INTERNAL, "%s",
								  http_session_error(client->http));
					call->state = DYN_CALL_DONE;
				}
			continue;
		}
		if (hr != HTTP_WAIT_DONE)
			continue;
		for (DynCall *call = client->calls; call; call = call->next)
			if (call->xfer == xfer && call->state == DYN_CALL_RUNNING)
			{
				dyn_finish_attempt(call);
				break;
			}
	}
}

DynCall *
dyn_call_run(DynClient *client, const char *action, char *body, size_t len,
			 HttpWaitFn wait, void *arg)
{
	DynCall    *call = dyn_call_start(client, action, body, len);

	if (call == NULL)
		return NULL;
	while (!dyn_call_finished(call))
	{
		DynCall    *done;

		if (dyn_wait(client, wait, arg, &done) == DYN_WAIT_INTERRUPTED)
		{
			dyn_call_free(call);
			return NULL;
		}
	}
	return call;
}

bool
dyn_call_finished(const DynCall *call)
{
	return call->state == DYN_CALL_DONE || call->state == DYN_CALL_RETURNED;
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
			dyn_set_error(&call->error, DYN_ERR_RESPONSE, "%s", detail);
			return;
		}
	}
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

const DynError *
dyn_call_error(const DynCall *call)
{
	return &call->error;
}

DynValue *
dyn_call_response(DynCall *call)
{
	dyn_use_response(call);
	return call->root;
}

const DynStats *
dyn_call_stats(const DynCall *call)
{
	return &call->stats;
}

const char *
dyn_call_action(const DynCall *call)
{
	return call->action;
}

void
dyn_call_set_user(DynCall *call, void *user)
{
	call->user = user;
}

void *
dyn_call_get_user(const DynCall *call)
{
	return call->user;
}

void
dyn_call_free(DynCall *call)
{
	DynClient  *client;

	if (call == NULL)
		return;
	client = call->client;
	dyn_reset_attempt(call);
	if (call->state != DYN_CALL_RETURNED)
		client->in_flight--;
	if (call->prev)
		call->prev->next = call->next;
	else
		client->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	free(call->body);
	free(call);
}

int
dyn_in_flight(DynClient *client)
{
	return client->in_flight;
}

bool
dyn_client_has_calls(DynClient *client)
{
	return client->calls != NULL;
}

int
dyn_client_close_idle(DynClient *client, int keep)
{
	return http_session_close_idle(client->http, keep);
}
