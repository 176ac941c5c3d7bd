// Fused scaled dot-product attention, forward and backward, without ever storing the (queries, keys)
// probabilities: FlashAttention's scheme (online softmax forward, recomputation backward) in the shape of
// llm.c's attention kernels, one launch for every (batch, head) at once.
// Launched by dev.flint.cuda.CudaBackend (attentionForward, attentionBackward).
//
// Operands are strided (AttentionParams, common.cuh): element (b, h, t, e) of Q, K, V, the output and their gradients
// lives at offset + b * batchStride + h * headStride + t * rowStride + e, so the heads of one packed
// (B, T, 3C) projection are read and written in place. The mask is additive (rows are queries, elements
// keys, strides of 0 broadcast it); causal excludes keys j > i.
//
// A block is up to 8 warps over as many rows of one (b, h) matrix; lane j of a warp takes key (or query) j of the
// current tile of 32. Rows of Q, K, V stream through shared memory in chunks of 32 dimensions, so any head
// size works with fixed shared memory; a lane accumulates 4 output columns (128 per pass over the rows,
// more passes for wider heads). Every loop bound is uniform across the block, so every thread reaches
// every __syncthreads().
#include "common.cuh"

#define ATT_ROWS 8                        // most warps per block: query (or key) rows per block
#define ATT_TILE 32                       // keys (or queries) per tile: one per lane
#define ATT_CHUNK 32                      // dimensions per chunk of a dot product
#define ATT_PER_LANE 4                    // output columns per lane and pass
#define ATT_PASS (FLINT_WARP * ATT_PER_LANE)

__device__ __forceinline__ long long att_at(AttnOperand o, int b, int h, int t) {
    return (long long)o.offset + (long long)b * o.batchStride + (long long)h * o.headStride
           + (long long)t * o.rowStride;
}

// Block index -> (row tile, head, batch) of a grid of tiles * heads * batch blocks; a block has up to
// ATT_ROWS warps (fewer when there are fewer rows), one row each.
__device__ __forceinline__ void att_block(int rows, int heads, int* tile, int* h, int* b) {
    int perBlock = blockDim.x / FLINT_WARP;
    int tiles = (rows + perBlock - 1) / perBlock;
    *tile = blockIdx.x % tiles;
    int bh = blockIdx.x / tiles;
    *h = bh % heads;
    *b = bh / heads;
}

// q, k, v, mask (strided) -> out (strided), lse (batch, heads, queries) = log sum_j exp(s_ij).
// grid: ceil(queries / w) * heads * batch blocks of w <= 8 warps; warp r: query row tile * w + r.
extern "C" __global__ void attention_forward_f32(const float* q, const float* k, const float* v, const float* mask,
                                                 float* out, float* lse, AttentionParams p) {
    __shared__ float qs[ATT_ROWS][ATT_CHUNK];
    __shared__ float ks[ATT_TILE][ATT_CHUNK + 1];
    __shared__ float vs[ATT_TILE][ATT_PASS];
    __shared__ float ps[ATT_ROWS][ATT_TILE];
    int tile, h, b;
    att_block(p.queries, p.heads, &tile, &h, &b);
    int warp = threadIdx.x / FLINT_WARP;
    int lane = threadIdx.x % FLINT_WARP;
    int rows = blockDim.x / FLINT_WARP;
    int i = tile * rows + warp;
    bool valid = i < p.queries;
    float scale = __int_as_float(p.scaleBits);
    int keyEnd = p.causal ? min(p.keys, tile * rows + rows) : p.keys;
    const float* qRow = q + att_at(p.q, b, h, valid ? i : 0);
    const float* kMat = k + att_at(p.k, b, h, 0);
    const float* vMat = v + att_at(p.v, b, h, 0);
    const float* mRow = p.hasMask ? mask + att_at(p.mask, b, h, valid ? i : 0) : nullptr;
    for (int e0 = 0; e0 < p.valueDim; e0 += ATT_PASS) {
        float m = -INFINITY;
        float l = 0.0f;
        float acc[ATT_PER_LANE];
        for (int c = 0; c < ATT_PER_LANE; c++) acc[c] = 0.0f;
        for (int t0 = 0; t0 < keyEnd; t0 += ATT_TILE) {
            // s = q_i . k_j for the lane's key j, a chunk of dimensions at a time
            float s = 0.0f;
            for (int d0 = 0; d0 < p.headDim; d0 += ATT_CHUNK) {
                __syncthreads();
                for (int x = threadIdx.x; x < ATT_TILE * ATT_CHUNK; x += blockDim.x) {
                    int jj = x / ATT_CHUNK, dd = x % ATT_CHUNK;
                    int j = t0 + jj, d = d0 + dd;
                    ks[jj][dd] = j < p.keys && d < p.headDim ? kMat[(long long)j * p.k.rowStride + d] : 0.0f;
                }
                qs[warp][lane] = valid && d0 + lane < p.headDim ? qRow[d0 + lane] : 0.0f;
                __syncthreads();
                for (int dd = 0; dd < ATT_CHUNK; dd++) s += qs[warp][dd] * ks[lane][dd];
            }
            int j = t0 + lane;
            bool allowed = valid && j < p.keys && !(p.causal && j > i);
            s = allowed ? s * scale + (mRow ? mRow[j] : 0.0f) : -INFINITY;
            // online softmax: rescale what was summed under the old maximum
            float mNew = java_max(m, warp_max(s));
            float pj = s == -INFINITY ? 0.0f : expf(s - mNew);
            float corr = m == -INFINITY ? 0.0f : expf(m - mNew);
            l = l * corr + warp_sum(pj);
            ps[warp][lane] = pj;
            for (int x = threadIdx.x; x < ATT_TILE * ATT_PASS; x += blockDim.x) {
                int jj = x / ATT_PASS, ee = x % ATT_PASS;
                int jk = t0 + jj, e = e0 + ee;
                vs[jj][ee] = jk < p.keys && e < p.valueDim ? vMat[(long long)jk * p.v.rowStride + e] : 0.0f;
            }
            __syncthreads();
            for (int c = 0; c < ATT_PER_LANE; c++) {
                float a = acc[c] * corr;
                for (int jj = 0; jj < ATT_TILE; jj++) a += ps[warp][jj] * vs[jj][lane + FLINT_WARP * c];
                acc[c] = a;
            }
            m = mNew;
        }
        if (valid) {
            float* oRow = out + att_at(p.out, b, h, i);
            for (int c = 0; c < ATT_PER_LANE; c++) {
                int e = e0 + lane + FLINT_WARP * c;
                if (e < p.valueDim) oRow[e] = acc[c] / l;
            }
            if (e0 == 0 && lane == 0) lse[((long long)b * p.heads + h) * p.queries + i] = m + logf(l);
        }
    }
}

