/*-------------------------------------------------------------------------
 *
 * session.c
 *		An HTTP session: one endpoint, one set of credentials, kept open.
 *
 * http_session_create() copies the configuration (endpoint, signing region
 * and service, credentials, timeouts, CA bundle, proxy, the address guard
 * and the socket accounting) into a session and gives it a libcurl multi
 * handle, whose connection cache keeps connections open between transfers
 * and between queries for as long as the session lives.
 * http_session_set_credentials() swaps the credentials for the transfers
 * started from then on (refreshed temporary credentials), keeping the
 * connections.  http_session_destroy() frees every transfer still on the session's list,
 * closes every connection, and clears the secrets before freeing them.
 * http_session_close_idle() drops idle connections after a wide parallel
 * scan.  Nothing here raises errors: failures are results or messages.
 *
 *-------------------------------------------------------------------------
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *
http_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
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
	if (!http_session_set_credentials(session, cfg->access_key_id,
									  cfg->secret_access_key, cfg->session_token))
	{
		http_session_destroy(session);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	if (cfg->ca_bundle)
		session->ca_bundle = http_strdup(cfg->ca_bundle);
	if (cfg->proxy)
		session->proxy = http_strdup(cfg->proxy);
	if ((cfg->ca_bundle && session->ca_bundle == NULL) ||
		(cfg->proxy && session->proxy == NULL) ||
		session->multi == NULL || session->url == NULL || session->sigv4 == NULL)
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
	return session;
}

bool
http_session_set_credentials(HttpSession *session, const char *access_key_id,
							 const char *secret_access_key, const char *session_token)
{
	char	   *key = http_strdup(access_key_id);
	char	   *secret = http_strdup(secret_access_key);
	char	   *token_header = NULL;

	if (session_token && session_token[0])
	{
		size_t		len = strlen(session_token) + 32;

		token_header = malloc(len);
		if (token_header)
			snprintf(token_header, len, "X-Amz-Security-Token: %s", session_token);
	}
	if (key == NULL || secret == NULL ||
		(session_token && session_token[0] && token_header == NULL))
	{
		free(key);
		http_free_secret(secret);
		http_free_secret(token_header);
		return false;
	}
	free(session->access_key_id);
	http_free_secret(session->secret_access_key);
	http_free_secret(session->token_header);
	session->access_key_id = key;
	session->secret_access_key = secret;
	session->token_header = token_header;
	return true;
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

const char *
http_session_error(HttpSession *session)
{
	return session->error;
}
