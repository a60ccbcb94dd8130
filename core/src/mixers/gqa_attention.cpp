#include "mixers/gqa_attention.h"

#include "eigenscope/error.h"
#include "mixers/common.h"
#include "mixers/softmax_attention.h"

#include <cmath>
#include <sstream>

namespace eigenscope::mixers {

std::vector<OptionSpec> GqaAttentionImpl::options() {
    return {intOption("num_heads", 4, 1, 1024, "query heads"),
            intOption("num_kv_heads", 0, 0, 1024, "key/value heads (0: num_heads); must divide num_heads"),
            intOption("head_dim", 0, 0, 4096, "width per head (0: d_model/num_heads)"),
            boolOption("qkv_bias", false, "biases on q_proj, k_proj, v_proj (Qwen2, Llama attention_bias)"),
            boolOption("o_bias", false, "a bias on o_proj (Llama attention_bias)"),
            floatOption("rope_theta", 10000.0, 0.0, 1e12, "rotary base θ; 0 for no rotary positions"),
            intOption("rotary_dim", 0, 0, 4096,
                      "the leading channels of each head that rotate, the rest pass (0: all; RecurrentGemma: half)"),
            floatOption("rope_llama3_factor", 0.0, 0.0, 1e6,
                        "Llama-3.1 frequency scaling: the factor for long wavelengths (0: none)"),
            floatOption("rope_llama3_low_freq_factor", 1.0, 1e-6, 1e6, "Llama-3.1 scaling: low_freq_factor"),
            floatOption("rope_llama3_high_freq_factor", 4.0, 1e-6, 1e6, "Llama-3.1 scaling: high_freq_factor"),
            intOption("rope_llama3_original_positions", 8192, 1, 1 << 30,
                      "Llama-3.1 scaling: original_max_position_embeddings"),
            boolOption("qk_norm", false, "per-head RMSNorm of q and k before the rotation (Qwen3)"),
            floatOption("norm_eps", 1e-6, 1e-12, 0.1, "ε of the q/k RMSNorm"),
            intOption("sliding_window", 0, 0, 1 << 30, "keys per query, the query's own included (0: all)")};
}

void GqaAttentionImpl::check(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    const int64_t heads = optInt(o, "num_heads"), kv = optInt(o, "num_kv_heads");
    if (kv > 0 && heads % kv != 0)
        throw Error(where + ".num_kv_heads: " + std::to_string(kv) + " does not divide num_heads=" + std::to_string(heads));
    if (optInt(o, "head_dim") == 0 && spec.dModel % heads != 0)
        throw Error(where + ".num_heads: " + std::to_string(heads) + " does not divide d_model=" + std::to_string(spec.dModel));
    const int64_t headDim = optInt(o, "head_dim") > 0 ? optInt(o, "head_dim") : spec.dModel / heads;
    if (optFloat(o, "rope_llama3_factor") > 0 &&
        !(optFloat(o, "rope_llama3_high_freq_factor") > optFloat(o, "rope_llama3_low_freq_factor")))
        throw Error(where + ".rope_llama3_high_freq_factor: must exceed rope_llama3_low_freq_factor");
    const int64_t rotary = optInt(o, "rotary_dim") > 0 ? optInt(o, "rotary_dim") : headDim;
    if (optFloat(o, "rope_theta") > 0 && (rotary % 2 != 0 || rotary > headDim))
        throw Error(where + ".rotary_dim: rotary positions need an even width within head_dim=" +
                    std::to_string(headDim) + ", not " + std::to_string(rotary));
}

GqaAttentionImpl::GqaAttentionImpl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel),
      heads_(optInt(o, "num_heads")),
      kvHeads_(optInt(o, "num_kv_heads") > 0 ? optInt(o, "num_kv_heads") : optInt(o, "num_heads")),
      headDim_(optInt(o, "head_dim") > 0 ? optInt(o, "head_dim") : spec.dModel / optInt(o, "num_heads")),
      rotaryDim_(optInt(o, "rotary_dim") > 0 ? optInt(o, "rotary_dim") : headDim_),
      window_(optInt(o, "sliding_window")),
      ropeTheta_(optFloat(o, "rope_theta")),
      llama3Factor_(optFloat(o, "rope_llama3_factor")),
      llama3Low_(optFloat(o, "rope_llama3_low_freq_factor")),
      llama3High_(optFloat(o, "rope_llama3_high_freq_factor")),
      llama3Positions_(double(optInt(o, "rope_llama3_original_positions"))),
      normEps_(optFloat(o, "norm_eps")),
      qkNorm_(optBool(o, "qk_norm")) {
    using torch::nn::Linear, torch::nn::LinearOptions;
    const bool bias = optBool(o, "qkv_bias");
    q_proj = register_module("q_proj", Linear(LinearOptions(dModel_, heads_ * headDim_).bias(bias)));
    k_proj = register_module("k_proj", Linear(LinearOptions(dModel_, kvHeads_ * headDim_).bias(bias)));
    v_proj = register_module("v_proj", Linear(LinearOptions(dModel_, kvHeads_ * headDim_).bias(bias)));
    o_proj = register_module("o_proj", Linear(LinearOptions(heads_ * headDim_, dModel_).bias(optBool(o, "o_bias"))));
    if (qkNorm_) {
        auto qNorm = register_module("q_norm", std::make_shared<torch::nn::Module>());
        auto kNorm = register_module("k_norm", std::make_shared<torch::nn::Module>());
        qNormWeight = qNorm->register_parameter("weight", torch::ones({headDim_}));
        kNormWeight = kNorm->register_parameter("weight", torch::ones({headDim_}));
    }
}

