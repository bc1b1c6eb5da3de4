/*-------------------------------------------------------------------------
 *
 * multi.c
 *		The libcurl multi handle of a session, and http_wait() driving it.
 *
 * Transfers run under the multi's socket interface: libcurl tells us,
 * through callbacks, which sockets to watch and when its next timeout
 * falls; http_wait() hands those to the caller's wait function and feeds
 * the outcome back to libcurl, then hands out finished transfers one per
 * call, in the order they finished.  Nothing here blocks except inside
 * that wait function, which may longjmp: http_wait() keeps its state in
 * the session (the copy of the socket list included), never in locals that
 * an escape would lose.
 *
 *-------------------------------------------------------------------------
 */
#include "http_int.h"

#include <poll.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long
http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libcurl socket callback: remember what to watch on socket s. */
static int
http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	HttpSession *session = userp;
	int			i;

	(void) easy;
	(void) socketp;
	for (i = 0; i < session->nsocks; i++)
		if (session->socks[i].fd == (int) s)
			break;

	if (what == CURL_POLL_REMOVE)
	{
		if (i < session->nsocks)
			session->socks[i] = session->socks[--session->nsocks];
		return 0;
	}
	if (i == session->nsocks)
	{
		if (session->nsocks == session->socks_cap)
		{
			int			cap = session->socks_cap ? session->socks_cap * 2 : 8;
			HttpWaitSocket *socks = realloc(session->socks, cap * sizeof(HttpWaitSocket));

			if (socks == NULL)
				return -1;		/* libcurl fails the transfer */
			session->socks = socks;
			session->socks_cap = cap;
		}
		session->nsocks++;
		session->socks[i].fd = (int) s;
	}
	session->socks[i].want_read = (what & CURL_POLL_IN) != 0;
	session->socks[i].want_write = (what & CURL_POLL_OUT) != 0;
	session->socks[i].readable = false;
	session->socks[i].writable = false;
	return 0;
}

/* libcurl timer callback: when libcurl next wants to be called. */
static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	HttpSession *session = userp;

	(void) multi;
	session->timer_deadline = timeout_ms < 0 ? -1 : http_now_ms() + timeout_ms;
	return 0;
}

/* A new multi handle for the session: no connection, no socket to watch. */
bool
http_multi_init(HttpSession *session)
{
	session->multi = curl_multi_init();
	if (session->multi == NULL)
		return false;
	session->nsocks = 0;
	session->timer_deadline = -1;
	session->peak_running = HTTP_MAX_CONNECTS;
	curl_multi_setopt(session->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(session->multi, CURLMOPT_SOCKETDATA, session);
	curl_multi_setopt(session->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(session->multi, CURLMOPT_TIMERDATA, session);
	curl_multi_setopt(session->multi, CURLMOPT_MAXCONNECTS, (long) HTTP_MAX_CONNECTS);
	return true;
}

/* Moves transfers libcurl reports as done to the FIFO. */
static void
http_collect_finished(HttpSession *session)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(session->multi, &left)) != NULL)
	{
		HttpTransfer *xfer = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &xfer);
		if (xfer == NULL || !xfer->in_multi)
			continue;
		http_note_curl_code(xfer, msg->data.result);
		curl_easy_getinfo(xfer->easy, CURLINFO_RESPONSE_CODE, &xfer->result.status);
		curl_multi_remove_handle(session->multi, xfer->easy);
		xfer->in_multi = false;
		xfer->queued = true;
		xfer->next_queued = NULL;
		if (session->queue_tail)
			session->queue_tail->next_queued = xfer;
		else
			session->queue_head = xfer;
		session->queue_tail = xfer;
	}
}

/*
 * Lets libcurl act on socket fd (CURL_SOCKET_TIMEOUT: on its timer).
 * Returns false, with libcurl's message in the session's error, when the
 * multi handle fails.
 */
bool
http_socket_action(HttpSession *session, curl_socket_t fd, int mask)
{
	int			still_running;
	CURLMcode	rc = curl_multi_socket_action(session->multi, fd, mask, &still_running);

	if (rc != CURLM_OK)
	{
		snprintf(session->error, sizeof(session->error), "%s", curl_multi_strerror(rc));
		return false;
	}
	return true;
}

