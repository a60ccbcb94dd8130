// Griffin/Hawk recurrent block with the real-gated LRU (recurrentgemma torch/layers.py RecurrentBlock, RGLRU):
// y = linear_out(GELU(linear_y(x)) ⊙ RG-LRU(conv_1d(linear_x(x)))), where per channel
// h_t = a_t h_{t-1} + √(1 − a_t²)(i_t ⊙ x_t), a_t = exp(−c·r_t·softplus(a_param)), c = 8, r_t and i_t from
// block-diagonal gates. DSF: Λ_t = diag(a_t), real.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

// recurrentgemma's BlockDiagonalLinear: w (heads, block, block), b (heads, block).
class BlockDiagonalLinearImpl : public torch::nn::Module {
public:
    BlockDiagonalLinearImpl(int64_t width, int64_t heads);
    torch::Tensor forward(const torch::Tensor& x);

private:
    int64_t heads_, block_;
    torch::Tensor w, b;
};
TORCH_MODULE(BlockDiagonalLinear);

class RgLruImpl : public MixerImpl {
public:
    RgLruImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    struct Streams {
        torch::Tensor y;         // GELU branch (B, T, W)
        torch::Tensor x;         // after the conv (B, T, W)
        torch::Tensor logA;      // (B, T, W)
        torch::Tensor inScale;   // √(1 − a²)·i_t, with the reset at t = 0: i_0
    };
    Streams project(const torch::Tensor& u);

    int64_t dModel_, width_, heads_, convWidth_;
    torch::nn::Linear linear_y{nullptr}, linear_x{nullptr}, linear_out{nullptr};
    std::shared_ptr<torch::nn::Module> conv_1d, rg_lru;
    torch::Tensor convW, convB, a_param;
    BlockDiagonalLinear input_gate{nullptr}, a_gate{nullptr};
};

}  // namespace eigenscope::mixers
