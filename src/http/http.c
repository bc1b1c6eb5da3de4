/*-------------------------------------------------------------------------
 *
 * http.c
 *		Signed HTTP requests to an AWS JSON endpoint, through libcurl.
 *
 * One HttpSession wraps one libcurl multi handle.  The multi owns the
 * connection cache, so connections survive between transfers and between
 * queries for as long as the session lives.  Transfers run under the
 * multi's socket interface: libcurl tells us, through callbacks, which
 * sockets to watch and when its next timeout falls; http_wait() hands those
 * to the caller's wait function and feeds the outcome back to libcurl.
 * Nothing here blocks except inside that wait function.
 *
 * Invariants:
 *	- every transfer is on the session's list from http_start() until
 *	  http_transfer_free(), so that destroying the session frees it;
 *	- session->running counts transfers started and not yet handed out by
 *	  http_wait(); finished ones wait in a FIFO until handed out;
 *	- no function here calls back into the caller except the wait function
 *	  and the body sink; the sink may not longjmp, the wait function may
 *	  (it is never called from inside libcurl, and http_wait keeps its
 *	  state in the session, not in locals);
 *	- every socket libcurl opens goes through http_open_socket and is
 *	  recorded in owned[] with its inode, so that the caller's accounting
 *	  (acquire_fd / release_fd) balances: libcurl 7.88 does not call the
 *	  close-socket callback for every socket it closes (connections of
 *	  transfers aborted on their way), so the record is checked against
 *	  the descriptors themselves (http_reconcile_sockets), and after the
 *	  multi handle is cleaned up nothing of it can be open any more;
 *	- a response body longer than max_body_bytes aborts its transfer.
 *
 *-------------------------------------------------------------------------
 */
#include "http.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "crc32.h"

#define HTTP_EASY_POOL_SIZE 16
#define HTTP_MAX_CONNECTS 16	/* idle connections libcurl keeps by default */
#define HTTP_USER_AGENT "awstore/1.0"

struct HttpTransfer
{
	HttpSession *session;
	CURL	   *easy;
	struct curl_slist *headers;
	HttpBodySink sink;
	void	   *sink_arg;
	char	   *body;			/* kept body when there is no sink */
	size_t		body_cap;
	HttpResult	result;
	const char *refused;		/* why the address guard refused a connection */
	int			sends;			/* times libcurl was about to send it */
	bool		in_multi;		/* added to the multi and not finished */
	bool		queued;			/* finished, waiting to be handed out */
	HttpTransfer *prev;			/* session's list of live transfers */
	HttpTransfer *next;
	HttpTransfer *next_queued;	/* FIFO of finished transfers */
};

struct HttpSession
{
	CURLM	   *multi;
	char	   *url;
	char	   *sigv4;			/* "aws:amz:<region>:<service>" */
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *token_header;	/* "X-Amz-Security-Token: …" or NULL */
	char	   *ca_bundle;		/* NULL: the system's CAs */
	char	   *proxy;			/* NULL: libcurl's default */
	long		connect_timeout_ms;
	long		request_timeout_ms;
	bool		restrict_addresses;
	bool		plain_http;		/* the endpoint is http:// */
	size_t		max_body;
	bool		(*acquire_fd) (void);
	void		(*release_fd) (void);
	int			open_sockets;	/* sockets opened and not known closed */
	struct HttpOwnedSocket *owned;	/* those sockets */
	int			owned_cap;
	int			peak_running;	/* connections libcurl may keep idle */

	HttpWaitSocket *socks;		/* sockets libcurl wants watched */
	int			nsocks;
	int			socks_cap;
	long long	timer_deadline; /* monotonic ms, or -1 */
	HttpWaitSocket *ready;		/* http_wait's copy of socks */
	int			ready_cap;

	int			running;
	HttpTransfer *live;			/* all transfers not yet freed */
	HttpTransfer *queue_head;
	HttpTransfer *queue_tail;

	CURL	   *pool[HTTP_EASY_POOL_SIZE];
	int			npool;
	char		error[256];
};

/*
 * Called by libcurl right before it sends the request.  libcurl 7.88 sends
 * a POST again by itself, on a fresh connection, when a reused connection
 * closes without an answer ("Connection died, retrying a fresh connect"),
 * although the request may have reached DynamoDB and been applied.  Such a
 * resend is refused here: the transfer fails as if nothing was answered,
 * and the caller's retry logic, which counts its attempts and knows that
 * the first one may have been applied, decides whether to send it again.
 */
