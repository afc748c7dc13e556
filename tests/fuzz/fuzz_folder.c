/*
 * Maildir++ folder names both ways, over the input as a C string. A directory name
 * that decodes must encode back to itself byte for byte, and a folder name that
 * encodes must decode back to itself.
 */
#include "maildir_folder.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[MAILDIR_FOLDER_NAME_MAX + 1], dir[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	char *in = malloc(size + 1);

	if (in == NULL)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';

	if (maildir_folder_decode(in, name, sizeof name) >= 0) {
		if (maildir_folder_encode(name, dir, sizeof dir) < 0 || strcmp(dir, in) != 0)
			abort();
	}
	if (maildir_folder_encode(in, dir, sizeof dir) >= 0) {
		if (maildir_folder_decode(dir, name, sizeof name) < 0 || strcmp(name, in) != 0)
			abort();
	}
	free(in);
	return 0;
}
