/*-------------------------------------------------------------------------
 *
 * fuzz_aws_ini.c
 *		libFuzzer target: the shared credentials and config files.
 *
 * Input: one byte (its low bit: a config file or a credentials file),
 * then the text.  Invariants: every pair belongs to a section the parser
 * lists; looking a pair's key up finds a value (the last one written);
 * keys are never empty.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include "aws/awsint.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text;
	AwsIni	   *ini;
	int			i;

	if (size < 1)
		return 0;
	text = fuzz_copy(data + 1, size - 1);
	ini = aws_ini_parse(text, size - 1, (data[0] & 1) != 0);
	FUZZ_ASSERT(ini != NULL, "parsed");
	for (i = 0; i < ini->npairs; i++)
	{
		FUZZ_ASSERT(ini->pairs[i].key[0] != '\0', "a key is never empty");
		FUZZ_ASSERT(aws_ini_has_section(ini, ini->pairs[i].section), "a pair's section is listed");
		FUZZ_ASSERT(aws_ini_get(ini, ini->pairs[i].section, ini->pairs[i].key) != NULL,
					"a pair's key is found");
	}
	aws_ini_free(ini);
	free(text);
	return 0;
}
