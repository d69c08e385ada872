// SGEMM in the BLIS layout: op(B) is packed in k×NR column strips (L2/L3), op(A) in
// MR×k row strips (L1/L2), and a register-blocked micro-kernel accumulates an MR×NR tile over a
// k block. This file holds the driver, the choice of instruction set and the AVX-512 pieces
// (sgemm_avx2.c the AVX2+FMA ones, for CPUs without AVX-512). Two AVX-512 micro-kernels: 6×64 (24 accumulators; best on wide products, conv forward and
// backward) and 14×32 (28 accumulators; products at most 32 columns wide, e.g. the decoder's
// per-proposal 49×128·128×32). In L1 both run at ~96 % of the FMA peak on Zen 5 (measured with a
// kernel-only loop); packing and cache misses account for the rest.
#include "ckernels.h"
#include "gemm_driver.h"
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>


// Pack buffers, one pair per thread, allocated on first use and kept (threads are pool threads).
static __thread float *pack_a_buffer, *pack_b_buffer;

static float *aligned_floats(long count) {
    void *p = NULL;
    if (posix_memalign(&p, 64, (size_t)count * sizeof(float)) != 0) abort();
    return (float *)p;
}

// In-register 16×16 transpose: on return r[j] holds column j of the input rows r[0..15].
AVX512 static inline void transpose16_registers(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        __m512d t0 = _mm512_castps_pd(t[i]), t1 = _mm512_castps_pd(t[i + 1]);
        __m512d t2 = _mm512_castps_pd(t[i + 2]), t3 = _mm512_castps_pd(t[i + 3]);
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    }
    for (int q = 0; q < 4; q++) {
        __m512 a0 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0x88), a1 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0xDD);
        __m512 b0 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0x88), b1 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0xDD);
        t[q + 0] = _mm512_shuffle_f32x4(a0, b0, 0x88);
        t[q + 4] = _mm512_shuffle_f32x4(a1, b1, 0x88);
        t[q + 8] = _mm512_shuffle_f32x4(a0, b0, 0xDD);
        t[q + 12] = _mm512_shuffle_f32x4(a1, b1, 0xDD);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

// dst[j·ldd + i] = src[i·lds + j] for a 16×16 block.
AVX512 void dk_transpose16(const float *src, long lds, float *dst, long ldd) {
    __m512 r[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + i * lds);
    transpose16_registers(r);
    for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + i * ldd, r[i]);
}

// op(A) rows [0, mc) × k block [0, kc) → strips of mr rows: strip s, step p holds mr consecutive rows.
// Untransposed A (k contiguous, e.g. dY in the weight gradient) goes through 16×16 register
// transposes with the unused rows zero: ~4× faster than element copies into the strided strip.
AVX512 static void pack_a_avx512(long mc, long kc, const float *a, long lda, int trans, int mr, float *dst) {
    for (long i = 0; i < mc; i += mr) {
        long rows = mc - i < mr ? mc - i : mr;
        if (!trans) {
            const __mmask16 strip = (__mmask16)((1u << mr) - 1);
            long p = 0;
            for (; p + 16 <= kc; p += 16) {
                __m512 r[16];
                for (int q = 0; q < 16; q++) r[q] = q < rows ? _mm512_loadu_ps(a + (i + q) * lda + p) : _mm512_setzero_ps();
                transpose16_registers(r);
                for (int q = 0; q < 16; q++) _mm512_mask_storeu_ps(dst + (p + q) * mr, strip, r[q]);
            }
            for (; p < kc; p++) {
                long r = 0;
                for (; r < rows; r++) dst[p * mr + r] = a[(i + r) * lda + p];
                for (; r < mr; r++) dst[p * mr + r] = 0;
            }
        } else {
            for (long p = 0; p < kc; p++) {
                const float *src = a + p * lda + i;
                long r = 0;
                for (; r < rows; r++) dst[p * mr + r] = src[r];
                for (; r < mr; r++) dst[p * mr + r] = 0;
            }
        }
        dst += kc * mr;
    }
}

