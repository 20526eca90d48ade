// Fused bfloat16 attention for x86-64 CPUs with AVX512_BF16 (no AMX needed): softmax(q kᵀ / sqrt(D)) v.
//
// Why it exists: libtorch 2.10 runs bf16 attention on such CPUs either as its flash-attention kernel (slower than
// float32 without AMX) or as bmm + softmax + bmm, where the matrix products reach the bf16 peak but the softmax
// converts to float32 and back and takes 30% of a PE-Spatial-T block. Here the scores of a block of queries stay in
// float32 in cache, and both products use vdpbf16ps (two bf16 products per float32 lane).
//
// Threads: the parallel region uses the OpenMP runtime already loaded by libtorch (its libgomp has the soname
// libgomp.so.1, which this library needs), so the kernel runs on libtorch's own thread team instead of fighting it.
//
// Layouts. q [B, H, Q, D], k and v [B, H, T, D], any strides for B, H and the token axis, D contiguous.
// out [B, Q, H*D] contiguous (heads merged, as the output projection wants them).
// K is packed per head as [T/16][D/2][16 keys][2 dims] so that one 64-byte load holds a pair of dims of 16 keys;
// V as [T/2][D][2 keys] so that one load holds 16 dims of a pair of keys; P (probabilities) is a bf16 row.

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace
{
using bf16 = std::uint16_t;

constexpr long kQueryBlock = 32;  // query rows per task: their scores (32 x T floats) stay in L2
constexpr long kKeyTile = 32;     // keys per score tile: two groups of 16
constexpr long kPairChunk = 96;   // key pairs per pass of the weighted values: 24 KB of packed V (D = 64), in L1

long RoundUp(long x, long m) { return (x + m - 1) / m * m; }

// exp(x) for x <= 0 (scores minus their row maximum): Cody-Waite reduction by ln 2 and a degree-6 polynomial,
// relative error about 2e-7, far below the bf16 rounding that follows.
inline __m512 ExpNonPositive(__m512 x)
{
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

inline __m512bh Broadcast32(const bf16* pair)
{
    std::uint32_t bits;
    std::memcpy(&bits, pair, sizeof bits);
    return (__m512bh)_mm512_set1_epi32(static_cast<int>(bits));
}

inline __m512bh Load(const bf16* p) { return (__m512bh)_mm512_loadu_si512(p); }

// Scores of Rows queries against one tile of 16 * Groups keys: s[r][j] = scale * q_r . k_j.
// kp points at the tile's first group ([D/2][16][2]); the other groups follow it.
template <int Rows, int Groups, int D>
inline void ScoreTile(const bf16* const* q, const bf16* kp, float* s, long lds, float scale)
{
    constexpr int Pairs = D / 2;
    __m512 acc[Rows][Groups];
    for (int r = 0; r < Rows; ++r)
        for (int g = 0; g < Groups; ++g) acc[r][g] = _mm512_setzero_ps();
    for (int p = 0; p < Pairs; ++p)
    {
        __m512bh k[Groups];
        for (int g = 0; g < Groups; ++g) k[g] = Load(kp + (g * Pairs + p) * 32);
        for (int r = 0; r < Rows; ++r)
        {
            const __m512bh qp = Broadcast32(q[r] + 2 * p);
            for (int g = 0; g < Groups; ++g) acc[r][g] = _mm512_dpbf16_ps(acc[r][g], k[g], qp);
        }
    }
    const __m512 sc = _mm512_set1_ps(scale);
    for (int r = 0; r < Rows; ++r)
        for (int g = 0; g < Groups; ++g) _mm512_storeu_ps(s + r * lds + g * 16, _mm512_mul_ps(acc[r][g], sc));
}

// Partial sums of the weighted values over the key pairs [j0, j1): o_r += sum_j p_rj v_j, with o_r in float32
// (D floats per row). p rows are bf16, vp is packed V; a chunk of pairs keeps its part of V in L1 for all rows.
template <int Rows, int D>
inline void WeightedValues(const bf16* const* p, const bf16* vp, long j0, long j1, float* const* o)
{
    constexpr int Vectors = D / 16;
    __m512 acc[Rows][Vectors];
    for (int r = 0; r < Rows; ++r)
        for (int c = 0; c < Vectors; ++c) acc[r][c] = _mm512_loadu_ps(o[r] + c * 16);
    for (long j = j0; j < j1; ++j)
    {
        __m512bh v[Vectors];
        for (int c = 0; c < Vectors; ++c) v[c] = Load(vp + (j * D + c * 16) * 2);
        for (int r = 0; r < Rows; ++r)
        {
            const __m512bh pr = Broadcast32(p[r] + 2 * j);
            for (int c = 0; c < Vectors; ++c) acc[r][c] = _mm512_dpbf16_ps(acc[r][c], v[c], pr);
        }
    }
    for (int r = 0; r < Rows; ++r)
        for (int c = 0; c < Vectors; ++c) _mm512_storeu_ps(o[r] + c * 16, acc[r][c]);
}

// WeightedValues for 1 to Rows rows (the tail of a query block), each count with its own registers.
template <int Rows, int D>
inline void WeightedValuesUpTo(long rows, const bf16* const* p, const bf16* vp, long j0, long j1, float* const* o)
{
    if (rows == Rows)
        WeightedValues<Rows, D>(p, vp, j0, j1, o);
    else if constexpr (Rows > 1)
        WeightedValuesUpTo<Rows - 1, D>(rows, p, vp, j0, j1, o);
}

// out_r = bf16(o_r / sum_r).
template <int D>
inline void Normalize(const float* o, float inverseSum, bf16* out)
{
    const __m512 inv = _mm512_set1_ps(inverseSum);
    for (int c = 0; c < D; c += 16)
    {
        const __m256bh x = _mm512_cvtneps_pbh(_mm512_mul_ps(_mm512_loadu_ps(o + c), inv));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + c), (__m256i)x);
    }
}

