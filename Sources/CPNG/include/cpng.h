// libpng for Swift. libpng reports errors with longjmp, which Swift cannot cross, so all
// libpng calls live in C here and return an error string instead.
#include <stddef.h>
#include <stdint.h>

/// Decodes any PNG (8/16-bit, gray, gray+alpha, RGB, RGBA, palette) to 8-bit RGB.
/// On success returns 0 and sets *pixels (malloc'd, caller frees with cpng_free), *width, *height.
/// On failure returns non-zero and writes a message into err.
int cpng_read_rgb8(const char *path, uint8_t **pixels, int *width, int *height, char *err, size_t errlen);
/// Encodes 8-bit pixels with `channels` (1 = gray, 3 = RGB, 4 = RGBA) to a PNG file.
int cpng_write(const char *path, const uint8_t *pixels, int width, int height, int channels, char *err, size_t errlen);
void cpng_free(void *p);