// One strip of op(B) = Bᵀ: dst[p·nr + c] = b[c·ldb + p] for c < cols (zero beyond), p < kc; full strips
// (nr a multiple of 16) go through 16×16 register transposes.
void dk_pack_b_transposed_strip(const float *b, long ldb, long kc, long cols, int nr, float *dst, dk_transpose transpose16) {
    if (cols == nr && nr % 16 == 0) {
        long p = 0;
        for (; p + 16 <= kc; p += 16)
            for (int v = 0; v < nr; v += 16) transpose16(b + v * ldb + p, ldb, dst + p * nr + v, nr);
        for (; p < kc; p++) for (long c = 0; c < nr; c++) dst[p * nr + c] = b[c * ldb + p];
        return;
    }
    long c = 0;
    for (; c < cols; c++) {
        const float *src = b + c * ldb;
        for (long p = 0; p < kc; p++) dst[p * nr + c] = src[p];
    }
    for (; c < nr; c++) for (long p = 0; p < kc; p++) dst[p * nr + c] = 0;
}

// op(B) k block [k0, k0 + kc) × columns [j0, j0 + nc) → strips of nr columns: strip s, step p holds nr columns.
AVX512 static void pack_b_matrix_avx512(const void *context, long k0, long kc, long j0, long nc, int nr, float *dst) {
    const dk_matrix_operand *operand = context;
    const long ldb = operand->ldb;
    const int trans = operand->trans;
    const float *b = trans ? operand->b + j0 * ldb + k0 : operand->b + k0 * ldb + j0;
    for (long j = 0; j < nc; j += nr) {
        long cols = nc - j < nr ? nc - j : nr;
        if (!trans) {
            for (long p = 0; p < kc; p++) {
                const float *src = b + p * ldb + j;
                for (int v = 0; v < nr; v += 16) {
                    __mmask16 m = tail_mask(cols - v);
                    _mm512_store_ps(dst + p * nr + v, _mm512_maskz_loadu_ps(m, src + v));
                }
            }
        } else {
            dk_pack_b_transposed_strip(b + j * ldb, ldb, kc, cols, nr, dst, dk_transpose16);
        }
        dst += kc * nr;
    }
}

// Tile epilogue: C[r] = alpha·acc (+ beta·C[r] unless beta == 0 on the first k block, which must
// not read C), masked to the valid columns.
#define STORE_VECTOR(acc, offset, mask)                                                   \
    {                                                                                     \
        __m512 x = _mm512_mul_ps(va, acc);                                                \
        if (load) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, row + offset), x); \
        _mm512_mask_storeu_ps(row + offset, mask, x);                                     \
    }

#define WIDE_ZERO(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = c##r##0, c##r##2 = c##r##0, c##r##3 = c##r##0;
// Row r's rank-1 update with A element `value` (packed: ap[r]; in place: a<r>[o]).
#define WIDE_FMA_OF(r, value)                        \
    {                                                \
        __m512 a = _mm512_set1_ps(value);            \
        c##r##0 = _mm512_fmadd_ps(a, b0, c##r##0);   \
        c##r##1 = _mm512_fmadd_ps(a, b1, c##r##1);   \
        c##r##2 = _mm512_fmadd_ps(a, b2, c##r##2);   \
        c##r##3 = _mm512_fmadd_ps(a, b3, c##r##3);   \
    }
