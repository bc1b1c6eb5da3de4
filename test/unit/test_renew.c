/*-------------------------------------------------------------------------
 *
 * test_renew.c
 *		Unit tests of renewed credentials in the dynamo layer, on loopback.
 *
 * A forked child answers HTTP on a loopback port the way DynamoDB answers
 * a request signed with an expired token (HTTP 400, ExpiredTokenException)
 * when its Authorization header names the access key OLDKEY, and with an
 * empty ListTables answer otherwise.  The client's credentials callback is
 * asked before every request; a request refused as expired is sent once
 * more after the callback renewed the credentials, and only once; a client
 * without a callback does not retry it; a callback that fails fails the
 * call before anything is sent.
 *
 *-------------------------------------------------------------------------
 */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dynamo/dynamo.h"
#include "unit.h"

static const char EXPIRED[] =
"{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\","
"\"message\":\"The security token included in the request is expired\"}";
static const char TABLES[] = "{\"TableNames\":[]}";

/* Answers every request of one connection; returns at its end. */
static void
serve_connection(int c)
{
	char		buf[16384];
	size_t		have = 0;

	for (;;)
	{
		char	   *end;
		const char *cl;
		size_t		head;
		size_t		body_len = 0;
		const char *answer;
		char		out[512];
		ssize_t		n;

		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) == NULL)
		{
			n = read(c, buf + have, sizeof(buf) - 1 - have);
			if (n <= 0)
				return;
			have += (size_t) n;
			buf[have] = '\0';
		}
		head = (size_t) (end - buf) + 4;
		cl = strstr(buf, "Content-Length:");
		if (cl && cl < end)
			body_len = strtoul(cl + 15, NULL, 10);
		while (have < head + body_len)
		{
			n = read(c, buf + have, sizeof(buf) - 1 - have);
			if (n <= 0)
				return;
			have += (size_t) n;
		}
		buf[head - 1] = '\0';
		answer = strstr(buf, "Credential=OLDKEY/") ? EXPIRED : TABLES;
		snprintf(out, sizeof(out),
				 "HTTP/1.1 %s\r\nContent-Type: application/x-amz-json-1.0\r\n"
				 "Content-Length: %zu\r\n\r\n%s",
				 answer == EXPIRED ? "400 Bad Request" : "200 OK",
				 strlen(answer), answer);
		if (write(c, out, strlen(out)) < 0)
			return;
		memmove(buf, buf + head + body_len, have - head - body_len);
		have -= head + body_len;
	}
}

static pid_t
start_server(int *port)
{
	struct sockaddr_in addr;
	socklen_t	len = sizeof(addr);
	int			lfd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t		pid;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *) &addr, sizeof(addr)) != 0 ||
		listen(lfd, 8) != 0 || getsockname(lfd, (struct sockaddr *) &addr, &len) != 0)
	{
		perror("listen");
		exit(2);
	}
	*port = ntohs(addr.sin_port);
	pid = fork();
	if (pid == 0)
	{
		alarm(60);
		for (;;)
		{
			int			c = accept(lfd, NULL, NULL);

			if (c < 0)
				_exit(0);
			serve_connection(c);
			close(c);
		}
	}
	close(lfd);
	return pid;
}

static bool
wait_poll(void *arg, HttpWaitSocket *socks, int nsocks, long timeout_ms)
{
	struct pollfd fds[64];

	(void) arg;
	for (int i = 0; i < nsocks && i < 64; i++)
	{
		fds[i].fd = socks[i].fd;
		fds[i].events = (socks[i].want_read ? POLLIN : 0) | (socks[i].want_write ? POLLOUT : 0);
		fds[i].revents = 0;
	}
	if (poll(fds, (nfds_t) (nsocks < 64 ? nsocks : 64), (int) timeout_ms) < 0)
		return true;
	for (int i = 0; i < nsocks && i < 64; i++)
	{
		socks[i].readable = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
		socks[i].writable = (fds[i].revents & (POLLOUT | POLLERR | POLLHUP)) != 0;
	}
	return true;
}

/* What the credentials callback does, and what it was asked. */
typedef struct Renewer
{
	bool		renews;			/* hands out NEWKEY when told they expired */
	bool		fails;			/* finds no credentials at all */
	int			asked;
	int			expired;
} Renewer;

static bool
renew(DynClient *client, void *arg, bool expired, DynError *err)
{
	Renewer    *r = arg;

	r->asked++;
	if (expired)
		r->expired++;
	if (r->fails)
	{
		err->kind = DYN_ERR_CREDENTIALS;
		snprintf(err->message, sizeof(err->message), "instance: no IAM role is attached to this instance");
		return false;
	}
	if (expired && r->renews)
		return dyn_client_set_credentials(client, "NEWKEY", "new-secret", "new-token");
	return true;
}

