/*-------------------------------------------------------------------------
 *
 * http.h
 *		Signed HTTP requests to an AWS JSON endpoint, through libcurl.
 *
 * A session (HttpSession) holds one libcurl multi handle for one endpoint
 * and one set of credentials; its connections stay open between requests,
 * so TCP and TLS are set up once.  Several transfers may run at once (a
 * parallel scan); the caller drives them with http_wait(), which never
 * blocks by itself but hands the sockets to wait on to a callback: the
 * PostgreSQL side waits on them together with its latch, so that a cancel
 * interrupts a request in flight.
 *
 * Requests are signed with AWS Signature Version 4 by libcurl itself
 * (CURLOPT_AWS_SIGV4); a session token goes in X-Amz-Security-Token.
 *
 * TLS: certificate and host name verification are always on (libcurl's
 * defaults, never turned off); a session may trust its own CA bundle
 * instead of the system's, and go through a proxy.
 *
 * This layer knows nothing of PostgreSQL or of JSON: it moves bytes, checks
 * the x-amz-crc32 header against the body, and reports what happened.  It
 * never raises errors; every failure is a result the caller inspects.
 * Everything it allocates is malloc'd and freed by the functions here.
 *
 * The files of src/http, one job each:
 *	session.c	a session: create, destroy, credentials, close idle connections
 *	transfer.c	one request: start, result, free; the pool of easy handles
 *	curlopts.c	every libcurl option of a transfer (signing, TLS, proxy)
 *	multi.c		the multi handle and http_wait() driving it
 *	receive.c	a response as libcurl hands it over: headers and body
 *	sockets.c	the sockets a session opens, counted for the caller
 *	addrguard.c	the addresses servers not owned by a superuser may not reach
 *	curlcode.c	what a libcurl code means, what a failed transfer says
 *	crc32.c		the CRC32 of x-amz-crc32
 *	http_int.h	the session and transfer structs the files share
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_HTTP_H
#define AWSTORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HttpConfig
{
	const char *endpoint;		/* base URL: https://dynamodb.us-east-1.amazonaws.com */
	const char *region;			/* signing region */
	const char *service;		/* signing service: "dynamodb" */
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL when there is none */
	long		connect_timeout_ms;
	long		request_timeout_ms;
	const char *ca_bundle;		/* PEM file of CAs to trust; NULL: the system's */
	const char *proxy;			/* proxy URL; NULL: libcurl's default (https_proxy …) */

	/*
	 * Guard for endpoints chosen by a role that is not a superuser: never
	 * connect to a link-local address (169.254.0.0/16, fe80::/10, and
	 * fd00:ec2::/32, where the instance metadata service answers), and
	 * send plain http:// only to loopback addresses.  Checked on the
	 * address libcurl is about to connect to, whatever the URL spelled.
	 */
	bool		restrict_addresses;

	size_t		max_body_bytes; /* a longer response fails; 0: HTTP_MAX_BODY */

	/*
	 * Accounting of the sockets the session opens, when not NULL: a socket
	 * is opened only if acquire_fd() says yes, and release_fd() is called
	 * once it is closed.
	 */
	bool		(*acquire_fd) (void);
	void		(*release_fd) (void);
} HttpConfig;

/* Default cap of a response body: DynamoDB's pages are at most 1 MB. */
#define HTTP_MAX_BODY (16 * 1024 * 1024)

/* A socket that http_wait() needs watched, and what happened to it. */
typedef struct HttpWaitSocket
{
	int			fd;
	bool		want_read;
	bool		want_write;
	bool		readable;		/* set by the wait callback */
	bool		writable;		/* set by the wait callback */
} HttpWaitSocket;

/*
 * Wait until one of the sockets is ready or timeout_ms (>= 0) has passed,
 * and mark the ready ones.  Returns false when the wait must be abandoned
 * (the query was canceled or the backend is exiting): every transfer of the
 * session is then left as it is for the caller to free.  It may also
 * longjmp (raise an error): it is never called from inside libcurl, and
 * http_wait() and dyn_wait() hold nothing of their own across it, so the
 * session stays consistent, its transfers left for their owners to free.
 */
typedef bool (*HttpWaitFn) (void *arg, HttpWaitSocket *socks, int nsocks,
							long timeout_ms);

/* Receives the response body as it arrives. */
typedef void (*HttpBodySink) (void *arg, const char *data, size_t len);

typedef struct HttpSession HttpSession;
typedef struct HttpTransfer HttpTransfer;

typedef enum HttpWaitResult
{
	HTTP_WAIT_DONE,				/* a transfer finished: see *done */
	HTTP_WAIT_TIMEOUT,			/* timeout_ms passed, nothing finished */
	HTTP_WAIT_INTERRUPTED,		/* the wait callback returned false */
	HTTP_WAIT_IDLE,				/* no transfer is running */
	HTTP_WAIT_FAILED			/* libcurl failed: see http_session_error() */
} HttpWaitResult;