// The gradient of Q, and rowDot (batch, heads, queries) = rowsum(dOut * out) for the second kernel:
// q, k, v, mask, out, lse, dOut -> dq (strided) = scale * sum_j dS_ij k_j, with P = exp(S - lse) recomputed,
// dP_ij = dOut_i . v_j and dS = P (dP - rowDot). Grid as the forward kernel's.
extern "C" __global__ void attention_backward_dq_f32(const float* q, const float* k, const float* v,
                                                     const float* mask, const float* out, const float* lse,
                                                     const float* dOut, float* dq, float* rowDot, AttentionParams p,
                                                     AttentionGrads g) {
    __shared__ float rs[ATT_ROWS][ATT_CHUNK];           // a chunk of this warp's q row, then of its dOut row
    __shared__ float ts[ATT_TILE][ATT_CHUNK + 1];       // a chunk of the tile's k rows, then of its v rows
    __shared__ float kc[ATT_TILE][ATT_PASS];            // the tile's k columns this pass accumulates
    __shared__ float dss[ATT_ROWS][ATT_TILE];
    int tile, h, b;
    att_block(p.queries, p.heads, &tile, &h, &b);
    int warp = threadIdx.x / FLINT_WARP;
    int lane = threadIdx.x % FLINT_WARP;
    int rows = blockDim.x / FLINT_WARP;
    int i = tile * rows + warp;
    bool valid = i < p.queries;
    float scale = __int_as_float(p.scaleBits);
    int keyEnd = p.causal ? min(p.keys, tile * rows + rows) : p.keys;
    const float* qRow = q + att_at(p.q, b, h, valid ? i : 0);
    const float* gRow = dOut + att_at(g.dOut, b, h, valid ? i : 0);
    const float* oRow = out + att_at(p.out, b, h, valid ? i : 0);
    const float* kMat = k + att_at(p.k, b, h, 0);
    const float* vMat = v + att_at(p.v, b, h, 0);
    const float* mRow = p.hasMask ? mask + att_at(p.mask, b, h, valid ? i : 0) : nullptr;
    long long r = ((long long)b * p.heads + h) * p.queries + i;
    float di = 0.0f;
    if (valid) {
        for (int e = lane; e < p.valueDim; e += FLINT_WARP) di += gRow[e] * oRow[e];
    }
    di = warp_sum(di);
    if (valid && lane == 0) rowDot[r] = di;
    float li = valid ? lse[r] : 0.0f;
    for (int c0 = 0; c0 < p.headDim; c0 += ATT_PASS) {
        float acc[ATT_PER_LANE];
        for (int c = 0; c < ATT_PER_LANE; c++) acc[c] = 0.0f;
        for (int t0 = 0; t0 < keyEnd; t0 += ATT_TILE) {
            float s = 0.0f;
            for (int d0 = 0; d0 < p.headDim; d0 += ATT_CHUNK) {
                __syncthreads();
                for (int x = threadIdx.x; x < ATT_TILE * ATT_CHUNK; x += blockDim.x) {
                    int jj = x / ATT_CHUNK, dd = x % ATT_CHUNK;
                    int j = t0 + jj, d = d0 + dd;
                    ts[jj][dd] = j < p.keys && d < p.headDim ? kMat[(long long)j * p.k.rowStride + d] : 0.0f;
                }
                rs[warp][lane] = valid && d0 + lane < p.headDim ? qRow[d0 + lane] : 0.0f;
                __syncthreads();
                for (int dd = 0; dd < ATT_CHUNK; dd++) s += rs[warp][dd] * ts[lane][dd];
            }
            float dp = 0.0f;
            for (int e0 = 0; e0 < p.valueDim; e0 += ATT_CHUNK) {
                __syncthreads();
                for (int x = threadIdx.x; x < ATT_TILE * ATT_CHUNK; x += blockDim.x) {
                    int jj = x / ATT_CHUNK, ee = x % ATT_CHUNK;
                    int j = t0 + jj, e = e0 + ee;
                    ts[jj][ee] = j < p.keys && e < p.valueDim ? vMat[(long long)j * p.v.rowStride + e] : 0.0f;
                }
                rs[warp][lane] = valid && e0 + lane < p.valueDim ? gRow[e0 + lane] : 0.0f;
                __syncthreads();
                for (int ee = 0; ee < ATT_CHUNK; ee++) dp += rs[warp][ee] * ts[lane][ee];
            }
            int j = t0 + lane;
            bool allowed = valid && j < p.keys && !(p.causal && j > i);
            float pj = allowed ? expf(s * scale + (mRow ? mRow[j] : 0.0f) - li) : 0.0f;
            dss[warp][lane] = pj * (dp - di) * scale;
            for (int x = threadIdx.x; x < ATT_TILE * ATT_PASS; x += blockDim.x) {
                int jj = x / ATT_PASS, cc = x % ATT_PASS;
                int jk = t0 + jj, d = c0 + cc;
                kc[jj][cc] = jk < p.keys && d < p.headDim ? kMat[(long long)jk * p.k.rowStride + d] : 0.0f;
            }
            __syncthreads();
            for (int c = 0; c < ATT_PER_LANE; c++) {
                float a = acc[c];
                for (int jj = 0; jj < ATT_TILE; jj++) a += dss[warp][jj] * kc[jj][lane + FLINT_WARP * c];
                acc[c] = a;
            }
        }
        if (valid) {
            float* dRow = dq + att_at(g.dq, b, h, i);
            for (int c = 0; c < ATT_PER_LANE; c++) {
                int d = c0 + lane + FLINT_WARP * c;
                if (d < p.headDim) dRow[d] = acc[c];
            }
        }
    }
}

