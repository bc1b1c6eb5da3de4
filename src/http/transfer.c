/*-------------------------------------------------------------------------
 *
 * transfer.c
 *		One HTTP request of a session: starting it, its result, freeing it.
 *
 * http_start() builds the request's header list (content type, target, a
 * session token), takes an easy handle from the session's pool, sets its
 * options (curlopts.c) and adds it to the multi handle, where libcurl starts
 * sending it at once.  A transfer stays on the session's list of live
 * transfers until http_transfer_free(), which aborts it if it still runs,
 * takes it off the FIFO of finished ones if it waits there, and gives its
 * easy handle back to the pool.  Everything is malloc'd and freed here.
 *
 *-------------------------------------------------------------------------
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>

static CURL *
http_take_easy(HttpSession *session)
{
	if (session->npool > 0)
	{
		CURL	   *easy = session->pool[--session->npool];

		curl_easy_reset(easy);
		return easy;
	}
	return curl_easy_init();
}

static void
http_give_easy(HttpSession *session, CURL *easy)
{
	if (session->npool < HTTP_EASY_POOL_SIZE)
		session->pool[session->npool++] = easy;
	else
		curl_easy_cleanup(easy);
}

static struct curl_slist *
http_append_header(struct curl_slist *list, const char *header, bool *failed)
{
	struct curl_slist *next;

	if (*failed)
		return list;
	next = curl_slist_append(list, header);
	if (next == NULL)
	{
		*failed = true;
		return list;
	}
	return next;
}

HttpTransfer *
http_start(HttpSession *session, const char *target, const char *body,
		   size_t bodylen, HttpBodySink sink, void *sink_arg)
{
	HttpTransfer *xfer;
	char		target_header[128];
	bool		failed = false;
	CURL	   *easy;

	if (session->multi == NULL && !http_multi_init(session))
		return NULL;
	xfer = calloc(1, sizeof(HttpTransfer));
	if (xfer == NULL)
		return NULL;
	xfer->session = session;
	xfer->sink = sink;
	xfer->sink_arg = sink_arg;

	snprintf(target_header, sizeof(target_header), "X-Amz-Target: %s", target);
	xfer->headers = http_append_header(NULL, "Content-Type: application/x-amz-json-1.0", &failed);
	xfer->headers = http_append_header(xfer->headers, target_header, &failed);

	/*
	 * No "Expect:" header here, even though an empty one would spare the
	 * 100-continue round trip libcurl makes for bodies over 1 MB: libcurl
	 * 7.88 signs every header in this list, an emptied one included, yet
	 * does not send it, and AWS rejects the signature.
	 */
	if (session->token_header)
		xfer->headers = http_append_header(xfer->headers, session->token_header, &failed);
	easy = failed ? NULL : http_take_easy(session);
	if (easy == NULL)
	{
		curl_slist_free_all(xfer->headers);
		free(xfer);
		return NULL;
	}
	xfer->easy = easy;

	http_set_options(xfer, body, bodylen);

	if (curl_multi_add_handle(session->multi, easy) != CURLM_OK)
	{
		http_give_easy(session, easy);
		curl_slist_free_all(xfer->headers);
		free(xfer);
		return NULL;
	}
	xfer->in_multi = true;
	session->running++;
	if (session->running > session->peak_running)
	{
		/* keep a connection per concurrent transfer while they run */
		session->peak_running = session->running;
		curl_multi_setopt(session->multi, CURLMOPT_MAXCONNECTS, (long) session->running);
	}
	xfer->next = session->live;
	if (session->live)
		session->live->prev = xfer;
	session->live = xfer;

	/*
	 * Start it now: on a kept connection libcurl writes the request at once,
	 * so it travels while the caller works (converting the last page,
	 * building the next batch) instead of waiting for the next http_wait.
	 * A failure here shows in that wait.
	 */
	(void) http_socket_action(session, CURL_SOCKET_TIMEOUT, 0);
	return xfer;
}

const HttpResult *
http_result(HttpTransfer *xfer)
{
	return &xfer->result;
}

const char *
http_body(HttpTransfer *xfer, size_t *len)
{
	if (len)
		*len = xfer->body ? xfer->result.body_len : 0;
	return xfer->body ? xfer->body : "";
}

void
http_transfer_free(HttpTransfer *xfer)
{
	HttpSession *session;

	if (xfer == NULL)
		return;
	session = xfer->session;
	if (xfer->in_multi)
	{
		curl_multi_remove_handle(session->multi, xfer->easy);
		session->running--;
	}
	else if (xfer->queued)
	{
		HttpTransfer **p = &session->queue_head;

		while (*p && *p != xfer)
			p = &(*p)->next_queued;
		if (*p)
			*p = xfer->next_queued;
		session->queue_tail = NULL;
		for (HttpTransfer *q = session->queue_head; q; q = q->next_queued)
			session->queue_tail = q;
		session->running--;
	}
	if (xfer->prev)
		xfer->prev->next = xfer->next;
	else
		session->live = xfer->next;
	if (xfer->next)
		xfer->next->prev = xfer->prev;

	http_give_easy(session, xfer->easy);
	curl_slist_free_all(xfer->headers);
	free(xfer->body);
	free(xfer);
}
