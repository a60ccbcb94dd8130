#include "mixers/selective_scan.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <vector>

namespace eigenscope::mixers {

namespace {

// exp(ΔA) is materialized one block at a time: at most this many elements (8 MiB in float32), so that the
// block stays in glibc's heap instead of a fresh mmap with page faults on every call.
constexpr int64_t kBlockElements = int64_t(1) << 21;
constexpr int64_t kOpsChunk = 64;  // time steps per step of selectiveScanOps

struct Shape {
    int64_t batch, steps, channels, states;
};

Shape shapeOf(const torch::Tensor& x, const torch::Tensor& A) {
    return {x.size(0), x.size(1), x.size(2), A.size(1)};
}

// One block of the scan: batch elements [b0, b0 + count), steps [t0, t0 + len), carrying h (B, D, N) across
// blocks. decay holds exp(ΔA) for exactly this block: (count, len, D, N).
struct Block {
    int64_t b0, count, t0, len;
};

template <typename scalar_t>
void scanForward(const Shape& s, const Block& blk, const scalar_t* decay, const scalar_t* delta, const scalar_t* x,
                 const scalar_t* Bm, const scalar_t* C, scalar_t* h, scalar_t* y) {
    const int64_t T = s.steps, D = s.channels, N = s.states;
    at::parallel_for(0, blk.count * D, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t local = i / D, b = blk.b0 + local, d = i % D;
            scalar_t* state = h + (b * D + d) * N;
            for (int64_t t = 0; t < blk.len; ++t) {
                const int64_t row = b * T + blk.t0 + t;
                const scalar_t* a = decay + ((local * blk.len + t) * D + d) * N;
                const scalar_t* bt = Bm + row * N;
                const scalar_t* ct = C + row * N;
                const scalar_t dx = delta[row * D + d] * x[row * D + d];
                scalar_t acc = 0;
                for (int64_t n = 0; n < N; ++n) {
                    state[n] = a[n] * state[n] + dx * bt[n];
                    acc += ct[n] * state[n];
                }
                y[row * D + d] = acc;
            }
        }
    });
}

// Blocks of whole sequences when they fit (the backward pass needs whole sequences), else of time chunks.
std::vector<Block> blocksOf(const Shape& s, bool wholeSequences) {
    const int64_t perStep = s.channels * s.states;
    const int64_t len = wholeSequences ? s.steps : std::clamp(kBlockElements / perStep, int64_t(1), s.steps);
    const int64_t count = std::max(int64_t(1), kBlockElements / (perStep * len));
    std::vector<Block> blocks;
    for (int64_t b0 = 0; b0 < s.batch; b0 += count)
        for (int64_t t0 = 0; t0 < s.steps; t0 += len)
            blocks.push_back({b0, std::min(count, s.batch - b0), t0, std::min(len, s.steps - t0)});
    return blocks;
}

torch::Tensor decayOf(const torch::Tensor& delta, const torch::Tensor& A, const Block& blk) {
    return (delta.narrow(0, blk.b0, blk.count).narrow(1, blk.t0, blk.len).unsqueeze(-1) * A).exp().contiguous();
}

// `given`: exp(ΔA) for the whole input when the caller has it already, else built block by block.
torch::Tensor scanAll(const torch::Tensor& delta, const torch::Tensor& A, const torch::Tensor& x,
                      const torch::Tensor& Bm, const torch::Tensor& C, const torch::Tensor& given = {}) {
    const Shape s = shapeOf(x, A);
    auto y = torch::empty_like(x);
    auto h = torch::zeros({s.batch, s.channels, s.states}, x.options());
    const auto blocks = given.defined() ? std::vector<Block>{{0, s.batch, 0, s.steps}} : blocksOf(s, false);
    for (const Block& blk : blocks) {
        const auto decay = given.defined() ? given.contiguous() : decayOf(delta, A, blk);
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "selective_scan_forward", [&] {
            scanForward<scalar_t>(s, blk, decay.data_ptr<scalar_t>(), delta.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(),
                                  Bm.data_ptr<scalar_t>(), C.data_ptr<scalar_t>(), h.data_ptr<scalar_t>(),
                                  y.data_ptr<scalar_t>());
        });
    }
    return y;
}

// Reverse pass for batch element b (decay: exp(ΔA) of its block, whose first element is b0): recomputes the
// states of each channel into a T×N buffer, then walks back in time with
// g_t = ∂L/∂h_t = gy_t C_t + exp(Δ_{t+1}A) ⊙ g_{t+1}.
template <typename scalar_t>
void scanBackward(const Shape& s, int64_t b, int64_t b0, const scalar_t* decay, const scalar_t* delta, const scalar_t* A,
                  const scalar_t* x, const scalar_t* Bm, const scalar_t* C, const scalar_t* gy, scalar_t* gDelta,
                  scalar_t* gA, scalar_t* gx, scalar_t* gB, scalar_t* gC) {
    const int64_t T = s.steps, D = s.channels, N = s.states;
    std::vector<scalar_t> states(static_cast<size_t>(T * N));
    std::vector<scalar_t> carry(static_cast<size_t>(N));
    for (int64_t d = 0; d < D; ++d) {
        std::fill(carry.begin(), carry.end(), scalar_t(0));
        for (int64_t t = 0; t < T; ++t) {
            const int64_t row = b * T + t;
            const scalar_t* a = decay + (((b - b0) * T + t) * D + d) * N;
            const scalar_t dx = delta[row * D + d] * x[row * D + d];
            const scalar_t* prev = t > 0 ? &states[size_t((t - 1) * N)] : carry.data();  // carry is 0 here
            for (int64_t n = 0; n < N; ++n) states[size_t(t * N + n)] = a[n] * prev[n] + dx * Bm[row * N + n];
        }
        scalar_t* gAd = gA + d * N;
        for (int64_t t = T - 1; t >= 0; --t) {
            const int64_t row = b * T + t;
            const scalar_t* a = decay + (((b - b0) * T + t) * D + d) * N;
            const scalar_t* bt = Bm + row * N;
            const scalar_t* ct = C + row * N;
            const scalar_t* ht = &states[size_t(t * N)];
            const scalar_t dt = delta[row * D + d], xt = x[row * D + d], dx = dt * xt, gyt = gy[row * D + d];
            scalar_t gdx = 0, gDecay = 0;
            for (int64_t n = 0; n < N; ++n) {
                const scalar_t g = carry[size_t(n)] + gyt * ct[n];
                gC[row * N + n] += gyt * ht[n];
                gB[row * N + n] += g * dx;
                gdx += g * bt[n];
                const scalar_t hPrev = t > 0 ? ht[n - N] : scalar_t(0);
                const scalar_t ga = g * hPrev * a[n];  // ∂L/∂(ΔA) through exp
                gDecay += ga * A[d * N + n];
                gAd[n] += ga * dt;
                carry[size_t(n)] = g * a[n];
            }
            gDelta[row * D + d] = gDecay + gdx * xt;
            gx[row * D + d] = gdx * dt;
        }
    }
}

