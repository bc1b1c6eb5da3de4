/*-------------------------------------------------------------------------
 *
 * curlopts.c
 *		Every libcurl option of a transfer: signing, TLS, proxy, callbacks.
 *
 * http_set_options() is the one place a transfer's easy handle is
 * configured: the POST and its headers, AWS Signature Version 4 by libcurl
 * itself (CURLOPT_AWS_SIGV4), HTTP/1.1, timeouts, TLS verification (always
 * on: libcurl's defaults, set again) with the session's own CA bundle when
 * it names one, the proxy (none from the environment for a session under
 * the address guard), the cap of a response body, and the callbacks that
 * receive the response (receive.c), open and close sockets (sockets.c) and
 * refuse libcurl's own resend of a request (below).
 *
 *-------------------------------------------------------------------------
 */
#include "http_int.h"


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

/*
 * Sets every option of xfer's easy handle for a POST of body (bodylen
 * bytes, which must stay valid until the transfer is freed).
 */
void
http_set_options(HttpTransfer *xfer, const char *body, size_t bodylen)
{
	HttpSession *session = xfer->session;
	CURL	   *easy = xfer->easy;

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
}
