#include "mixers/gla.h"

#include "eigenscope/error.h"
#include "mixers/attention_base.h"
#include "mixers/common.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> GlaImpl::options() {
    return {intOption("num_heads", 4, 1, 1024, "heads"),
            floatOption("expand_k", 0.5, 0.125, 8.0, "key width = expand_k·d_model"),
            floatOption("expand_v", 1.0, 0.125, 8.0, "value width = expand_v·d_model"),
            intOption("gate_low_rank_dim", 16, 1, 4096, "rank of the gate projection"),
            floatOption("gate_logit_normalizer", 16.0, 1.0, 1024.0, "α = σ(gk)^(1/normalizer)"),
            floatOption("norm_eps", 1e-5, 1e-12, 0.1, "ε of the gated output RMSNorm (fla's norm_eps)")};
}

void GlaImpl::check(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    const int64_t heads = optInt(o, "num_heads");
    const auto keyDim = int64_t(double(spec.dModel) * optFloat(o, "expand_k"));
    const auto valueDim = int64_t(double(spec.dModel) * optFloat(o, "expand_v"));
    if (keyDim < heads || keyDim % heads != 0 || valueDim % heads != 0)
        throw Error(where + ".num_heads: " + std::to_string(heads) + " must divide the key width " +
                    std::to_string(keyDim) + " and the value width " + std::to_string(valueDim));
}

GlaImpl::GlaImpl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel),
      heads_(optInt(o, "num_heads")),
      keyDim_(int64_t(double(spec.dModel) * optFloat(o, "expand_k"))),
      valueDim_(int64_t(double(spec.dModel) * optFloat(o, "expand_v"))),
      headK_(keyDim_ / heads_),
      headV_(valueDim_ / heads_),
      gateRank_(optInt(o, "gate_low_rank_dim")),
      gateNormalizer_(optFloat(o, "gate_logit_normalizer")),
      normEps_(optFloat(o, "norm_eps")) {
    using torch::nn::Linear, torch::nn::LinearOptions;
    q_proj = register_module("q_proj", Linear(LinearOptions(dModel_, keyDim_).bias(false)));
    k_proj = register_module("k_proj", Linear(LinearOptions(dModel_, keyDim_).bias(false)));
    v_proj = register_module("v_proj", Linear(LinearOptions(dModel_, valueDim_).bias(false)));
    g_proj = register_module("g_proj", Linear(LinearOptions(dModel_, valueDim_).bias(false)));
    gk_proj = register_module("gk_proj", torch::nn::Sequential(Linear(LinearOptions(dModel_, gateRank_).bias(false)),
                                                               Linear(LinearOptions(gateRank_, keyDim_).bias(true))));
    o_proj = register_module("o_proj", Linear(LinearOptions(valueDim_, dModel_).bias(false)));
    g_norm_swish_gate = register_module("g_norm_swish_gate", std::make_shared<torch::nn::Module>());
    normWeight = g_norm_swish_gate->register_parameter("weight", torch::ones({headV_}));
}

std::string GlaImpl::describe() const {
    return "gla (heads " + std::to_string(heads_) + ", d_k " + std::to_string(headK_) + ", d_v " +
           std::to_string(headV_) + ", gate rank " + std::to_string(gateRank_) + ")";
}

GlaImpl::Streams GlaImpl::project(const torch::Tensor& u) {
    Streams s;
    s.q = splitHeads(q_proj->forward(u), heads_) * (1.0 / std::sqrt(double(headK_)));
    s.k = splitHeads(k_proj->forward(u), heads_);
    s.v = splitHeads(v_proj->forward(u), heads_);
    s.g = splitHeads(g_proj->forward(u), heads_);
    s.logAlpha = splitHeads(torch::log_sigmoid(gk_proj->forward(u)) / gateNormalizer_, heads_);
    return s;
}

torch::Tensor GlaImpl::readout(const torch::Tensor& o, const torch::Tensor& g) {
    // FusedRMSNormSwishGate per head: rmsnorm(o)·weight·SiLU(g).
    return o_proj->forward(mergeHeads(rmsNorm(o, normWeight, normEps_) * torch::silu(g)));
}

torch::Tensor GlaImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    const auto alpha = s.logAlpha.exp();
    if (trace) {
        trace->eig = alpha.transpose(1, 2).to(complexTypeOf(u.scalar_type()));  // (B, T, H, dk)
        trace->multiplicity.assign(size_t(headK_), headV_);
        trace->timeInvariant = false;
        trace->firstStep = 0;
    }
    // The recurrence itself, one step at a time: per-channel decays have no stable chunked form in plain ops.
    auto state = torch::zeros({u.size(0), heads_, headK_, headV_}, u.options());
    std::vector<torch::Tensor> outputs;
    for (int64_t t = 0; t < u.size(1); ++t) {
        state = alpha.select(2, t).unsqueeze(-1) * state + s.k.select(2, t).unsqueeze(-1) * s.v.select(2, t).unsqueeze(-2);
        outputs.push_back(torch::matmul(s.q.select(2, t).unsqueeze(-2), state).squeeze(-2));
    }
    return readout(torch::stack(outputs, 2), s.g);
}

dsf::Realization GlaImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const int64_t batch = u.size(0), T = u.size(1);
    // State index i·dv + c decays with α_i.
    const auto lambda = s.logAlpha.exp().transpose(1, 2).unsqueeze(-1).expand({batch, T, heads_, headK_, headV_})
                            .reshape({batch, T, heads_, headK_ * headV_});
    const auto g = s.g;
    return keyValueRealization(lambda, true, s.q, s.k, s.v, [this, g](const torch::Tensor& o) { return readout(o, g); });
}

torch::Tensor GlaImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Φ(t, s) = (Σ_i q_t,i k_s,i Π_{j=s+1..t} α_j,i)·I.
    const auto s = project(u);
    const int64_t T = u.size(1);
    const auto index = sourceIndex(sources, T, u.device());
    const auto cum = s.logAlpha.cumsum(2);  // (B, H, T, dk)
    auto weights = torch::zeros({u.size(0), heads_, T, int64_t(sources.size())}, u.options());
    for (size_t i = 0; i < sources.size(); ++i) {
        const int64_t src = sources[i], len = T - src;
        const auto decay = (cum.narrow(2, src, len) - cum.select(2, src).unsqueeze(2)).exp();  // (B, H, len, dk)
        weights.select(3, int64_t(i)).narrow(2, src, len)
            .copy_((s.q.narrow(2, src, len) * decay * s.k.select(2, src).unsqueeze(2)).sum(-1));
    }
    return scalarTransferNorms(weights, index, headV_);
}

}  // namespace eigenscope::mixers
