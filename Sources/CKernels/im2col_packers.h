// Internal to CKernels, included by im2col.c once per instruction set: the implicit-GEMM packers.
// The includer defines ISA_TARGET (function attribute), ISA_NAME(f) (suffixed name), TRANSPOSE16
// (16×16 block transpose), ZERO_RUN(o, count) and COPY_WINDOW(o, src, count, lo, hi): o[t] = src[t]
// for lo ≤ t < hi, else 0, for t in [0, count), never reading src outside [lo, hi). Optional: FLAT_ROWS
// (same arguments as im2col_rows, returns 1 when it packed the rows itself) and STRIDE2_WINDOW(o, src, iw0,
// count, width): o[t] = src[iw0 + 2t] where 0 ≤ iw0 + 2t < width, else 0.

// dst[(k − k0)·ldd + c] = cols[k][j0 + c] for k in [k0, k0 + krows), c in [0, ncols); zero for c in [ncols, width).
ISA_TARGET static void ISA_NAME(im2col_rows)(const dk_im2col *g, long k0, long krows, long j0, long ncols, long width, float *dst,
                                              long ldd, column_run *runs) {
#ifdef FLAT_ROWS
    if (FLAT_ROWS(g, k0, krows, j0, ncols, width, dst, ldd, runs)) return;
#endif
    const long plane = g->height * g->width;
    const long runCount = column_runs(g, j0, ncols, runs);
    tap_cursor tap = tap_cursor_at(g, k0);
    for (long r = 0; r < krows; r++, tap_cursor_advance(g, &tap)) {
        const long channel = tap.channel, ki = tap.ki, kj = tap.kj;
        float *out = dst + r * ldd;
        for (long s = 0; s < runCount; s++) {
            const column_run run = runs[s];
            float *o = out + run.offset;
            const long ih = run.row * g->stride - g->padding + ki * g->dilation;
            if (ih < 0 || ih >= g->height) {
                ZERO_RUN(o, run.count);
                continue;
            }
            const float *source = g->input + run.image * g->image_stride + channel * plane + ih * g->width;
            const long iw0 = run.column * g->stride - g->padding + kj * g->dilation;
            if (g->stride == 1) {
                // Valid taps: 0 ≤ iw0 + t < width; the others are zero and never read.
                const long lo = iw0 < 0 ? -iw0 : 0, hi = g->width - iw0 < run.count ? g->width - iw0 : run.count;
                COPY_WINDOW(o, source + iw0, run.count, lo, hi);
            } else {
#ifdef STRIDE2_WINDOW
                if (g->stride == 2) {
                    STRIDE2_WINDOW(o, source, iw0, run.count, g->width);
                    continue;
                }
#endif
                for (long t = 0; t < run.count; t++) {
                    const long iw = iw0 + t * g->stride;
                    o[t] = iw >= 0 && iw < g->width ? source[iw] : 0.f;
                }
            }
        }
        for (long c = ncols; c < width; c++) out[c] = 0.f;
    }
}

// Forward: op(B) = cols, k = channel·tap, j = image·position (offset by column0).
ISA_TARGET static void ISA_NAME(pack_cols)(const void *context, long k0, long kc, long j0, long nc, int nr, float *dst) {
    const im2col_operand *operand = context;
    column_run *runs = runs_for_thread();
    for (long j = 0; j < nc; j += nr) {
        const long cols = nc - j < nr ? nc - j : nr;
        ISA_NAME(im2col_rows)(operand->geometry, k0, kc, operand->column0 + j0 + j, cols, nr, dst + j * kc, nr, runs);
    }
}

// Weight gradient: op(B) = colsᵀ, k = position (offset by column0), j = channel·tap (offset by row0).
ISA_TARGET static void ISA_NAME(pack_cols_transposed)(const void *context, long k0, long kc, long j0, long nc, int nr, float *dst) {
    const im2col_operand *operand = context;
    column_run *runs = runs_for_thread();
    if (!transpose_buffer) {
        void *p = NULL;
        if (posix_memalign(&p, 64, sizeof(float) * 64 * (KC + 16)) != 0) abort();
        transpose_buffer = p;
    }
    const long ldt = (kc + 15) / 16 * 16;
    for (long j = 0; j < nc; j += nr) {
        const long rows = nc - j < nr ? nc - j : nr;
        // transpose_buffer[c][p] = cols[row0 + j0 + j + c][column0 + k0 + p], zero rows past `rows` and columns past kc.
        ISA_NAME(im2col_rows)(operand->geometry, operand->row0 + j0 + j, rows, operand->column0 + k0, kc, ldt, transpose_buffer, ldt, runs);
        for (long c = rows; c < nr; c++) for (long p = 0; p < ldt; p++) transpose_buffer[c * ldt + p] = 0.f;
        float *strip = dst + j * kc;
        long p = 0;
        for (; p + 16 <= kc; p += 16)
            for (long c = 0; c < nr; c += 16) TRANSPOSE16(transpose_buffer + c * ldt + p, ldt, strip + p * nr + c, nr);
        for (; p < kc; p++) for (long c = 0; c < nr; c++) strip[p * nr + c] = transpose_buffer[c * ldt + p];
    }
}
