/*
 * test_deps.c — the library versions reported by awstore.version().
 */
#include "deps.h"
#include "unit.h"

int
main(void)
{
	char		buf[512];
	char		tiny[8];

	awstore_library_versions(buf, sizeof(buf));
	UNIT_TRUE("versions name libcurl", strstr(buf, "libcurl/") == buf);
	UNIT_TRUE("versions name json-c", strstr(buf, ", json-c/") != NULL);
	UNIT_TRUE("versions name OpenSSL", strstr(buf, "OpenSSL/") != NULL);

	awstore_library_versions(tiny, sizeof(tiny));
	UNIT_EQ_INT("short buffer is terminated", strlen(tiny), sizeof(tiny) - 1);
	return unit_done();
}