static int
http_prereq_cb(void *clientp, char *conn_primary_ip, char *conn_local_ip,
			   int conn_primary_port, int conn_local_port)
{
	HttpTransfer *xfer = clientp;

	(void) conn_primary_ip;
	(void) conn_local_ip;
	(void) conn_primary_port;
	(void) conn_local_port;
	if (xfer->sends++ > 0)
	{
		xfer->result.resend_refused = true;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

static long long
http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
http_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
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

/* A socket the session opened, and which socket it is. */
typedef struct HttpOwnedSocket
{
	int			fd;
	dev_t		dev;
	ino_t		ino;
} HttpOwnedSocket;

/* Forgets owned socket i (closed already) and gives its count back. */
static void
http_forget_socket(HttpSession *session, int i)
{
	session->owned[i] = session->owned[--session->open_sockets];
	if (session->release_fd)
		session->release_fd();
}

/*
 * Forgets the recorded sockets that are closed, or whose descriptor now
 * names another file: libcurl closed them without telling.  With all,
 * forgets every one (after curl_multi_cleanup: none can be open).
 */
static void
http_reconcile_sockets(HttpSession *session, bool all)
{
	for (int i = session->open_sockets - 1; i >= 0; i--)
	{
		struct stat st;

		if (all || fstat(session->owned[i].fd, &st) != 0 ||
			st.st_dev != session->owned[i].dev || st.st_ino != session->owned[i].ino)
			http_forget_socket(session, i);
	}
}

/* libcurl open-socket callback: a socket, if the caller's accounting allows. */
static const char *http_guard_address(HttpSession *session,
									  const struct curl_sockaddr *address);

static curl_socket_t
http_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	HttpTransfer *xfer = clientp;
	HttpSession *session = xfer->session;
	curl_socket_t fd;
	struct stat st;

	(void) purpose;
	xfer->refused = http_guard_address(session, address);
	if (xfer->refused)
		return CURL_SOCKET_BAD;
	if (session->open_sockets == session->owned_cap)
	{
		int			cap = session->owned_cap ? session->owned_cap * 2 : 16;
		HttpOwnedSocket *owned = realloc(session->owned, cap * sizeof(HttpOwnedSocket));

		if (owned == NULL)
			return CURL_SOCKET_BAD;
		session->owned = owned;
		session->owned_cap = cap;
	}
	if (session->acquire_fd && !session->acquire_fd())
	{
		/* some counted sockets may be gone: count again, then try again */
		http_reconcile_sockets(session, false);
		if (!session->acquire_fd())
		{
			xfer->result.no_socket = true;
			return CURL_SOCKET_BAD;
		}
	}
	fd = socket(address->family, address->socktype, address->protocol);
	if (fd == CURL_SOCKET_BAD || fstat(fd, &st) != 0)
	{
		if (fd != CURL_SOCKET_BAD)
			close(fd);
		if (session->release_fd)
			session->release_fd();
		return CURL_SOCKET_BAD;
	}
	session->owned[session->open_sockets].fd = fd;
	session->owned[session->open_sockets].dev = st.st_dev;
	session->owned[session->open_sockets].ino = st.st_ino;
	session->open_sockets++;
	return fd;
}

/* libcurl close-socket callback (its data is the session: see above). */
static int
http_close_socket(void *clientp, curl_socket_t fd)
{
	HttpSession *session = clientp;

	for (int i = 0; i < session->open_sockets; i++)
		if (session->owned[i].fd == (int) fd)
		{
			http_forget_socket(session, i);
			break;
		}
	return close(fd);
}

/* A new multi handle for the session: no connection, no socket to watch. */
static bool
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

HttpSession *
http_session_create(const HttpConfig *cfg, char *errbuf, size_t errlen)
{
	HttpSession *session;
	size_t		len;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
	{
		snprintf(errbuf, errlen, "could not initialize libcurl");
		return NULL;
	}
	session = calloc(1, sizeof(HttpSession));
	if (session == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	(void) http_multi_init(session);
	session->url = http_strdup(cfg->endpoint);
	len = strlen(cfg->region) + strlen(cfg->service) + 16;
	session->sigv4 = malloc(len);
	session->access_key_id = http_strdup(cfg->access_key_id);
	session->secret_access_key = http_strdup(cfg->secret_access_key);
	if (cfg->session_token && cfg->session_token[0])
	{
		len = strlen(cfg->session_token) + 32;
		session->token_header = malloc(len);
		if (session->token_header)
			snprintf(session->token_header, len, "X-Amz-Security-Token: %s",
					 cfg->session_token);
	}
	if (cfg->ca_bundle)
		session->ca_bundle = http_strdup(cfg->ca_bundle);
	if (cfg->proxy)
		session->proxy = http_strdup(cfg->proxy);
	if ((cfg->ca_bundle && session->ca_bundle == NULL) ||
		(cfg->proxy && session->proxy == NULL) ||
		session->multi == NULL || session->url == NULL || session->sigv4 == NULL ||
		session->access_key_id == NULL || session->secret_access_key == NULL ||
		(cfg->session_token && cfg->session_token[0] && session->token_header == NULL))
	{
		http_session_destroy(session);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	snprintf(session->sigv4, strlen(cfg->region) + strlen(cfg->service) + 16,
			 "aws:amz:%s:%s", cfg->region, cfg->service);
	session->connect_timeout_ms = cfg->connect_timeout_ms;
	session->request_timeout_ms = cfg->request_timeout_ms;
	session->restrict_addresses = cfg->restrict_addresses;
	session->plain_http = strncasecmp(cfg->endpoint, "http://", 7) == 0;
	session->max_body = cfg->max_body_bytes ? cfg->max_body_bytes : HTTP_MAX_BODY;
	session->acquire_fd = cfg->acquire_fd;
	session->release_fd = cfg->release_fd;
	session->timer_deadline = -1;

	curl_multi_setopt(session->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(session->multi, CURLMOPT_SOCKETDATA, session);
	curl_multi_setopt(session->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(session->multi, CURLMOPT_TIMERDATA, session);
	return session;
}

/* Clears and frees a string holding a secret. */
static void
http_free_secret(char *s)
{
	if (s)
	{
		volatile char *p = s;

		while (*p)
			*p++ = '\0';
		free(s);
	}
}

void
http_session_destroy(HttpSession *session)
{
	if (session == NULL)
		return;
	while (session->live)
		http_transfer_free(session->live);
	for (int i = 0; i < session->npool; i++)
		curl_easy_cleanup(session->pool[i]);
	if (session->multi)
		curl_multi_cleanup(session->multi);
	http_reconcile_sockets(session, true);
	free(session->owned);
	free(session->url);
	free(session->sigv4);
	free(session->access_key_id);
	http_free_secret(session->secret_access_key);
	http_free_secret(session->token_header);
	free(session->ca_bundle);
	free(session->proxy);
	free(session->socks);
	free(session->ready);
	free(session);
}

int
http_session_close_idle(HttpSession *session, int keep)
{
	if (session->live != NULL)
		return session->open_sockets;
	http_reconcile_sockets(session, false);
	if (session->open_sockets <= keep)
		return session->open_sockets;

	/*
	 * libcurl closes idle connections only beyond CURLMOPT_MAXCONNECTS, and
	 * only one as each transfer ends; a new multi handle closes them all at
	 * once.  Pooled easy handles go too, to hold nothing of the old one.
	 */
	for (int i = 0; i < session->npool; i++)
		curl_easy_cleanup(session->pool[i]);
	session->npool = 0;
	curl_multi_cleanup(session->multi);
	http_reconcile_sockets(session, true);
	if (!http_multi_init(session))
		session->multi = NULL;	/* http_start fails until it is recreated */
	return session->open_sockets;
}

int
http_session_sockets(HttpSession *session)
{
	return session->open_sockets;
}

static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	HttpTransfer *xfer = userp;
	size_t		len = size * nmemb;

	if (len > xfer->session->max_body - xfer->result.body_len)
	{
		xfer->result.too_large = true;
		return 0;				/* libcurl reports CURLE_WRITE_ERROR */
	}
	xfer->result.crc_body = aw_crc32_update(xfer->result.crc_body, data, len);
	xfer->result.body_len += len;
	if (xfer->sink)
	{
		xfer->sink(xfer->sink_arg, data, len);
		return len;
	}
	if (xfer->result.body_len + 1 > xfer->body_cap)
	{
		size_t		cap = xfer->body_cap ? xfer->body_cap : 4096;
		char	   *body;

		while (cap < xfer->result.body_len + 1)
			cap *= 2;
		body = realloc(xfer->body, cap);
		if (body == NULL)
			return 0;			/* libcurl reports CURLE_WRITE_ERROR */
		xfer->body = body;
		xfer->body_cap = cap;
	}
	memcpy(xfer->body + xfer->result.body_len - len, data, len);
	xfer->body[xfer->result.body_len] = '\0';
	return len;
}

/* Copies a header value (after "name:") without surrounding blanks. */
static void
http_header_value(const char *line, size_t len, size_t namelen, char *out, size_t outlen)
{
	size_t		start = namelen + 1;
	size_t		end = len;
	size_t		n;

	while (start < end && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' ||
						   line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	n = end - start;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, line + start, n);
	out[n] = '\0';
}

static size_t
http_header_cb(char *line, size_t size, size_t nmemb, void *userp)
{
	HttpTransfer *xfer = userp;
	size_t		len = size * nmemb;
	static const char crc_name[] = "x-amz-crc32:";
	static const char id_name[] = "x-amzn-requestid:";

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
	{
		/* a new response (after 100 Continue, say): forget earlier headers */
		xfer->result.has_crc = false;
		xfer->result.request_id[0] = '\0';
	}
	else if (len > sizeof(crc_name) - 1 &&
			 strncasecmp(line, crc_name, sizeof(crc_name) - 1) == 0)
	{
		char		value[32];
		char	   *end;
		unsigned long long crc;

		http_header_value(line, len, sizeof(crc_name) - 2, value, sizeof(value));
		crc = strtoull(value, &end, 10);
		if (end != value && *end == '\0' && crc <= 0xFFFFFFFFull)
		{
			xfer->result.has_crc = true;
			xfer->result.crc_header = (uint32_t) crc;
		}
	}
	else if (len > sizeof(id_name) - 1 &&
			 strncasecmp(line, id_name, sizeof(id_name) - 1) == 0)
		http_header_value(line, len, sizeof(id_name) - 2,
						  xfer->result.request_id, sizeof(xfer->result.request_id));
	return len;
}

const char *
http_address_refusal(int family, const void *addr, bool plain_http)
{
	if (family == AF_INET)
	{
		const unsigned char *a = (const unsigned char *) &((const struct in_addr *) addr)->s_addr;

		if (a[0] == 169 && a[1] == 254)
			return "a link-local address (169.254.0.0/16, where the instance metadata service answers)";
		if (plain_http && a[0] != 127)
			return "plain http:// beyond the loopback interface (credentials would travel in clear)";
		return NULL;
	}
	if (family == AF_INET6)
	{
		const unsigned char *a = ((const struct in6_addr *) addr)->s6_addr;
		static const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		static const unsigned char compat[12] = {0};
		static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
		struct in_addr v4;

		/* IPv4 inside IPv6: mapped, compatible, NAT64 (64:ff9b::/96), 6to4 */
		if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 ||
			(memcmp(a, compat, 12) == 0 && memcmp(a, loopback, 16) != 0 &&
			 (a[12] | a[13] | a[14] | a[15]) != 0))
		{
			memcpy(&v4.s_addr, a + 12, 4);
			return http_address_refusal(AF_INET, &v4, plain_http);
		}
		if (a[0] == 0x20 && a[1] == 0x02)
		{
			const char *why;

			memcpy(&v4.s_addr, a + 2, 4);
			why = http_address_refusal(AF_INET, &v4, false);
			if (why)
				return why;
		}
		if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
			return "a link-local address (fe80::/10)";
		if (a[0] == 0xfd && a[1] == 0x00 && a[2] == 0x0e && a[3] == 0xc2)
			return "an address of the instance metadata service (fd00:ec2::/32)";
		if (plain_http && memcmp(a, loopback, 16) != 0)
			return "plain http:// beyond the loopback interface (credentials would travel in clear)";
		return NULL;
	}
	return "an address of an unknown family";
}

/* The address guard of restrict_addresses: why libcurl may not connect there. */
static const char *
http_guard_address(HttpSession *session, const struct curl_sockaddr *address)
{
	const void *addr = NULL;

	if (!session->restrict_addresses)
		return NULL;
	if (address->family == AF_INET)
		addr = &((const struct sockaddr_in *) &address->addr)->sin_addr;
	else if (address->family == AF_INET6)
		addr = &((const struct sockaddr_in6 *) &address->addr)->sin6_addr;
	return http_address_refusal(address->family, addr, session->plain_http);
}

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

static bool http_socket_action(HttpSession *session, curl_socket_t fd, int mask);

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

	curl_easy_setopt(easy, CURLOPT_URL, session->url);
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) bodylen);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, xfer->headers);
	curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, session->sigv4);
	curl_easy_setopt(easy, CURLOPT_USERNAME, session->access_key_id);
	curl_easy_setopt(easy, CURLOPT_PASSWORD, session->secret_access_key);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, session->connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, session->request_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, xfer);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, xfer);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, xfer->result.curl_error);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, xfer);
	/* verification stays on: libcurl's defaults, set again to be sure */
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (session->ca_bundle)
	{
		curl_easy_setopt(easy, CURLOPT_CAINFO, session->ca_bundle);
		curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
	}
	if (session->proxy)
		curl_easy_setopt(easy, CURLOPT_PROXY, session->proxy);
	else if (session->restrict_addresses)
	{
		/*
		 * The address guard sees only the address libcurl connects to: a
		 * proxy from the environment (https_proxy …) would resolve the
		 * endpoint's host itself.  Servers a non-superuser owns connect
		 * directly, unless a superuser gave them a proxy.
		 */
		curl_easy_setopt(easy, CURLOPT_PROXY, "");
	}
	curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) session->max_body);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, http_open_socket);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, xfer);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, http_close_socket);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, session);
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, http_prereq_cb);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, xfer);

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
		xfer->result.curl_code = (int) msg->data.result;
		if (msg->data.result == CURLE_FILESIZE_EXCEEDED)
			xfer->result.too_large = true;
		if (xfer->result.resend_refused && msg->data.result == CURLE_ABORTED_BY_CALLBACK)
		{
			/* the connection closed after the request went out, unanswered */
			xfer->result.curl_code = (int) CURLE_GOT_NOTHING;
			snprintf(xfer->result.curl_error, sizeof(xfer->result.curl_error), "%s",
					 "the connection closed without an answer after the request was sent");
		}
		if (xfer->result.curl_code != CURLE_OK && http_curl_code_tls(xfer->result.curl_code))
		{
			char		why[sizeof(xfer->result.curl_error)];

			snprintf(why, sizeof(why), "%s", xfer->result.curl_error[0] ? xfer->result.curl_error
					 : curl_easy_strerror(msg->data.result));
			snprintf(xfer->result.curl_error, sizeof(xfer->result.curl_error),
					 "TLS with %.100s failed: %.130s",
					 strchr(session->url, '@') ? "the endpoint" : session->url, why);
		}
		else if (xfer->result.curl_code != CURLE_OK && xfer->refused)
			snprintf(xfer->result.curl_error, sizeof(xfer->result.curl_error),
					 "awstore refused the connection: it would use %s, which only servers owned by a superuser may",
					 xfer->refused);
		else if (xfer->result.curl_code != CURLE_OK && xfer->result.curl_error[0] == '\0')
			snprintf(xfer->result.curl_error, sizeof(xfer->result.curl_error), "%s",
					 curl_easy_strerror(msg->data.result));
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

static bool
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

int
http_running(HttpSession *session)
{
	return session->running;
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

const char *
http_session_error(HttpSession *session)
{
	return session->error;
}

bool
http_curl_code_retryable(int curl_code)
{
	switch ((CURLcode) curl_code)
	{
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_WEIRD_SERVER_REPLY:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return true;
		default:
			return false;
	}
}

bool
http_curl_code_unreachable(int curl_code)
{
	switch ((CURLcode) curl_code)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
			return true;
		default:
			return http_curl_code_tls(curl_code);
	}
}

bool
http_curl_code_tls(int curl_code)
{
	switch ((CURLcode) curl_code)
	{
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CIPHER:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_CRL_BADFILE:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_INVALIDCERTSTATUS:
			return true;
		default:
			return false;
	}
}