class SelectiveScanFunction : public torch::autograd::Function<SelectiveScanFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& delta,
                                 const torch::Tensor& A, const torch::Tensor& x, const torch::Tensor& Bm,
                                 const torch::Tensor& C) {
        const auto y = scanAll(delta, A, x, Bm, C);
        ctx->save_for_backward({delta, A, x, Bm, C});
        return y;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto &delta = saved[0], &A = saved[1], &x = saved[2], &Bm = saved[3], &C = saved[4];
        const auto gy = grads[0].contiguous();
        const Shape s = shapeOf(x, A);
        auto gDelta = torch::empty_like(delta), gx = torch::empty_like(x);
        auto gB = torch::zeros_like(Bm), gC = torch::zeros_like(C);
        auto gAPerBatch = torch::zeros({s.batch, s.channels, s.states}, A.options());
        for (const Block& blk : blocksOf(s, true)) {
            const auto decay = decayOf(delta, A, blk);
            AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "selective_scan_backward", [&] {
                at::parallel_for(blk.b0, blk.b0 + blk.count, 1, [&](int64_t begin, int64_t end) {
                    for (int64_t b = begin; b < end; ++b)
                        scanBackward<scalar_t>(s, b, blk.b0, decay.data_ptr<scalar_t>(), delta.data_ptr<scalar_t>(),
                                               A.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), Bm.data_ptr<scalar_t>(),
                                               C.data_ptr<scalar_t>(), gy.data_ptr<scalar_t>(),
                                               gDelta.data_ptr<scalar_t>(), gAPerBatch[b].data_ptr<scalar_t>(),
                                               gx.data_ptr<scalar_t>(), gB.data_ptr<scalar_t>(), gC.data_ptr<scalar_t>());
                });
            });
        }
        return {gDelta, gAPerBatch.sum(0), gx, gB, gC};
    }
};

}  // namespace

torch::Tensor selectiveScanOps(const torch::Tensor& delta, const torch::Tensor& A, const torch::Tensor& x,
                               const torch::Tensor& Bm, const torch::Tensor& C) {
    const int64_t T = x.size(1);
    auto h = torch::zeros({x.size(0), x.size(2), A.size(1)}, x.options());
    std::vector<torch::Tensor> outputs;
    // Per time chunk: exp(ΔA) and ΔBx are (B, chunk, D, N); the readout C_t h_t once per chunk.
    for (int64_t t0 = 0; t0 < T; t0 += kOpsChunk) {
        const int64_t len = std::min(kOpsChunk, T - t0);
        const auto d = delta.narrow(1, t0, len).unsqueeze(-1);
        const auto decays = (d * A).exp().unbind(1);
        const auto inputs = ((d * x.narrow(1, t0, len).unsqueeze(-1)) * Bm.narrow(1, t0, len).unsqueeze(2)).unbind(1);
        std::vector<torch::Tensor> states;
        states.reserve(size_t(len));
        for (int64_t t = 0; t < len; ++t) {
            h = decays[size_t(t)] * h + inputs[size_t(t)];
            states.push_back(h);
        }
        outputs.push_back((torch::stack(states, 1) * C.narrow(1, t0, len).unsqueeze(2)).sum(-1));
    }
    return torch::cat(outputs, 1);
}

torch::Tensor selectiveScan(const torch::Tensor& delta, const torch::Tensor& A, const torch::Tensor& x,
                            const torch::Tensor& Bm, const torch::Tensor& C, const torch::Tensor& decay) {
    const bool plainCpu =
        x.is_cpu() && (x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kFloat64);
    if (!plainCpu) return selectiveScanOps(delta, A, x, Bm, C);
    const auto dl = delta.contiguous(), a = A.contiguous(), xs = x.contiguous(), b = Bm.contiguous(),
               c = C.contiguous();
    const bool needsGrad = torch::GradMode::is_enabled() &&
                           (dl.requires_grad() || a.requires_grad() || xs.requires_grad() || b.requires_grad() ||
                            c.requires_grad());
    if (needsGrad) return SelectiveScanFunction::apply(dl, a, xs, b, c);
    torch::NoGradGuard noGrad;
    return scanAll(dl, a, xs, b, c, decay);
}

}  // namespace eigenscope::mixers