// Row softmax numerators: p = bf16(exp(s - max)) over [0, keys), zero up to paddedKeys; returns 1 / sum.
inline float SoftmaxRow(const float* s, long keys, bf16* p, long paddedKeys)
{
    __m512 m = _mm512_set1_ps(-3.0e38f);
    for (long j = 0; j < keys; j += 16)
    {
        const __mmask16 valid = keys - j >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (keys - j)) - 1);
        m = _mm512_mask_max_ps(m, valid, m, _mm512_maskz_loadu_ps(valid, s + j));
    }
    const __m512 rowMax = _mm512_set1_ps(_mm512_reduce_max_ps(m));
    __m512 sum = _mm512_setzero_ps();
    for (long j = 0; j < paddedKeys; j += 32)
    {
        __m512 e[2];
        for (int h = 0; h < 2; ++h)
        {
            const long at = j + 16 * h;
            const long left = keys - at;
            const __mmask16 valid = left >= 16 ? 0xFFFF : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
            e[h] =
                _mm512_maskz_mov_ps(valid, ExpNonPositive(_mm512_sub_ps(_mm512_maskz_loadu_ps(valid, s + at), rowMax)));
            sum = _mm512_add_ps(sum, e[h]);
        }
        _mm512_storeu_si512(p + j, (__m512i)_mm512_cvtne2ps_pbh(e[1], e[0]));
    }
    return 1.0f / _mm512_reduce_add_ps(sum);
}

// 2-D RoPE of one token's row, as PE applies it: pair p = (x[2p], x[2p+1]) times (cos + i sin), in float32, then
// rounded to bf16. out[p] holds the rotated pair as one 32-bit word (low half first), the unit of the packed layouts.
inline void RotateRow(const bf16* x, const float* cosines, const float* sines, int pairs, std::uint32_t* out)
{
    for (int p = 0; p < pairs; p += 16)
    {
        const __mmask16 m = pairs - p >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (pairs - p)) - 1);
        const __m512i words = _mm512_maskz_loadu_epi32(m, x + 2 * p);
        const __m512 a = _mm512_castsi512_ps(_mm512_slli_epi32(words, 16));
        const __m512 b = _mm512_castsi512_ps(_mm512_and_si512(words, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
        const __m512 c = _mm512_maskz_loadu_ps(m, cosines + p), s = _mm512_maskz_loadu_ps(m, sines + p);
        const __m512 re = _mm512_fmsub_ps(a, c, _mm512_mul_ps(b, s));
        const __m512 im = _mm512_fmadd_ps(b, c, _mm512_mul_ps(a, s));
        const __m512i low = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(re));
        const __m512i high = _mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(im)), 16);
        _mm512_mask_storeu_epi32(out + p, m, _mm512_or_si512(low, high));
    }
}