/* What a finished transfer brought back. */
typedef struct HttpResult
{
	int			curl_code;		/* CURLcode; 0 when the exchange completed */
	char		curl_error[256];	/* libcurl's message when curl_code != 0 */
	long		status;			/* HTTP status, 0 if none was received */
	bool		has_crc;		/* an x-amz-crc32 header was received */
	uint32_t	crc_header;		/* its value */
	uint32_t	crc_body;		/* CRC32 of the body received */
	size_t		body_len;		/* bytes of body received */
	bool		too_large;		/* the body passed max_body_bytes: aborted */
	bool		no_socket;		/* acquire_fd() refused a socket */
	char		request_id[80]; /* x-amzn-RequestId, "" if none */
	bool		resend_refused; /* libcurl wanted to send it again (curlopts.c) */
} HttpResult;

/*
 * Creates a session.  Returns NULL and a message in errbuf on failure.
 * The strings of cfg are copied.
 */
extern HttpSession *http_session_create(const HttpConfig *cfg,
										char *errbuf, size_t errlen);
extern void http_session_destroy(HttpSession *session);

/*
 * Replaces the session's credentials (temporary ones that were refreshed)
 * for the transfers started from now on; running transfers keep theirs
 * (libcurl copied them) and connections stay open.  The strings are
 * copied.  Returns false when out of memory: the old ones are kept then.
 */
extern bool http_session_set_credentials(HttpSession *session,
										 const char *access_key_id,
										 const char *secret_access_key,
										 const char *session_token);

/*
 * Starts a POST of body with header "X-Amz-Target: target".  The body must
 * stay valid until the transfer is freed.  When sink is NULL the body is
 * kept in the transfer (http_body()).  Returns NULL when libcurl refuses
 * the transfer (out of memory).
 */
extern HttpTransfer *http_start(HttpSession *session, const char *target,
								const char *body, size_t bodylen,
								HttpBodySink sink, void *sink_arg);

/*
 * Drives the running transfers until one finishes, timeout_ms passes or
 * the wait callback gives up.  Transfers finished earlier but not yet
 * returned are returned first, one per call.
 */
extern HttpWaitResult http_wait(HttpSession *session, HttpWaitFn wait,
								void *wait_arg, long timeout_ms,
								HttpTransfer **done);

/* Number of transfers started and not yet returned by http_wait(). */
extern int	http_running(HttpSession *session);

/*
 * Lets the session's transfers move what has arrived on their sockets (and
 * send what they can), without waiting: a zero-timeout poll(2), then
 * libcurl on the ready sockets.  A caller busy with something else (a page
 * being converted) calls it now and then, so that the next response keeps
 * coming instead of stalling in the socket's buffer.  Transfers that
 * finish are handed out by the next http_wait.  Returns false when libcurl
 * failed (the session's error says why); the transfers are left as they
 * are, and the next http_wait acts on them again.  At most
 * HTTP_PUMP_MAX_SOCKETS sockets are looked at.
 */
#define HTTP_PUMP_MAX_SOCKETS 64
extern bool http_pump(HttpSession *session);

/* Result of a finished transfer (valid until it is freed). */
extern const HttpResult *http_result(HttpTransfer *xfer);

/* Body kept by a transfer started without a sink ("" when none). */
extern const char *http_body(HttpTransfer *xfer, size_t *len);

/* Frees a transfer; one still running is aborted first. */
extern void http_transfer_free(HttpTransfer *xfer);

/*
 * Closes the session's idle connections when more than keep are open and
 * no transfer is running (after a wide parallel scan).  Returns the number
 * of sockets still open.
 */
extern int	http_session_close_idle(HttpSession *session, int keep);

/* Number of sockets the session has open. */
extern int	http_session_sockets(HttpSession *session);

/* libcurl's message for the last HTTP_WAIT_FAILED. */
extern const char *http_session_error(HttpSession *session);

/* Is this libcurl error code worth a retry (a dropped or reset connection,
 * a truncated body, a timeout)? */
extern bool http_curl_code_retryable(int curl_code);

/* Is this libcurl error code a failure to reach the endpoint at all? */
extern bool http_curl_code_unreachable(int curl_code);

/* Is this libcurl error code a failure to set up or verify TLS? */
extern bool http_curl_code_tls(int curl_code);

/*
 * Why a connection to this address is refused under restrict_addresses
 * (NULL when it is allowed); plain_http says the URL is http://.
 * family is AF_INET or AF_INET6, addr the in_addr or in6_addr.
 */
extern const char *http_address_refusal(int family, const void *addr, bool plain_http);

#endif							/* AWSTORE_HTTP_H */
