#include "mixers/retnet.h"

#include "eigenscope/error.h"
#include "mixers/attention_base.h"
#include "mixers/common.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> RetNetImpl::options() {
    return {intOption("num_heads", 8, 1, 1024, "retention heads; head h decays with γ_h = 1 − 2^(−5−h)"),
            floatOption("expand_k", 1.0, 0.125, 8.0, "key width = expand_k·d_model"),
            floatOption("expand_v", 2.0, 0.125, 8.0, "value width = expand_v·d_model"),
            floatOption("norm_eps", 1e-5, 1e-12, 0.1, "ε of the gated output RMSNorm (fla's norm_eps)")};
}

void RetNetImpl::check(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    const int64_t heads = optInt(o, "num_heads");
    const auto keyDim = int64_t(double(spec.dModel) * optFloat(o, "expand_k"));
    const auto valueDim = int64_t(double(spec.dModel) * optFloat(o, "expand_v"));
    if (keyDim % heads != 0 || (keyDim / heads) % 2 != 0)
        throw Error(where + ".num_heads: the key width " + std::to_string(keyDim) + " must split into " +
                    std::to_string(heads) + " heads of even width (rotary positions)");
    if (valueDim % heads != 0)
        throw Error(where + ".num_heads: " + std::to_string(heads) + " does not divide the value width " +
                    std::to_string(valueDim));
}

RetNetImpl::RetNetImpl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel),
      heads_(optInt(o, "num_heads")),
      keyDim_(int64_t(double(spec.dModel) * optFloat(o, "expand_k"))),
      valueDim_(int64_t(double(spec.dModel) * optFloat(o, "expand_v"))),
      headK_(keyDim_ / heads_),
      headV_(valueDim_ / heads_),
      normEps_(optFloat(o, "norm_eps")) {
    using torch::nn::Linear, torch::nn::LinearOptions;
    q_proj = register_module("q_proj", Linear(LinearOptions(dModel_, keyDim_).bias(false)));
    k_proj = register_module("k_proj", Linear(LinearOptions(dModel_, keyDim_).bias(false)));
    v_proj = register_module("v_proj", Linear(LinearOptions(dModel_, valueDim_).bias(false)));
    g_proj = register_module("g_proj", Linear(LinearOptions(dModel_, valueDim_).bias(false)));
    o_proj = register_module("o_proj", Linear(LinearOptions(valueDim_, dModel_).bias(false)));
    g_norm_swish_gate = register_module("g_norm_swish_gate", std::make_shared<torch::nn::Module>());
    normWeight = g_norm_swish_gate->register_parameter("weight", torch::ones({headV_}));
}

std::string RetNetImpl::describe() const {
    return "retnet (heads " + std::to_string(heads_) + ", d_k " + std::to_string(headK_) + ", d_v " +
           std::to_string(headV_) + ")";
}

torch::Tensor applyRotary(const torch::Tensor& x) {
    const int64_t T = x.size(2), D = x.size(3), half = D / 2;
    const auto real = x.scalar_type();
    const auto inverse = torch::pow(10000.0, -torch::arange(half, x.options().dtype(torch::kFloat64)) * 2.0 / double(D));
    const auto angles = torch::arange(T, inverse.options()).unsqueeze(1) * inverse.unsqueeze(0);  // (T, D/2)
    const auto cos = torch::cat({angles.cos(), angles.cos()}, 1).to(real);
    const auto sin = torch::cat({angles.sin(), angles.sin()}, 1).to(real);
    const auto rotated = torch::cat({-x.narrow(3, half, half), x.narrow(3, 0, half)}, 3);
    return x * cos + rotated * sin;
}

torch::Tensor RetNetImpl::logGamma(const torch::TensorOptions& options) const {
    // γ_h = 1 − 2^{−5−h} (RetNet; fla's g_gamma = log γ).
    return torch::log1p(-torch::pow(2.0, -5.0 - torch::arange(heads_, options.dtype(torch::kFloat64)))).to(options.dtype());
}

RetNetImpl::Streams RetNetImpl::project(const torch::Tensor& u) {
    Streams s;
    s.q = applyRotary(splitHeads(q_proj->forward(u), heads_)) * (1.0 / std::sqrt(double(headK_)));
    s.k = applyRotary(splitHeads(k_proj->forward(u), heads_));
    s.v = splitHeads(v_proj->forward(u), heads_);
    s.g = splitHeads(g_proj->forward(u), heads_);
    return s;
}

torch::Tensor RetNetImpl::readout(const torch::Tensor& o, const torch::Tensor& g) {
    // FusedRMSNormSwishGate per head: rmsnorm(o)·weight·SiLU(g), eps 1e-5.
    return o_proj->forward(mergeHeads(rmsNorm(o, normWeight, normEps_) * torch::silu(g)));
}

dsf::TransitionTrace RetNetImpl::paperTrace(const torch::Tensor& x) {
    dsf::TransitionTrace trace;
    trace.eig = logGamma(x.options()).exp().view({1, 1, heads_, 1}).expand({x.size(0), 1, heads_, 1})
                    .to(complexTypeOf(x.scalar_type()));
    trace.multiplicity = {headK_ * headV_};
    trace.timeInvariant = true;
    return trace;
}

torch::Tensor RetNetImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    if (trace) *trace = paperTrace(u);
    const auto s = project(u);
    const auto logDecay = logGamma(u.options()).view({1, heads_, 1}).expand({u.size(0), heads_, u.size(1)});
    return readout(chunkedDecayAttention(s.q, s.k, s.v, logDecay), s.g);
}

dsf::Realization RetNetImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const auto lambda = logGamma(u.options()).exp().view({1, 1, heads_, 1}).expand({1, 1, heads_, headK_ * headV_});
    const auto g = s.g;
    return keyValueRealization(lambda, true, s.q, s.k, s.v, [this, g](const torch::Tensor& o) { return readout(o, g); });
}

torch::Tensor RetNetImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Φ(t, s) = γ^{t−s} (q_t·k_s)·I.
    const auto s = project(u);
    const int64_t T = u.size(1);
    const auto index = sourceIndex(sources, T, u.device());
    const auto lags = (torch::arange(T, index.options()).unsqueeze(1) - index.unsqueeze(0)).clamp_min(0);  // (T, S)
    const auto decay = (logGamma(u.options()).view({heads_, 1, 1}) * lags.to(u.dtype())).exp();           // (H, T, S)
    const auto weights = torch::matmul(s.q, s.k.index_select(2, index).transpose(-1, -2)) * decay;
    return scalarTransferNorms(weights, index, headV_);
}

}  // namespace eigenscope::mixers
