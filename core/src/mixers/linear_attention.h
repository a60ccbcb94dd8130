// Causal linear attention (models/attention.py SelfLinAttention): φ(x) = elu(x)+1 on q and k, no scale.
// DSF: Λ_t = (η_{t-1}/η_t)·I with η_t = φ(q_t)·Σ_{j≤t} φ(k_j); state = Σ φ(k_j) v_jᵀ / η_t.
#pragma once

#include "mixers/attention_base.h"

namespace eigenscope::mixers {

class LinearAttentionImpl : public MhaBaseImpl {
public:
    LinearAttentionImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options() { return attentionOptions(); }

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override { return "linear_attention (" + shape() + ")"; }

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;
};

}  // namespace eigenscope::mixers