// cosines and sines: [tokens][D/2] float32, or null for no rotation.
void PackKeys(const bf16* k, long keys, long stride, int d, const float* cosines, const float* sines, bf16* kp,
              long paddedKeys)
{
    const int pairs = d / 2;
    auto* dst = reinterpret_cast<std::uint32_t*>(kp);
    alignas(64) std::uint32_t row[64];  // D <= 128
    for (long t = 0; t < paddedKeys; ++t)
    {
        const long group = t / 16, lane = t % 16;
        if (t >= keys)
            std::memset(row, 0, sizeof row);
        else if (cosines != nullptr)
            RotateRow(k + t * stride, cosines + t * pairs, sines + t * pairs, pairs, row);
        else
            std::memcpy(row, k + t * stride, pairs * sizeof(std::uint32_t));
        for (int p = 0; p < pairs; ++p) dst[(group * pairs + p) * 16 + lane] = row[p];
    }
}

void PackValues(const bf16* v, long keys, long stride, int d, bf16* vp, long paddedKeys)
{
    // 16 dims of rows 2j (low half) and 2j+1 (high half) -> [16 dims][2 keys].
    alignas(64) static const std::uint16_t interleave[32] = {0,  16, 1,  17, 2,  18, 3,  19, 4,  20, 5,
                                                             21, 6,  22, 7,  23, 8,  24, 9,  25, 10, 26,
                                                             11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i index = _mm512_load_si512(interleave);
    for (long t = 0; t < paddedKeys; t += 2)
    {
        bf16* dst = vp + t * d;
        for (int c = 0; c < d; c += 16)
        {
            const __m256i a = t < keys ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + t * stride + c))
                                       : _mm256_setzero_si256();
            const __m256i b = t + 1 < keys
                                  ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + (t + 1) * stride + c))
                                  : _mm256_setzero_si256();
            const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
            _mm512_storeu_si512(dst + 2 * c, _mm512_permutexvar_epi16(index, both));
        }
    }
}

struct Problem
{
    const bf16 *q, *k, *v;
    bf16* out;
    long batch, heads, queries, keys;
    const std::int64_t *qStrides, *kStrides, *vStrides;  // batch, head, token (elements)
    const float *cosines, *sines;                        // RoPE of q and k: [tokens][D/2] each, or null
};