// The gradients of K and V, after attention_backward_dq_f32 wrote rowDot:
// q, k, v, mask, lse, rowDot, dOut -> dk (strided) = scale * sum_i dS_ij q_i, dv (strided) = sum_i P_ij dOut_i.
// grid: ceil(keys / w) * heads * batch blocks of w <= 8 warps; warp r: key row tile * w + r; lane i: query i
// of the tile.
extern "C" __global__ void attention_backward_dkv_f32(const float* q, const float* k, const float* v,
                                                      const float* mask, const float* lse, const float* rowDot,
                                                      const float* dOut, float* dk, float* dv, AttentionParams p,
                                                      AttentionGrads g) {
    __shared__ float rs[ATT_ROWS][ATT_CHUNK];           // a chunk of this warp's k row, then of its v row
    __shared__ float ts[ATT_TILE][ATT_CHUNK + 1];       // a chunk of the tile's q rows, then of its dOut rows
    __shared__ float qc[ATT_TILE][ATT_PASS];            // the tile's q columns this pass accumulates
    __shared__ float gc[ATT_TILE][ATT_PASS];            // the tile's dOut columns this pass accumulates
    __shared__ float pss[ATT_ROWS][ATT_TILE];
    __shared__ float dss[ATT_ROWS][ATT_TILE];
    int tile, h, b;
    att_block(p.keys, p.heads, &tile, &h, &b);
    int warp = threadIdx.x / FLINT_WARP;
    int lane = threadIdx.x % FLINT_WARP;
    int rows = blockDim.x / FLINT_WARP;
    int j = tile * rows + warp;
    bool valid = j < p.keys;
    float scale = __int_as_float(p.scaleBits);
    // causal: key j is seen by queries i >= j only; the block's first key is tile * rows
    int queryStart = p.causal ? min(p.queries, tile * rows) : 0;
    const float* kRow = k + att_at(p.k, b, h, valid ? j : 0);
    const float* vRow = v + att_at(p.v, b, h, valid ? j : 0);
    const float* qMat = q + att_at(p.q, b, h, 0);
    const float* gMat = dOut + att_at(g.dOut, b, h, 0);
    long long lseBase = ((long long)b * p.heads + h) * p.queries;
    int widest = max(p.headDim, p.valueDim);
    for (int c0 = 0; c0 < widest; c0 += ATT_PASS) {
        float accK[ATT_PER_LANE];
        float accV[ATT_PER_LANE];
        for (int c = 0; c < ATT_PER_LANE; c++) {
            accK[c] = 0.0f;
            accV[c] = 0.0f;
        }
        for (int i0 = queryStart; i0 < p.queries; i0 += ATT_TILE) {
            float s = 0.0f;
            for (int d0 = 0; d0 < p.headDim; d0 += ATT_CHUNK) {
                __syncthreads();
                for (int x = threadIdx.x; x < ATT_TILE * ATT_CHUNK; x += blockDim.x) {
                    int ii = x / ATT_CHUNK, dd = x % ATT_CHUNK;
                    int iq = i0 + ii, d = d0 + dd;
                    ts[ii][dd] = iq < p.queries && d < p.headDim ? qMat[(long long)iq * p.q.rowStride + d] : 0.0f;
                }
                rs[warp][lane] = valid && d0 + lane < p.headDim ? kRow[d0 + lane] : 0.0f;
                __syncthreads();
                for (int dd = 0; dd < ATT_CHUNK; dd++) s += ts[lane][dd] * rs[warp][dd];
            }
            float dp = 0.0f;
            for (int e0 = 0; e0 < p.valueDim; e0 += ATT_CHUNK) {
                __syncthreads();
                for (int x = threadIdx.x; x < ATT_TILE * ATT_CHUNK; x += blockDim.x) {
                    int ii = x / ATT_CHUNK, ee = x % ATT_CHUNK;
                    int iq = i0 + ii, e = e0 + ee;
                    ts[ii][ee] = iq < p.queries && e < p.valueDim ? gMat[(long long)iq * g.dOut.rowStride + e]
                                                                  : 0.0f;
                }
                rs[warp][lane] = valid && e0 + lane < p.valueDim ? vRow[e0 + lane] : 0.0f;
                __syncthreads();
                for (int ee = 0; ee < ATT_CHUNK; ee++) dp += ts[lane][ee] * rs[warp][ee];
            }
            int iq = i0 + lane;
            bool allowed = valid && iq < p.queries && !(p.causal && j > iq);
            float pij = 0.0f;
            float dsij = 0.0f;
            if (allowed) {
                float m = p.hasMask ? mask[att_at(p.mask, b, h, iq) + j] : 0.0f;
                pij = expf(s * scale + m - lse[lseBase + iq]);
                dsij = pij * (dp - rowDot[lseBase + iq]) * scale;
            }
            pss[warp][lane] = pij;
            dss[warp][lane] = dsij;
            for (int x = threadIdx.x; x < ATT_TILE * ATT_PASS; x += blockDim.x) {
                int ii = x / ATT_PASS, cc = x % ATT_PASS;
                int row = i0 + ii, col = c0 + cc;
                bool in = row < p.queries;
                qc[ii][cc] = in && col < p.headDim ? qMat[(long long)row * p.q.rowStride + col] : 0.0f;
                gc[ii][cc] = in && col < p.valueDim ? gMat[(long long)row * g.dOut.rowStride + col] : 0.0f;
            }
            __syncthreads();
            for (int c = 0; c < ATT_PER_LANE; c++) {
                float ak = accK[c];
                float av = accV[c];
                for (int ii = 0; ii < ATT_TILE; ii++) {
                    ak += dss[warp][ii] * qc[ii][lane + FLINT_WARP * c];
                    av += pss[warp][ii] * gc[ii][lane + FLINT_WARP * c];
                }
                accK[c] = ak;
                accV[c] = av;
            }
        }
        if (valid) {
            float* dkRow = dk + att_at(g.dk, b, h, j);
            float* dvRow = dv + att_at(g.dv, b, h, j);
            for (int c = 0; c < ATT_PER_LANE; c++) {
                int col = c0 + lane + FLINT_WARP * c;
                if (col < p.headDim) dkRow[col] = accK[c];
                if (col < p.valueDim) dvRow[col] = accV[c];
            }
        }
    }
}