#define WIDE_FMA(r) WIDE_FMA_OF(r, ap[r])
#define WIDE_STORE(r)                                \
    if (r < rows) {                                  \
        float *row = c + r * ldc;                    \
        STORE_VECTOR(c##r##0, 0, m0)                 \
        STORE_VECTOR(c##r##1, 16, m1)                \
        STORE_VECTOR(c##r##2, 32, m2)                \
        STORE_VECTOR(c##r##3, 48, m3)                \
    }

// 6×64 tile: per step 4 loads of B, 6 broadcasts of A, 24 FMAs.
AVX512 static void kernel_6x64(long kc, const float *restrict ap, const float *restrict bp, float *c, long ldc,
                               long rows, long cols, float alpha, float beta, int first) {
    WIDE_ZERO(0) WIDE_ZERO(1) WIDE_ZERO(2) WIDE_ZERO(3) WIDE_ZERO(4) WIDE_ZERO(5)
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16), b2 = _mm512_load_ps(bp + 32), b3 = _mm512_load_ps(bp + 48);
        WIDE_FMA(0) WIDE_FMA(1) WIDE_FMA(2) WIDE_FMA(3) WIDE_FMA(4) WIDE_FMA(5)
        ap += 6;
        bp += 64;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(first ? beta : 1.f);
    int load = !(first && beta == 0.f);
    __mmask16 m0 = tail_mask(cols), m1 = tail_mask(cols - 16), m2 = tail_mask(cols - 32), m3 = tail_mask(cols - 48);
    WIDE_STORE(0) WIDE_STORE(1) WIDE_STORE(2) WIDE_STORE(3) WIDE_STORE(4) WIDE_STORE(5)
}

// The 6×64 tile with op(A) read in place (see dk_direct_kernel). On products at most DIRECT_TILES tiles wide
// (ResNet's 8×8 and 4×4 maps at batch 4: 64-256 columns against 256×2304 or 512×4608 weights),
// packing A costs about as much as the product, since each packed element meets only 64-128 columns.
// Rows past `rows` alias row 0 and are not stored.
#define DIRECT_FMA(r) WIDE_FMA_OF(r, a##r[o])
AVX512 static void kernel_6x64_direct(long kc, const float *a, long rs, long ks, const float *restrict bp, float *c,
                                      long ldc, long rows, long cols, float alpha, float beta, int first) {
    const float *a0 = a, *a1 = rows > 1 ? a + rs : a, *a2 = rows > 2 ? a + 2 * rs : a;
    const float *a3 = rows > 3 ? a + 3 * rs : a, *a4 = rows > 4 ? a + 4 * rs : a, *a5 = rows > 5 ? a + 5 * rs : a;
    WIDE_ZERO(0) WIDE_ZERO(1) WIDE_ZERO(2) WIDE_ZERO(3) WIDE_ZERO(4) WIDE_ZERO(5)
    for (long p = 0, o = 0; p < kc; p++, o += ks) {
        __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16), b2 = _mm512_load_ps(bp + 32), b3 = _mm512_load_ps(bp + 48);
        DIRECT_FMA(0) DIRECT_FMA(1) DIRECT_FMA(2) DIRECT_FMA(3) DIRECT_FMA(4) DIRECT_FMA(5)
        bp += 64;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(first ? beta : 1.f);
    int load = !(first && beta == 0.f);
    __mmask16 m0 = tail_mask(cols), m1 = tail_mask(cols - 16), m2 = tail_mask(cols - 32), m3 = tail_mask(cols - 48);
    WIDE_STORE(0) WIDE_STORE(1) WIDE_STORE(2) WIDE_STORE(3) WIDE_STORE(4) WIDE_STORE(5)
}

#define NARROW_ZERO(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = c##r##0;
#define NARROW_FMA(r)                                \
    {                                                \
        __m512 a = _mm512_set1_ps(ap[r]);            \
        c##r##0 = _mm512_fmadd_ps(a, b0, c##r##0);   \
        c##r##1 = _mm512_fmadd_ps(a, b1, c##r##1);   \
    }
#define NARROW_STORE(r)                              \
    if (r < rows) {                                  \
        float *row = c + r * ldc;                    \
        STORE_VECTOR(c##r##0, 0, m0)                 \
        STORE_VECTOR(c##r##1, 16, m1)                \
    }

// 14×32 tile: per step 2 loads of B, 14 broadcasts of A, 28 FMAs.
AVX512 static void kernel_14x32(long kc, const float *restrict ap, const float *restrict bp, float *c, long ldc,
                                long rows, long cols, float alpha, float beta, int first) {
    NARROW_ZERO(0) NARROW_ZERO(1) NARROW_ZERO(2) NARROW_ZERO(3) NARROW_ZERO(4) NARROW_ZERO(5) NARROW_ZERO(6)
    NARROW_ZERO(7) NARROW_ZERO(8) NARROW_ZERO(9) NARROW_ZERO(10) NARROW_ZERO(11) NARROW_ZERO(12) NARROW_ZERO(13)
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
        NARROW_FMA(0) NARROW_FMA(1) NARROW_FMA(2) NARROW_FMA(3) NARROW_FMA(4) NARROW_FMA(5) NARROW_FMA(6)
        NARROW_FMA(7) NARROW_FMA(8) NARROW_FMA(9) NARROW_FMA(10) NARROW_FMA(11) NARROW_FMA(12) NARROW_FMA(13)
        ap += 14;
        bp += 32;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(first ? beta : 1.f);
    int load = !(first && beta == 0.f);
    __mmask16 m0 = tail_mask(cols), m1 = tail_mask(cols - 16);
    NARROW_STORE(0) NARROW_STORE(1) NARROW_STORE(2) NARROW_STORE(3) NARROW_STORE(4) NARROW_STORE(5) NARROW_STORE(6)
    NARROW_STORE(7) NARROW_STORE(8) NARROW_STORE(9) NARROW_STORE(10) NARROW_STORE(11) NARROW_STORE(12) NARROW_STORE(13)
}

const dk_isa dk_isa_avx512 = {
    .level = 2,
    .b_strip_outer = 0,
    .narrow_columns = 32,
    .nc = NC,
    .wide = {.mr = 6, .nr = 64, .mc = MC_WIDE, .kernel = kernel_6x64, .direct = kernel_6x64_direct, .direct_tiles = DIRECT_TILES},
    .narrow = {.mr = 14, .nr = 32, .mc = MC_NARROW, .kernel = kernel_14x32},
    .pack_a = pack_a_avx512,
    .pack_b_matrix = pack_b_matrix_avx512,
    .transpose16 = dk_transpose16,
};

// DIFFINST_DIRECT_A=N overrides the tile's direct_tiles (0 = always pack A), to compare and tune.
static long direct_tiles_override(long fallback) {
    static long cached = -2;
    if (cached == -2) { const char *v = getenv("DIFFINST_DIRECT_A"); cached = v ? atol(v) : -1; }
    return cached >= 0 ? cached : fallback;
}

// Loops only: the instruction-set work happens in the kernel and packers it is handed.
void dk_gemm_driver(const dk_isa *isa, int transA, long m, long n, long k, float alpha, const float *a, long lda,
                    dk_pack_b pack_b, const void *context, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    const dk_tile tile = n <= isa->narrow_columns ? isa->narrow : isa->wide;
    const int mr = tile.mr, nr = tile.nr;
    const int direct = tile.direct && (n + nr - 1) / nr <= direct_tiles_override(tile.direct_tiles);
    const long rowStride = transA ? 1 : lda, kStride = transA ? lda : 1;
    if (!pack_a_buffer) {
        pack_a_buffer = aligned_floats((long)(MC_NARROW + 16) * KC);
        pack_b_buffer = aligned_floats((long)(NC + 64) * KC);
    }
    for (long jc = 0; jc < n; jc += isa->nc) {
        long nc = n - jc < isa->nc ? n - jc : isa->nc;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            pack_b(context, pc, kc, jc, nc, nr, pack_b_buffer);
            for (long ic = 0; ic < m; ic += tile.mc) {
                long mc = m - ic < tile.mc ? m - ic : tile.mc;
                const float *aBlock = transA ? a + pc * lda + ic : a + ic * lda + pc;
                if (!direct) isa->pack_a(mc, kc, aBlock, lda, transA, mr, pack_a_buffer);
                // Tile t in B-strip-outer or A-strip-outer order (see dk_isa.b_strip_outer).
                const long rowTiles = (mc + mr - 1) / mr, columnTiles = (nc + nr - 1) / nr;
                for (long t = 0; t < rowTiles * columnTiles; t++) {
                    const long ir = (isa->b_strip_outer ? t % rowTiles : t / columnTiles) * mr;
                    const long jr = (isa->b_strip_outer ? t / rowTiles : t % columnTiles) * nr;
                    long rows = mc - ir < mr ? mc - ir : mr, cols = nc - jr < nr ? nc - jr : nr;
                    float *cTile = c + (ic + ir) * ldc + jc + jr;
                    if (direct)
                        tile.direct(kc, aBlock + ir * rowStride, rowStride, kStride, pack_b_buffer + jr * kc, cTile, ldc,
                                    rows, cols, alpha, beta, pc == 0);
                    else
                        tile.kernel(kc, pack_a_buffer + ir * kc, pack_b_buffer + jr * kc, cTile, ldc, rows, cols, alpha, beta, pc == 0);
                }
            }
        }
    }
}

// The CPU's best instruction set, found once; dk_select_isa may lower it (tests, comparisons).
static int best_level(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
}

#ifdef DK_SWIFT_NEEDS_AVX2
#include <stdio.h>
// The release build's Swift modules are compiled for AVX2+FMA (Package.swift): on a CPU without them the
// first vector instruction would kill the process with SIGILL; say why before main instead.
__attribute__((constructor)) static void require_avx2(void) {
    if (best_level() >= 1) return;
    fprintf(stderr, "diffinst: this build needs a CPU with AVX2 and FMA (its Swift code is compiled with "
                    "-target-cpu haswell); rebuild with `DIFFINST_PORTABLE=1 swift build -c release`.\n");
    exit(1);
}
#endif

static int active_level = -1;

int dk_available_isa(void) { return best_level(); }

int dk_native_isa(void) {
    if (active_level < 0) active_level = best_level();
    return active_level;
}

int dk_select_isa(int level) {
    if (level < 0 || level > best_level()) return 0;
    active_level = level;
    return 1;
}

const dk_isa *dk_active_isa(void) {
    switch (dk_native_isa()) {
    case 2: return &dk_isa_avx512;
    case 1: return &dk_isa_avx2;
    default: return NULL;
    }
}

static const dk_tile *tile_for(long n) {
    const dk_isa *isa = dk_active_isa();
    if (!isa) return NULL;
    return n <= isa->narrow_columns ? &isa->narrow : &isa->wide;
}

int dk_sgemm_tile_rows(long n) { const dk_tile *t = tile_for(n); return t ? t->mr : 1; }
int dk_sgemm_tile_columns(long n) { const dk_tile *t = tile_for(n); return t ? t->nr : 1; }

void dk_sgemm(int transA, int transB, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    const dk_isa *isa = dk_active_isa();
    if (!isa) abort();
    dk_matrix_operand operand = {b, ldb, transB};
    dk_gemm_driver(isa, transA, m, n, k, alpha, a, lda, isa->pack_b_matrix, &operand, beta, c, ldc);
}

#else
int dk_available_isa(void) { return 0; }
int dk_native_isa(void) { return 0; }
int dk_select_isa(int level) { return level == 0; }
int dk_sgemm_tile_rows(long n) { (void)n; return 1; }
int dk_sgemm_tile_columns(long n) { (void)n; return 1; }
void dk_sgemm(int transA, int transB, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb;
    (void)beta; (void)c; (void)ldc;
    abort();
}
#endif