template <int D>
int Run(const Problem& pb, int threads)
{
    constexpr int ScoreRows = 8;
    constexpr int ValueRows = 24 / (D / 16);
    const long paddedKeys = RoundUp(pb.keys, kKeyTile);
    const long pairs = RoundUp(pb.keys, 2) / 2;
    const long headCount = pb.batch * pb.heads;
    const long packedHead = paddedKeys * D;  // elements per packed K (and V) of one head
    auto* packed = static_cast<bf16*>(std::aligned_alloc(64, RoundUp(2 * headCount * packedHead * sizeof(bf16), 64)));
    if (packed == nullptr) return 2;
    bf16* kPacked = packed;
    bf16* vPacked = packed + headCount * packedHead;
    const long blocks = (pb.queries + kQueryBlock - 1) / kQueryBlock;
    const long tasks = headCount * blocks;
    int failed = 0;

#pragma omp parallel num_threads(threads)
    {
        const int tid = omp_get_thread_num(), nth = omp_get_num_threads();
        for (long i = tid; i < headCount; i += nth)
        {
            const long b = i / pb.heads, h = i % pb.heads;
            PackKeys(pb.k + b * pb.kStrides[0] + h * pb.kStrides[1], pb.keys, pb.kStrides[2], D, pb.cosines, pb.sines,
                     kPacked + i * packedHead, paddedKeys);
            PackValues(pb.v + b * pb.vStrides[0] + h * pb.vStrides[1], pb.keys, pb.vStrides[2], D,
                       vPacked + i * packedHead, paddedKeys);
        }
#pragma omp barrier
        float* scores = static_cast<float*>(std::aligned_alloc(64, kQueryBlock * paddedKeys * sizeof(float)));
        bf16* probabilities = static_cast<bf16*>(std::aligned_alloc(64, kQueryBlock * paddedKeys * sizeof(bf16)));
        float* sums = static_cast<float*>(std::aligned_alloc(64, kQueryBlock * D * sizeof(float)));
        bf16* rotatedQueries = static_cast<bf16*>(std::aligned_alloc(64, kQueryBlock * D * sizeof(bf16)));
        if (scores == nullptr || probabilities == nullptr || sums == nullptr || rotatedQueries == nullptr)
        {
#pragma omp atomic write
            failed = 2;
        }
        else
        {
            const float scale = 1.0f / __builtin_sqrtf(static_cast<float>(D));
            // Contiguous ranges of tasks per thread, so that consecutive tasks share a head's packed K and V.
            const long first = tasks * tid / nth, last = tasks * (tid + 1) / nth;
            for (long task = first; task < last; ++task)
            {
                const long head = task / blocks, q0 = (task % blocks) * kQueryBlock;
                const long b = head / pb.heads, h = head % pb.heads;
                const long rows = std::min(kQueryBlock, pb.queries - q0);
                const bf16* qHead = pb.q + b * pb.qStrides[0] + h * pb.qStrides[1];
                const bf16* kp = kPacked + head * packedHead;
                const bf16* vp = vPacked + head * packedHead;
                const bf16* qRows[kQueryBlock];
                const bf16* pRows[kQueryBlock];
                bf16* outRows[kQueryBlock];
                float inverseSums[kQueryBlock];
                float* sumRows[kQueryBlock];
                for (long r = 0; r < rows; ++r)
                {
                    qRows[r] = qHead + (q0 + r) * pb.qStrides[2];
                    if (pb.cosines != nullptr)
                    {
                        const long token = q0 + r;
                        RotateRow(qRows[r], pb.cosines + token * (D / 2), pb.sines + token * (D / 2), D / 2,
                                  reinterpret_cast<std::uint32_t*>(rotatedQueries + r * D));
                        qRows[r] = rotatedQueries + r * D;
                    }
                    pRows[r] = probabilities + r * paddedKeys;
                    sumRows[r] = sums + r * D;
                    outRows[r] = pb.out + ((b * pb.queries + q0 + r) * pb.heads + h) * D;
                }
                for (long t = 0; t < paddedKeys; t += kKeyTile)
                {
                    const bf16* tile = kp + t * D;
                    long r = 0;
                    for (; r + ScoreRows <= rows; r += ScoreRows)
                        ScoreTile<ScoreRows, kKeyTile / 16, D>(qRows + r, tile, scores + r * paddedKeys + t, paddedKeys,
                                                               scale);
                    for (; r < rows; ++r)
                        ScoreTile<1, kKeyTile / 16, D>(qRows + r, tile, scores + r * paddedKeys + t, paddedKeys, scale);
                }
                for (long r = 0; r < rows; ++r)
                    inverseSums[r] =
                        SoftmaxRow(scores + r * paddedKeys, pb.keys, probabilities + r * paddedKeys, paddedKeys);
                std::memset(sums, 0, sizeof(float) * rows * D);
                for (long j = 0; j < pairs; j += kPairChunk)
                {
                    const long end = std::min(pairs, j + kPairChunk);
                    for (long r = 0; r < rows; r += ValueRows)
                        WeightedValuesUpTo<ValueRows, D>(std::min<long>(ValueRows, rows - r), pRows + r, vp, j, end,
                                                         sumRows + r);
                }
                for (long r = 0; r < rows; ++r) Normalize<D>(sumRows[r], inverseSums[r], outRows[r]);
            }
        }
        std::free(scores);
        std::free(probabilities);
        std::free(sums);
        std::free(rotatedQueries);
    }
    std::free(packed);
    return failed;
}
}  // namespace

extern "C"
{
    // 1 when this CPU can run pe_attention_bf16 (AVX-512 F/BW and BF16).
    __attribute__((visibility("default"))) int pe_attention_supported()
    {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512bf16");
    }

    // Returns 0 on success, 1 for an unsupported head size (D must be 16, 32, 64, 96 or 128), 2 when memory ran out,
    // 3 for a rotation with queries != keys. cosines and sines (RoPE of q and k, [tokens][D/2] float32) may be null.
    __attribute__((visibility("default"))) int pe_attention_bf16(const bf16* q, const bf16* k, const bf16* v, bf16* out,
                                                                 std::int64_t batch, std::int64_t heads,
                                                                 std::int64_t queries, std::int64_t keys,
                                                                 std::int64_t dim, const std::int64_t* qStrides,
                                                                 const std::int64_t* kStrides,
                                                                 const std::int64_t* vStrides, const float* cosines,
                                                                 const float* sines, int threads)
    {
        const Problem problem{q, k, v, out, batch, heads, queries, keys, qStrides, kStrides, vStrides, cosines, sines};
        if (batch <= 0 || heads <= 0 || queries <= 0 || keys <= 0) return 0;
        if ((cosines != nullptr || sines != nullptr) && (cosines == nullptr || sines == nullptr || queries != keys))
            return 3;
        switch (dim)
        {
        case 16:
            return Run<16>(problem, threads);
        case 32:
            return Run<32>(problem, threads);
        case 64:
            return Run<64>(problem, threads);
        case 96:
            return Run<96>(problem, threads);
        case 128:
            return Run<128>(problem, threads);
        default:
            return 1;
        }
    }
}
