/*-------------------------------------------------------------------------
 *
 * http_int.h
 *		What the files of src/http share: the session and the transfer.
 *
 * HttpSession and HttpTransfer are opaque outside this folder (http.h
 * only names them); the files here share their layout, and the functions
 * one file offers the others, through this header.  Like the rest of the
 * folder it never includes postgres.h.
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
#ifndef AWSTORE_HTTP_INT_H
#define AWSTORE_HTTP_INT_H

#include "http.h"

#include <sys/types.h>

#include <curl/curl.h>

#define HTTP_EASY_POOL_SIZE 16
#define HTTP_MAX_CONNECTS 16	/* idle connections libcurl keeps by default */
#define HTTP_USER_AGENT "awstore/1.0"

/* A socket the session opened, and which socket it is. */
typedef struct HttpOwnedSocket
{
	int			fd;
	dev_t		dev;
	ino_t		ino;
} HttpOwnedSocket;

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

/* multi.c */
extern bool http_multi_init(HttpSession *session);
extern bool http_socket_action(HttpSession *session, curl_socket_t fd, int mask);

/* curlopts.c */
extern void http_set_options(HttpTransfer *xfer, const char *body, size_t bodylen);

/* receive.c */
extern size_t http_write_cb(char *data, size_t size, size_t nmemb, void *userp);
extern size_t http_header_cb(char *line, size_t size, size_t nmemb, void *userp);

/* sockets.c */
extern void http_reconcile_sockets(HttpSession *session, bool all);
extern curl_socket_t http_open_socket(void *clientp, curlsocktype purpose,
									  struct curl_sockaddr *address);
extern int	http_close_socket(void *clientp, curl_socket_t fd);

/* addrguard.c */
extern const char *http_guard_address(HttpSession *session,
									  const struct curl_sockaddr *address);

/* curlcode.c */
extern void http_note_curl_code(HttpTransfer *xfer, CURLcode code);

#endif							/* AWSTORE_HTTP_INT_H */
