// libpng read/write with setjmp-based error handling kept inside C. libpng's error text is
// captured through a custom error callback so that Swift can report what exactly was wrong.
#include "cpng.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *err; size_t errlen; } cpng_error_sink;

static void set_err(char *err, size_t errlen, const char *msg) {
    if (err && errlen) { strncpy(err, msg, errlen - 1); err[errlen - 1] = 0; }
}

static void on_error(png_structp png, png_const_charp message) {
    cpng_error_sink *sink = (cpng_error_sink *)png_get_error_ptr(png);
    if (sink) set_err(sink->err, sink->errlen, message);
    png_longjmp(png, 1);
}

/* Warnings (e.g. "iCCP: known incorrect sRGB profile") are harmless for decoding: stay silent. */
static void on_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

int cpng_read_rgb8(const char *path, uint8_t **pixels, int *width, int *height, char *err, size_t errlen) {
    *pixels = NULL;
    set_err(err, errlen, "corrupt or truncated PNG data");
    FILE *fp = fopen(path, "rb");
    if (!fp) { set_err(err, errlen, "cannot open file"); return 1; }
    unsigned char sig[8];
    if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8)) {
        fclose(fp); set_err(err, errlen, "not a PNG file (bad signature)"); return 2;
    }
    cpng_error_sink sink = { err, errlen };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        fclose(fp); set_err(err, errlen, "out of memory"); return 3;
    }
    uint8_t *volatile buf = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(buf); free(rows);
        png_destroy_read_struct(&png, &info, NULL); fclose(fp);
        return 4;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (depth == 16) png_set_scale_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)w * 3) png_error(png, "unexpected row layout after conversion to RGB8");
    buf = malloc(rowbytes * h);
    rows = malloc(sizeof(png_bytep) * h);
    if (!buf || !rows) png_error(png, "out of memory for the decoded image");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = buf + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    *pixels = buf; *width = (int)w; *height = (int)h;
    set_err(err, errlen, "");
    return 0;
}

int cpng_write(const char *path, const uint8_t *pixels, int width, int height, int channels, char *err, size_t errlen) {
    int color = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : channels == 4 ? PNG_COLOR_TYPE_RGBA : -1;
    if (color < 0) { set_err(err, errlen, "unsupported channel count"); return 1; }
    if (width <= 0 || height <= 0) { set_err(err, errlen, "image has no pixels"); return 1; }
    FILE *fp = fopen(path, "wb");
    if (!fp) { set_err(err, errlen, "cannot open file for writing"); return 2; }
    set_err(err, errlen, "PNG encoding failed");
    cpng_error_sink sink = { err, errlen };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(png ? &png : NULL, NULL);
        fclose(fp); set_err(err, errlen, "out of memory"); return 3;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info); fclose(fp);
        return 4;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * channels));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(fp) != 0) { set_err(err, errlen, "write error while closing the file"); return 5; }
    set_err(err, errlen, "");
    return 0;
}

void cpng_free(void *p) { free(p); }
