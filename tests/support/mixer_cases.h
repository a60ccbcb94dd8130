// The mixer configurations every per-mixer test runs over, and how a test mixer is built (float64, with every
// parameter moved off its structured init).
#pragma once

#include "mixers/mixer.h"
#include "mixers/registry.h"

#include <ostream>
#include <string>
#include <vector>

namespace eigenscope::testing {

constexpr int64_t kBatch = 2, kSteps = 17, kWidth = 8;

struct MixerCase {
    std::string name;
    std::string type;
    nlohmann::json options;
};

inline std::ostream& operator<<(std::ostream& os, const MixerCase& c) { return os << c.name; }

inline std::shared_ptr<MixerImpl> makeTestMixer(const MixerCase& c) {
    ModelSpec spec;
    spec.dModel = kWidth;
    spec.seqLen = 24;  // S4's kernel length, longer than the input to exercise truncation
    torch::manual_seed(7);
    auto mixer = makeMixer(spec, {c.type, c.options});
    mixer->to(torch::kFloat64);
    // Move every parameter off its structured init so no term is trivially zero or one.
    torch::NoGradGuard noGrad;
    for (auto& p : mixer->parameters()) p.add_(0.05 * torch::randn_like(p));
    mixer->eval();
    return mixer;
}

inline std::vector<MixerCase> mixerCases() {
    std::vector<MixerCase> cases = {
        {"softmax_h2_conv_full", "softmax_attention", {{"num_heads", 2}, {"conv_kernel", 3}}},
        {"gqa_rope_groups", "gqa_attention", {{"num_heads", 4}, {"num_kv_heads", 2}, {"qkv_bias", true}}},
        {"gqa_qknorm_window", "gqa_attention",
         {{"num_heads", 2}, {"head_dim", 6}, {"qk_norm", true}, {"sliding_window", 3}, {"o_bias", true}}},
        {"gqa_norope_mqa", "gqa_attention", {{"num_heads", 2}, {"num_kv_heads", 1}, {"rope_theta", 0.0}}},
        {"gqa_llama3_scaling", "gqa_attention",
         {{"num_heads", 2}, {"rope_theta", 500000.0}, {"rope_llama3_factor", 8.0}, {"rope_llama3_original_positions", 64}}},
        {"softmax_h1_qk12_conv_partial", "softmax_attention",
         {{"num_heads", 1}, {"state_dim", 12}, {"conv_kernel", 4}, {"conv_type", "partial"}}},
        {"linear_h2_qk12", "linear_attention", {{"num_heads", 2}, {"state_dim", 12}}},
        {"linear_h1_conv_partial", "linear_attention", {{"conv_kernel", 2}, {"conv_type", "partial"}}},
        {"norm_uniform_offset_h4_full_conv", "norm_attention",
         {{"num_heads", 4}, {"offset_init", "uniform"}, {"conv_kernel", 4}}},
        {"norm_no_offset_no_scale_partial", "norm_attention",
         {{"num_heads", 2}, {"offset", false}, {"scale_B", false}, {"conv_kernel", 3}, {"conv_type", "partial"}}},
        {"norm_dsf_layout", "norm_attention", {{"num_heads", 2}, {"layout", "dsf"}, {"state_dim", 4}}},
        {"s4", "s4", {{"d_state", 6}}},
        {"lru", "lru", {{"d_state", 5}, {"r_min", 0.5}, {"r_max", 0.95}}},
        {"s6", "s6", {{"d_state", 4}, {"expand", 2}, {"dt_rank", 2}, {"d_conv", 3}}},
        {"s6_falcon", "s6", {{"d_state", 4}, {"expand", 2}, {"dt_rank", 2}, {"d_conv", 3}, {"bcdt_rms_eps", 1e-6}}},
        {"mamba2_gated", "mamba2", {{"d_state", 4}, {"expand", 2}, {"headdim", 4}, {"d_conv", 4}}},
        {"mamba2_groups", "mamba2", {{"d_state", 3}, {"expand", 2}, {"headdim", 4}, {"d_conv", 3}, {"ngroups", 2}}},
        {"mamba2_paper", "mamba2", {{"d_state", 4}, {"expand", 1}, {"num_heads", 2}, {"gated_norm", false}}},
        {"mamba2_no_conv", "mamba2", {{"d_state", 3}, {"expand", 1}, {"headdim", 8}, {"d_conv", 0}}},
        {"mamba2_lti", "mamba2_lti", {{"d_state", 4}, {"expand", 1}, {"num_heads", 2}}},
        {"rglru", "rglru", {{"num_heads", 2}, {"min_rad", 0.5}}},
        {"rglru_wide", "rglru", {{"lru_width", 12}, {"num_heads", 3}, {"conv1d_temporal_width", 2}}},
        {"qlstm_reversed", "qlstm", {{"expansion_factor", 1.5}}},
        {"qlstm_sigmoid", "qlstm", {{"reversed", false}, {"kernel_size", 2}}},
        {"retnet", "retnet", {{"num_heads", 2}}},
        {"retnet_h1", "retnet", {{"num_heads", 1}, {"expand_k", 0.5}, {"expand_v", 1.0}}},
        {"gla", "gla", {{"num_heads", 2}, {"expand_k", 1.0}, {"gate_low_rank_dim", 3}}},
        {"gla_defaults", "gla", {{"num_heads", 2}, {"gate_logit_normalizer", 4.0}}},
        {"deltanet", "deltanet", {{"num_heads", 2}, {"conv_size", 3}}},
        {"deltanet_negative", "deltanet", {{"num_heads", 2}, {"conv_size", 0}, {"allow_neg_eigval", true}}},
        {"gated_deltanet", "gated_deltanet", {{"num_heads", 2}, {"head_dim", 3}, {"expand_v", 1.0}}},
        {"gated_deltanet_negative", "gated_deltanet", {{"num_heads", 1}, {"allow_neg_eigval", true}, {"expand_v", 0.5}}},
    };
    for (const char* fn : {"exp", "elu", "softplus", "sigmoid"})
        for (const char* approx : {"none", "elu"})
            // ν = exp with the default offsets 4..9 drives g = exp(−e^{n+o}) below the float64 range (the
            // reference has the same underflow); without the offset every term stays representable.
            cases.push_back({std::string("norm_") + fn + "_" + approx, "norm_attention",
                             {{"num_heads", 2}, {"norm_fn", fn}, {"approx_fn", approx}, {"offset", std::string(fn) != "exp"}}});
    for (const char* init : {"lin", "inv", "real", "legs"})
        cases.push_back({std::string("s4d_") + init, "s4d", {{"d_state", 6}, {"init", init}}});
    return cases;
}

}  // namespace eigenscope::testing
