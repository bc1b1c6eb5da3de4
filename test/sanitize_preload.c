/*-------------------------------------------------------------------------
 *
 * sanitize_preload.c
 *		Preloaded after the ASan runtime by `test/run --sanitize`.
 *
 * PostgreSQL's programs link libraries (libgpg-error, gnutls) whose
 * constructors call bindtextdomain(), which holds glibc's gettext lock
 * while it calls malloc().  When that first malloc() initializes the
 * preloaded ASan runtime, the runtime looks up swift_demangle with dlsym()
 * and then calls dlerror(), whose message is translated under the same
 * lock: the lock's count goes wrong and the program hangs later (initdb's
 * "postgres -V" never returns).  Defining the symbol leaves no dlerror()
 * message to translate.  It never demangles anything.
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <stdint.h>

char	   *swift_demangle(const char *name, size_t len, char *out,
						   size_t *outlen, uint32_t flags);

char *
swift_demangle(const char *name, size_t len, char *out, size_t *outlen,
			   uint32_t flags)
{
	(void) name;
	(void) len;
	(void) out;
	(void) outlen;
	(void) flags;
	return NULL;
}