HttpWaitResult
http_wait(HttpSession *session, HttpWaitFn wait, void *wait_arg,
		  long timeout_ms, HttpTransfer **done)
{
	long long	give_up = http_now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	HttpWaitResult result;

	*done = NULL;
	for (;;)
	{
		long long	now;
		long		wait_ms;
		bool		timer_due;

		http_collect_finished(session);
		if (session->queue_head)
		{
			HttpTransfer *xfer = session->queue_head;

			session->queue_head = xfer->next_queued;
			if (session->queue_head == NULL)
				session->queue_tail = NULL;
			xfer->queued = false;
			session->running--;
			*done = xfer;
			result = HTTP_WAIT_DONE;
			break;
		}
		if (session->running == 0)
		{
			result = HTTP_WAIT_IDLE;
			break;
		}

		now = http_now_ms();
		wait_ms = (long) (give_up - now);
		if (wait_ms < 0)
			wait_ms = 0;
		timer_due = false;
		if (session->timer_deadline >= 0)
		{
			long long	t = session->timer_deadline - now;

			if (t <= 0)
				timer_due = true;
			else if (t < wait_ms)
				wait_ms = (long) t;
		}
		else if (session->nsocks == 0 && wait_ms > 100)
			wait_ms = 100;		/* nothing to watch: poll libcurl now and then */

		if (!timer_due)
		{
			int			n = session->nsocks;
			HttpWaitSocket *ready;

			/*
			 * libcurl may change the socket list while we act on it.  The
			 * copy is the session's, not a local: the wait may longjmp.
			 */
			if (n > session->ready_cap)
			{
				HttpWaitSocket *grown = realloc(session->ready, n * sizeof(HttpWaitSocket));

				if (grown == NULL)
				{
					snprintf(session->error, sizeof(session->error), "out of memory");
					result = HTTP_WAIT_FAILED;
					break;
				}
				session->ready = grown;
				session->ready_cap = n;
			}
			ready = session->ready;
			if (n > 0)
				memcpy(ready, session->socks, n * sizeof(HttpWaitSocket));
			for (int i = 0; i < n; i++)
				ready[i].readable = ready[i].writable = false;
			if (!wait(wait_arg, ready, n, wait_ms))
			{
				result = HTTP_WAIT_INTERRUPTED;
				break;
			}
			for (int i = 0; i < n; i++)
			{
				int			mask = (ready[i].readable ? CURL_CSELECT_IN : 0) |
					(ready[i].writable ? CURL_CSELECT_OUT : 0);

				if (mask == 0)
					continue;
				if (!http_socket_action(session, ready[i].fd, mask))
					return HTTP_WAIT_FAILED;
			}
			if (session->timer_deadline >= 0 && http_now_ms() >= session->timer_deadline)
				timer_due = true;
			else if (session->timer_deadline < 0 && n == 0)
				timer_due = true;
		}
		if (timer_due && !http_socket_action(session, CURL_SOCKET_TIMEOUT, 0))
		{
			result = HTTP_WAIT_FAILED;
			break;
		}
		if (timeout_ms >= 0 && http_now_ms() >= give_up)
		{
			http_collect_finished(session);
			if (session->queue_head == NULL)
			{
				result = HTTP_WAIT_TIMEOUT;
				break;
			}
		}
	}
	return result;
}

bool
http_pump(HttpSession *session)
{
	struct pollfd fds[HTTP_PUMP_MAX_SOCKETS];
	int			n = 0;
	int			ready;

	if (session->running == 0)
		return true;
	for (int i = 0; i < session->nsocks && n < HTTP_PUMP_MAX_SOCKETS; i++)
	{
		fds[n].fd = session->socks[i].fd;
		fds[n].events = (session->socks[i].want_read ? POLLIN : 0) |
			(session->socks[i].want_write ? POLLOUT : 0);
		fds[n].revents = 0;
		n++;
	}
	ready = n > 0 ? poll(fds, n, 0) : 0;
	for (int i = 0; i < n && ready > 0; i++)
	{
		int			mask = ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) ? CURL_CSELECT_IN : 0) |
			((fds[i].revents & POLLOUT) ? CURL_CSELECT_OUT : 0);

		if (mask == 0)
			continue;
		ready--;
		if (!http_socket_action(session, fds[i].fd, mask))
			return false;
	}
	if (session->timer_deadline >= 0 && http_now_ms() >= session->timer_deadline &&
		!http_socket_action(session, CURL_SOCKET_TIMEOUT, 0))
		return false;
	http_collect_finished(session);
	return true;
}

int
http_running(HttpSession *session)
{
	return session->running;
}
