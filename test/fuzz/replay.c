/*-------------------------------------------------------------------------
 *
 * replay.c
 *		Runs a fuzz target over its seed corpus without libFuzzer.
 *
 * `make unit` links each target with this file (gcc will do: no clang, no
 * sanitizer needed) and runs it from the source root: every seed of
 * test/fuzz/corpus/<target>/ goes through the target once, so the
 * target's invariants hold on real DynamoDB answers in every test run,
 * and a crash input saved into the corpus stays a regression test.
 * Prints one TAP line.
 *
 *-------------------------------------------------------------------------
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char current[4096];

/* A broken invariant aborts: say which seed broke it. */
static void
on_abort(int sig)
{
	static const char prefix[] = "not ok 1 - " FUZZ_TARGET " fails on seed ";

	(void) sig;
	fflush(stdout);
	if (write(1, prefix, sizeof(prefix) - 1) < 0 ||
		write(1, current, strlen(current)) < 0 || write(1, "\n", 1) < 0)
		_exit(1);
	_exit(1);
}

int
main(void)
{
	DIR		   *dir = opendir(FUZZ_CORPUS);
	struct dirent *de;
	int			seeds = 0;

	signal(SIGABRT, on_abort);
	if (dir == NULL)
	{
		printf("not ok 1 - %s replays its seeds\n", FUZZ_TARGET);
		fprintf(stderr, "#   cannot open %s\n", FUZZ_CORPUS);
		return 1;
	}
	while ((de = readdir(dir)) != NULL)
	{
		char		path[4096];
		FILE	   *f;
		uint8_t    *data;
		long		size;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", FUZZ_CORPUS, de->d_name);
		f = fopen(path, "rb");
		if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
			fseek(f, 0, SEEK_SET) != 0)
		{
			printf("not ok 1 - %s replays its seeds\n", FUZZ_TARGET);
			fprintf(stderr, "#   cannot read %s\n", path);
			return 1;
		}
		data = malloc(size ? (size_t) size : 1);
		if (data == NULL || fread(data, 1, (size_t) size, f) != (size_t) size)
		{
			printf("not ok 1 - %s replays its seeds\n", FUZZ_TARGET);
			fprintf(stderr, "#   cannot read %s\n", path);
			return 1;
		}
		fclose(f);
		snprintf(current, sizeof(current), "%s", de->d_name);
		LLVMFuzzerTestOneInput(data, (size_t) size);
		free(data);
		seeds++;
	}
	closedir(dir);
	printf("%s 1 - %s replays its %d seeds\n", seeds > 0 ? "ok" : "not ok",
		   FUZZ_TARGET, seeds);
	return seeds > 0 ? 0 : 1;
}
