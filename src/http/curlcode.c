/*-------------------------------------------------------------------------
 *
 * curlcode.c
 *		What a libcurl error code means, and what a failed transfer says.
 *
 * The code a transfer ended with is recorded in its result with a message
 * fit for the caller's error report: a TLS failure names the endpoint
 * (unless its URL holds credentials), a connection the address guard
 * refused says why, and libcurl's own resend that curlopts.c refused reads
 * as a connection closed without an answer.  The http_curl_code_*()
 * functions sort codes for the caller: worth a retry, endpoint not
 * reached, TLS.
 *
 *-------------------------------------------------------------------------
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

/*
 * Records in xfer's result the code its transfer ended with, and for a
 * failure the message to report, in curl_error.
 */
void
http_note_curl_code(HttpTransfer *xfer, CURLcode code)
{
	HttpSession *session = xfer->session;

	xfer->result.curl_code = (int) code;
	if (code == CURLE_FILESIZE_EXCEEDED)
		xfer->result.too_large = true;
	if (xfer->result.resend_refused && code == CURLE_ABORTED_BY_CALLBACK)
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
				 : curl_easy_strerror(code));
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
				 curl_easy_strerror(code));
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