static DynClient *
make_client(int port, Renewer *r)
{
	DynConfig	cfg;
	DynError	err;
	char		url[64];
	DynClient  *client;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	memset(&cfg, 0, sizeof(cfg));
	cfg.http.endpoint = url;
	cfg.http.region = "us-east-1";
	cfg.http.service = "dynamodb";
	cfg.http.access_key_id = "OLDKEY";
	cfg.http.secret_access_key = "old-secret";
	cfg.http.session_token = "old-token";
	cfg.http.connect_timeout_ms = 2000;
	cfg.http.request_timeout_ms = 5000;
	cfg.max_retries = 3;
	cfg.backoff_base_ms = 1;
	cfg.backoff_cap_ms = 5;
	if (r)
	{
		cfg.credentials_fn = renew;
		cfg.credentials_arg = r;
	}
	client = dyn_client_create(&cfg, &err);
	if (client == NULL)
	{
		fprintf(stderr, "client: %s\n", err.message);
		exit(2);
	}
	return client;
}

static DynCall *
list_tables(DynClient *client)
{
	size_t		len;
	char	   *body = dyn_body_list_tables(NULL, 0, &len);

	return dyn_call_run(client, "ListTables", body, len, wait_poll, NULL);
}

int
main(void)
{
	int			port;
	pid_t		pid = start_server(&port);
	DynClient  *client;
	DynCall    *call;
	Renewer		r;

	/* expired: renewed once, sent again, taken */
	memset(&r, 0, sizeof(r));
	r.renews = true;
	client = make_client(port, &r);
	call = list_tables(client);
	unit_check(call && dyn_call_ok(call), "expired: the retry with renewed credentials succeeds",
			   "failed: %s", call ? dyn_call_error(call)->message : "interrupted");
	unit_check(call && dyn_call_stats(call)->requests == 2, "expired: two requests",
			   "%ld requests", call ? dyn_call_stats(call)->requests : -1L);
	unit_check(r.asked == 2 && r.expired == 1, "expired: the callback is told once",
			   "asked %d, expired %d", r.asked, r.expired);
	dyn_call_free(call);
	call = list_tables(client);
	unit_check(call && dyn_call_ok(call) && dyn_call_stats(call)->requests == 1 &&
			   r.asked == 3 && r.expired == 1,
			   "renewed: the next call is signed with the new key at once",
			   "requests %ld, asked %d, expired %d",
			   call ? dyn_call_stats(call)->requests : -1L, r.asked, r.expired);
	dyn_call_free(call);
	dyn_client_destroy(client);

	/* nothing renews them: one retry, then the error */
	memset(&r, 0, sizeof(r));
	client = make_client(port, &r);
	call = list_tables(client);
	unit_check(call && !dyn_call_ok(call) && dyn_call_stats(call)->requests == 2 &&
			   strcmp(dyn_call_error(call)->type, "ExpiredTokenException") == 0 &&
			   dyn_error_expired_token(dyn_call_error(call)),
			   "not renewed: retried once, then ExpiredTokenException",
			   "requests %ld, type %s", call ? dyn_call_stats(call)->requests : -1L,
			   call ? dyn_call_error(call)->type : "");
	dyn_call_free(call);
	dyn_client_destroy(client);

	/* no callback: credentials never change, no retry */
	client = make_client(port, NULL);
	call = list_tables(client);
	unit_check(call && !dyn_call_ok(call) && dyn_call_stats(call)->requests == 1,
			   "static: an expired token is not retried",
			   "requests %ld", call ? dyn_call_stats(call)->requests : -1L);
	dyn_call_free(call);
	dyn_client_destroy(client);

	/* the callback finds nothing: the call fails before sending */
	memset(&r, 0, sizeof(r));
	r.fails = true;
	client = make_client(port, &r);
	call = list_tables(client);
	unit_check(call && !dyn_call_ok(call) && dyn_call_stats(call)->requests == 0 &&
			   dyn_call_error(call)->kind == DYN_ERR_CREDENTIALS &&
			   strstr(dyn_call_error(call)->message, "no IAM role") != NULL,
			   "no credentials: the call fails with the callback's message, nothing sent",
			   "requests %ld, kind %d", call ? dyn_call_stats(call)->requests : -1L,
			   call ? (int) dyn_call_error(call)->kind : -1);
	dyn_call_free(call);
	dyn_client_destroy(client);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return unit_done();
}
