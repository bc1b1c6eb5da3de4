/*-------------------------------------------------------------------------
 *
 * client.c
 *		DynamoDB calls over an HTTP session, with bounded retries.
 *
 * A DynCall is one logical action.  It may take several HTTP requests: a
 * failure worth retrying (response.c judges each attempt) puts the call
 * back to "waiting" with a retry time chosen by exponential backoff with
 * full jitter (backoff.c); dyn_wait() starts it again when that time comes,
 * while other calls keep running.  A call is "done" when it succeeded,
 * failed for good, or ran out of retries; each done call is handed out once
 * by dyn_wait().  The client owns every call until dyn_call_free(); the
 * call owns its request body.
 *
 * Temporary credentials: a client given a credentials callback asks it
 * before every request it sends, so that each request is signed with the
 * credentials current when it leaves (a long scan outlives several sets).
 * A request refused because its token expired is sent once more, after
 * the callback renewed the credentials; only when nothing renewed them
 * since that request was signed is it told they expired, so that the
 * calls of a parallel scan renew them once, not once each.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DYN_TARGET_SERVICE "DynamoDB_20120810"

long long
dyn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
		dyn_set_error(err, DYN_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	client->http = http_session_create(&cfg->http, msg, sizeof(msg));
	if (client->http == NULL)
	{
		free(client);
		dyn_set_error(err, DYN_ERR_INTERNAL, msg);
		return NULL;
	}
	client->max_body = cfg->http.max_body_bytes ? cfg->http.max_body_bytes : HTTP_MAX_BODY;
	client->max_retries = cfg->max_retries;
	client->backoff_base_ms = cfg->backoff_base_ms;
	client->backoff_cap_ms = cfg->backoff_cap_ms;
	client->rng = ((uint64_t) dyn_now_ms() << 16) ^ (uint64_t) getpid() ^ 0x9E3779B97F4A7C15ull;
	client->credentials_fn = cfg->credentials_fn;
	client->credentials_arg = cfg->credentials_arg;
	snprintf(client->target_prefix, sizeof(client->target_prefix), "%s.",
			 cfg->target_prefix ? cfg->target_prefix : DYN_TARGET_SERVICE);
	return client;
}

bool
dyn_client_set_credentials(DynClient *client, const char *access_key_id,
						   const char *secret_access_key, const char *session_token)
{
	if (!http_session_set_credentials(client->http, access_key_id,
									  secret_access_key, session_token))
		return false;
	client->credentials_generation++;
	return true;
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
	DynClient  *client = call->client;

	dyn_reset_attempt(call);
	if (client->credentials_fn)
	{
		bool		expired = call->expired &&
			call->sent_generation == client->credentials_generation;

		call->expired = false;
		if (!client->credentials_fn(client, client->credentials_arg, expired,
									&call->error))
		{
			call->error.type[0] = '\0';
			call->error.retryable = false;
			call->state = DYN_CALL_DONE;
			return;
		}
		call->sent_generation = client->credentials_generation;
	}
	dyn_json_check_init(&call->check);
	call->tok = call->deferred ? NULL : json_tokener_new_ex(DYN_JSON_TOKENER_DEPTH);
	if (call->tok || call->deferred)
		call->xfer = http_start(call->client->http, call->target,
								call->body, call->body_len, dyn_body_sink, call);
	if (call->xfer == NULL)
	{
		dyn_reset_attempt(call);
		dyn_set_error(&call->error, DYN_ERR_INTERNAL, "could not start an HTTP request (out of memory)");
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
	snprintf(call->target, sizeof(call->target), "%s%s", client->target_prefix, action);
	call->body = body;
	call->body_len = len;
	call->deferred = strcmp(action, "Scan") == 0 || strcmp(action, "Query") == 0 ||
		strcmp(action, "GetItem") == 0 || strcmp(action, "BatchGetItem") == 0;
	call->next = client->calls;
	if (client->calls)
		client->calls->prev = call;
	client->calls = call;
	client->in_flight++;
	dyn_send(call);
	return call;
}

/* A request of this call finished: judge it and retry or finish. */
static void
dyn_finish_attempt(DynCall *call)
{
	DynClient  *client = call->client;
	bool		retry = dyn_judge(call, http_result(call->xfer));

	if (call->error.kind == DYN_ERR_SERVICE && dyn_error_type_throttling(call->error.type))
		call->stats.throttles++;
	if (retry && call->stats.retries < client->max_retries)
	{
		call->stats.retries++;
		call->retry_at = dyn_now_ms() +
			dyn_backoff_ms(client->backoff_base_ms, client->backoff_cap_ms,
						   (int) call->stats.retries, &client->rng);
		dyn_reset_attempt(call);
		call->state = DYN_CALL_WAITING;
		return;
	}
	if (client->credentials_fn && !call->renewed &&
		dyn_error_expired_token(&call->error))
	{
		/* once, at once, with renewed credentials */
		call->renewed = true;
		call->expired = true;
		call->stats.retries++;
		call->retry_at = dyn_now_ms();
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
	return dyn_wait_until(client, wait, arg, -1, done);
}

DynWaitResult
dyn_wait_until(DynClient *client, HttpWaitFn wait, void *arg, long long deadline_ms,
			   DynCall **done)
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
		if (deadline_ms >= 0 && now >= deadline_ms)
			return DYN_WAIT_TIMEOUT;

		timeout = next_retry < 0 ? 60000 : (long) (next_retry - now);
		if (deadline_ms >= 0 && deadline_ms - now < timeout)
			timeout = (long) (deadline_ms - now);
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
					dyn_set_error(&call->error, DYN_ERR_INTERNAL, http_session_error(client->http));
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

void
dyn_client_pump(DynClient *client)
{
	if (client->in_flight > 0)
		(void) http_pump(client->http);	/* on failure dyn_wait tries again */
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

const DynError *
dyn_call_error(const DynCall *call)
{
	return &call->error;
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
