// AVX2+FMA pieces of the GEMM (CPUs without AVX-512, e.g. Zen 2/3): one 6×16 micro-kernel
// (12 accumulators + 2 B vectors + 1 broadcast = 15 of the 16 ymm registers, the classic
// Haswell shape) for every product width, and packers for its 6-row / 16-column strips.
#include "ckernels.h"
#include "gemm_driver.h"

#if defined(__x86_64__)

// Lanes [0, left) of 8 set (as a maskload/maskstore mask).
AVX2 static inline __m256i lanes8(long left) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(left < 0 ? 0 : left > 8 ? 8 : left)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// In-register 8×8 transpose: on return r[j] holds column j of the input rows r[0..7].
AVX2 static inline void transpose8_registers(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

// dst[j·ldd + i] = src[i·lds + j] for a 16×16 block, as four 8×8 blocks.
AVX2 static void transpose16_avx2(const float *src, long lds, float *dst, long ldd) {
    for (int bi = 0; bi < 16; bi += 8)
        for (int bj = 0; bj < 16; bj += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + (bi + i) * lds + bj);
            transpose8_registers(r);
            for (int j = 0; j < 8; j++) _mm256_storeu_ps(dst + (bj + j) * ldd + bi, r[j]);
        }
}

// As pack_a_avx512: untransposed A (k contiguous) goes through 8×8 register transposes. Each step's
// mr ≤ 8 values are written with a full 8-lane store whose extra lanes (zero) spill into the next
// step, which is written after it: masked stores (vmaskmovps) are slow on Zen 2/3 and made this
// packer 18 % of ResNet-18 fwd+bwd. The last spill lands past the packed block, inside the buffer's slack.
// Needs mr ≤ 8 (the AVX2 tile has 6 rows).
AVX2 static void pack_a_avx2(long mc, long kc, const float *a, long lda, int trans, int mr, float *dst) {
    for (long i = 0; i < mc; i += mr) {
        long rows = mc - i < mr ? mc - i : mr;
        if (!trans) {
            long p = 0;
            for (; p + 8 <= kc; p += 8) {
                __m256 r[8];
                for (int q = 0; q < 8; q++) r[q] = q < rows ? _mm256_loadu_ps(a + (i + q) * lda + p) : _mm256_setzero_ps();
                transpose8_registers(r);
                for (int q = 0; q < 8; q++) _mm256_storeu_ps(dst + (p + q) * mr, r[q]);
            }
            for (; p < kc; p++) {
                long r = 0;
                for (; r < rows; r++) dst[p * mr + r] = a[(i + r) * lda + p];
                for (; r < mr; r++) dst[p * mr + r] = 0;
            }
        } else {
            // Transposed A: the strip's rows are contiguous in each of its k rows.
            const __m256i valid = lanes8(rows);
            for (long p = 0; p < kc; p++) _mm256_storeu_ps(dst + p * mr, _mm256_maskload_ps(a + p * lda + i, valid));
        }
        dst += kc * mr;
    }
}

AVX2 static void pack_b_matrix_avx2(const void *context, long k0, long kc, long j0, long nc, int nr, float *dst) {
    const dk_matrix_operand *operand = context;
    const long ldb = operand->ldb;
    const int trans = operand->trans;
    const float *b = trans ? operand->b + j0 * ldb + k0 : operand->b + k0 * ldb + j0;
    if (!trans) {
        // Row by row: B is read sequentially (one prefetch stream) and scattered into the strips;
        // strip by strip it would be kc concurrent streams, too many for the prefetchers.
        const long full = nc / nr * nr;
        for (long p = 0; p < kc; p++) {
            const float *src = b + p * ldb;
            float *out = dst + p * nr;
            for (long j = 0; j < full; j += nr, out += kc * nr)
                for (int v = 0; v < nr; v += 8) _mm256_store_ps(out + v, _mm256_loadu_ps(src + j + v));
            if (full < nc)
                for (int v = 0; v < nr; v += 8) _mm256_store_ps(out + v, _mm256_maskload_ps(src + full + v, lanes8(nc - full - v)));
        }
        return;
    }
    for (long j = 0; j < nc; j += nr, dst += kc * nr)
        dk_pack_b_transposed_strip(b + j * ldb, ldb, kc, nc - j < nr ? nc - j : nr, nr, dst, transpose16_avx2);
}

#define ROW_ZERO(r) __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = c##r##0;
#define ROW_FMA(r)                                   \
    {                                                \
        __m256 a = _mm256_broadcast_ss(ap + r);      \
        c##r##0 = _mm256_fmadd_ps(a, b0, c##r##0);   \
        c##r##1 = _mm256_fmadd_ps(a, b1, c##r##1);   \
    }
// Full 16-column rows take plain loads/stores; edge tiles masked ones (never touching other columns).
#define ROW_STORE(r)                                                                                 \
    if (r < rows) {                                                                                  \
        float *row = c + r * ldc;                                                                    \
        __m256 x0 = _mm256_mul_ps(va, c##r##0), x1 = _mm256_mul_ps(va, c##r##1);                     \
        if (cols == 16) {                                                                            \
            if (load) {                                                                              \
                x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), x0);                                  \
                x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), x1);                              \
            }                                                                                        \
            _mm256_storeu_ps(row, x0);                                                               \
            _mm256_storeu_ps(row + 8, x1);                                                           \
        } else {                                                                                     \
            if (load) {                                                                              \
                x0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row, m0), x0);                           \
                x1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row + 8, m1), x1);                       \
            }                                                                                        \
            _mm256_maskstore_ps(row, m0, x0);                                                        \
            _mm256_maskstore_ps(row + 8, m1, x1);                                                    \
        }                                                                                            \
    }

// 6×16 tile: per step 2 loads of B, 6 broadcasts of A, 12 FMAs.
AVX2 static void kernel_6x16(long kc, const float *restrict ap, const float *restrict bp, float *c, long ldc,
                             long rows, long cols, float alpha, float beta, int first) {
    ROW_ZERO(0) ROW_ZERO(1) ROW_ZERO(2) ROW_ZERO(3) ROW_ZERO(4) ROW_ZERO(5)
    for (long r = 0; r < rows; r++) { _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0); _mm_prefetch((const char *)(c + r * ldc + 15), _MM_HINT_T0); }
#pragma clang loop unroll_count(4)
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
        ROW_FMA(0) ROW_FMA(1) ROW_FMA(2) ROW_FMA(3) ROW_FMA(4) ROW_FMA(5)
        ap += 6;
        bp += 16;
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(first ? beta : 1.f);
    int load = !(first && beta == 0.f);
    __m256i m0 = lanes8(cols), m1 = lanes8(cols - 8);
    ROW_STORE(0) ROW_STORE(1) ROW_STORE(2) ROW_STORE(3) ROW_STORE(4) ROW_STORE(5)
}

const dk_isa dk_isa_avx2 = {
    .level = 1,
    .b_strip_outer = 1,
    .narrow_columns = 0,
    .nc = 512,
    .wide = {.mr = 6, .nr = 16, .mc = MC_WIDE, .kernel = kernel_6x16},
    .narrow = {.mr = 6, .nr = 16, .mc = MC_WIDE, .kernel = kernel_6x16},
    .pack_a = pack_a_avx2,
    .pack_b_matrix = pack_b_matrix_avx2,
    .transpose16 = transpose16_avx2,
};

#endif
