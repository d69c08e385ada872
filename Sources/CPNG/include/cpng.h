// libpng for Swift. libpng reports errors with longjmp, which Swift cannot cross, so all
// libpng calls live in C here and return libpng's own message (or ours) in an error buffer.
#ifndef CPNG_H
#define CPNG_H
#include <stddef.h>
#include <stdint.h>

/// Decodes any PNG (1/2/4/8/16-bit, gray, gray+alpha, RGB, RGBA, palette, tRNS, interlaced) to 8-bit RGB.
/// 16-bit samples are scaled (rounded) to 8 bits; alpha is dropped without compositing.
/// On success returns 0 and sets *pixels (malloc'd, width*height*3 bytes, free with cpng_free), *width, *height.
/// On failure returns non-zero and writes a message into err.
int cpng_read_rgb8(const char *path, uint8_t **pixels, int *width, int *height, char *err, size_t errlen);
/// Encodes 8-bit pixels with `channels` (1 = gray, 3 = RGB, 4 = RGBA), rows packed, to a PNG file.
int cpng_write(const char *path, const uint8_t *pixels, int width, int height, int channels, char *err, size_t errlen);
void cpng_free(void *p);
#endif
