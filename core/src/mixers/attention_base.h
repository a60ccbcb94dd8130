// Shared projection of the reference MHA (models/attention.py): Wqkv → [q | k | v], an optional causal
// depthwise conv + SiLU on all of it ("full") or on [q | k] ("partial"), heads, and out_proj.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/common.h"
#include "mixers/mixer.h"

#include <vector>

namespace eigenscope::mixers {

struct HeadStreams {
    torch::Tensor q, k, v;  // (B, H, T, head_dim), (B, H, T, head_dim), (B, H, T, v_dim)
};

// Options common to the attention mixers: num_heads, state_dim (total q/k width; 0 = d_model), conv_kernel,
// conv_type.
std::vector<OptionSpec> attentionOptions();
void checkAttentionSizes(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

class MhaBaseImpl : public MixerImpl {
public:
    MhaBaseImpl(int64_t dModel, const nlohmann::json& options);

protected:
    HeadStreams project(const torch::Tensor& u);
    torch::Tensor output(const torch::Tensor& heads);  // (B, H, T, v_dim) → (B, T, d)
    std::string shape() const;                          // "heads 2, head_dim 32, conv 4 full"
    // q and k as the reference analysis code takes them: Wqkv(x) split into heads, no conv; v only if asked.
    HeadStreams projectWithoutConv(const torch::Tensor& x, bool withValues);

    int64_t dModel_, heads_, qkDim_, headDim_, vDim_, convKernel_;
    std::string convType_;
    torch::nn::Linear Wqkv{nullptr}, out_proj{nullptr};
    torch::nn::Conv1d conv1d{nullptr};
};

// ‖Φ(t, s)‖ of a scalar-transition attention head: Φ(t, s) = w_ts·I_vdim, so the norm is |w_ts|·√v_dim.
// weights: (B, H, T, S) → (B, H, S, T) with the steps before each source zeroed.
torch::Tensor scalarTransferNorms(const torch::Tensor& weights, const torch::Tensor& sourceIndex, int64_t vDim);

// DSF realization pieces shared by the attention mixers (state = key features ⊗ value, index f·v_dim + c):
// B_t = scale_t · feature_t ⊗ I_vdim and C_t = I_vdim ⊗ readFeature_tᵀ, from (B, H, T, F) feature tensors.
torch::Tensor kronInputMatrix(const torch::Tensor& features, int64_t vDim);   // → (B, T, H, F·v_dim, v_dim)
torch::Tensor kronOutputMatrix(const torch::Tensor& features, int64_t vDim);  // → (B, T, H, v_dim, F·v_dim)

// The realization of a key–value state per head: h_t = Λ_t h_{t-1} + (k_t ⊗ I) v_t, y_t = (I ⊗ q_tᵀ) h_t.
// lambda: diagonal (B|1, T|1, H, dk·dv) or dense (…, dk·dv, dk·dv); q, k: (B, H, T, dk); v: (B, H, T, dv);
// readout takes (B, H, T, dv).
dsf::Realization keyValueRealization(const torch::Tensor& lambda, bool diagonal, const torch::Tensor& q,
                                     const torch::Tensor& k, const torch::Tensor& v,
                                     std::function<torch::Tensor(const torch::Tensor&)> readout);

}  // namespace eigenscope::mixers