std::string GqaAttentionImpl::describe() const {
    std::string text = "gqa_attention (heads " + std::to_string(heads_);
    if (kvHeads_ != heads_) text += ", kv heads " + std::to_string(kvHeads_);
    text += ", head_dim " + std::to_string(headDim_);
    if (ropeTheta_ > 0) {
        std::ostringstream theta;
        theta << ropeTheta_;
        text += ", rope θ " + theta.str() + (llama3Factor_ > 0 ? " (llama3 scaling)" : "");
        if (rotaryDim_ < headDim_) text += " on " + std::to_string(rotaryDim_) + " channels";
    }
    if (qkNorm_) text += ", q/k norm";
    if (window_ > 0) text += ", window " + std::to_string(window_);
    return text + ")";
}

void GqaAttentionImpl::rotate(torch::Tensor& q, torch::Tensor& k) {
    if (ropeTheta_ <= 0) return;
    const int64_t T = q.size(2), half = rotaryDim_ / 2;
    // inv_freq and the angles in float32 whatever q is, as transformers computes them; float64 q gets float64.
    const auto real = q.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
    const auto opts = torch::TensorOptions().dtype(real).device(q.device());
    auto invFreq = 1.0 / torch::pow(ropeTheta_, torch::arange(0, rotaryDim_, 2, opts) / double(rotaryDim_));
    if (llama3Factor_ > 0) {
        // Llama-3.1 (transformers _compute_llama3_parameters): wavelengths beyond original/low divided by the
        // factor, below original/high kept, a linear blend in between.
        const auto wavelength = 2.0 * M_PI / invFreq;
        const auto blend = (llama3Positions_ / wavelength - llama3Low_) / (llama3High_ - llama3Low_);
        const auto mixed = (1.0 - blend) * invFreq / llama3Factor_ + blend * invFreq;
        invFreq = torch::where(wavelength > llama3Positions_ / llama3Low_, invFreq / llama3Factor_,
                               torch::where(wavelength < llama3Positions_ / llama3High_, invFreq, mixed));
    }
    const auto angles = torch::outer(torch::arange(T, opts), invFreq);  // (T, half)
    const auto cos = torch::cat({angles.cos(), angles.cos()}, -1).to(q.scalar_type());
    const auto sin = torch::cat({angles.sin(), angles.sin()}, -1).to(q.scalar_type());
    const auto rotated = [&](const torch::Tensor& y) {
        const auto part = y.narrow(-1, 0, rotaryDim_);
        const auto turned = part * cos + torch::cat({-part.narrow(-1, half, half), part.narrow(-1, 0, half)}, -1) * sin;
        return rotaryDim_ == headDim_ ? turned : torch::cat({turned, y.narrow(-1, rotaryDim_, headDim_ - rotaryDim_)}, -1);
    };
    q = rotated(q);
    k = rotated(k);
}

HeadStreams GqaAttentionImpl::project(const torch::Tensor& u) {
    auto q = splitHeads(q_proj->forward(u), heads_);
    auto k = splitHeads(k_proj->forward(u), kvHeads_);
    auto v = splitHeads(v_proj->forward(u), kvHeads_);
    if (qkNorm_) {
        q = rmsNorm(q, qNormWeight, normEps_);
        k = rmsNorm(k, kNormWeight, normEps_);
    }
    rotate(q, k);
    q = q * (1.0 / std::sqrt(double(headDim_)));
    if (kvHeads_ != heads_) {
        const int64_t group = heads_ / kvHeads_;
        k = k.repeat_interleave(group, 1);
        v = v.repeat_interleave(group, 1);
    }
    return {q, k, v};
}

torch::Tensor GqaAttentionImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    const auto streamed = streamingSoftmax(s.q, s.k, s.v, 256, trace != nullptr, window_);
    if (trace) *trace = ratioTrace(streamed.logNormalizer, u.size(1) * headDim_);
    return o_proj->forward(mergeHeads(streamed.output));
}

dsf::Realization GqaAttentionImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    return softmaxRealization(s.q, s.k, s.v, window_,
                              [this](const torch::Tensor& heads) { return o_proj->forward(mergeHeads(heads)); });
}

dsf::TransitionTrace GqaAttentionImpl::paperTrace(const torch::Tensor& x) {
    // As the reference analysis reads softmax attention: from the block's output, the layer's own q and k (rotated,
    // q/k-normed) without the 1/√head_dim scale, future scores zero-masked.
    const auto s = project(x);
    return zeroMaskedTrace(s.q * std::sqrt(double(headDim_)), s.k, x.size(1) * headDim_, window_);
}

torch::Tensor GqaAttentionImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    const auto s = project(u);
    return softmaxTransferNorms(s.q, s.k, sources, headDim_, window_);
}

}  // namespace eigenscope::mixers
