/*-------------------------------------------------------------------------
 *
 * sockets.c
 *		The sockets a session opens, counted for the caller.
 *
 * libcurl opens and closes sockets through http_open_socket() and
 * http_close_socket().  A socket is opened only if the address guard lets
 * it (addrguard.c) and the caller's accounting (acquire_fd) has room; each
 * is recorded with its device and inode.  libcurl 7.88 does not call the
 * close-socket callback for every socket it closes, so
 * http_reconcile_sockets() checks the record against the descriptors
 * themselves and gives back (release_fd) what is gone: acquire_fd and
 * release_fd always balance.
 *
 *-------------------------------------------------------------------------
 */
#include "http_int.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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
void
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
curl_socket_t
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
int
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
