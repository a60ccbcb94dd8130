// Mamba-2 SSD (mamba_ssm modules/mamba2.py; the paper's models/mamba.py SSD): per head h,
// H_t = exp(Δ_{t,h} A_h) H_{t-1} + Δ_{t,h} x_t B_tᵀ, y_t = H_t C_t + D_h x_t, with conv + SiLU on [x | B | C].
// `gated_norm` adds mamba_ssm's z branch and gated RMSNorm; the paper's SSD has neither. With `ngroups` G, B and C
// are G blocks of N (head h reads block h / (H/G)) and the gated RMSNorm normalizes groups of d_inner/G channels
// (mamba_ssm's RMSNormGated with group_size).
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

// What Mamba-2 and its pseudo-LTI ablation share: in_proj → [z | x | B | C | dt], the causal conv on xBC,
// the chunked scan, the D skip, the optional gated RMSNorm and out_proj, in G groups of B and C.
class SsdBaseImpl : public MixerImpl {
protected:
    SsdBaseImpl(const ModelSpec& spec, const nlohmann::json& options, bool gated, bool scalarDt, int64_t groups = 1);

    struct Streams {
        torch::Tensor z;      // (B, T, d_inner) when gated
        torch::Tensor x;      // (B, H, T, P)
        torch::Tensor B, C;   // (B, T, G·N)
        torch::Tensor dtRaw;  // (B, T, nheads) or (B, T, 1)
    };
    Streams project(const torch::Tensor& u);
    // (B, T, G·N) → (B, H, T, N): each head's block of its group.
    torch::Tensor perHead(const torch::Tensor& grouped) const;
    // y: (B, H, T, P) → (B, T, d_model) through the gated norm (when present) and out_proj.
    torch::Tensor readout(const torch::Tensor& y, const torch::Tensor& z);
    // The realization of y_t = Σ_j exp(Σ decay) (C_t·Bin_j)(scale_j x_j) + D x_t per head, state P·N.
    // lambda: (B|1, T|1, H); inputScale: (B, H, T); Bin: (B, H|1, T, N).
    dsf::Realization realizeScan(const Streams& s, const torch::Tensor& lambda, const torch::Tensor& inputScale,
                                 const torch::Tensor& Bin);
    // ‖Φ(t, s)‖ per head: Φ(t, s) = exp(cum_t − cum_s)(C_t·Bin_s) scale_s·I_P + δ_ts D_h·I_P, with cum the
    // cumulative log decay (B, H, T), Bin (B, H|1, T, N), scale (B, H, T).
    torch::Tensor scanTransferNorms(const Streams& s, const torch::Tensor& logDecay, const torch::Tensor& Bin,
                                    const torch::Tensor& scale, const std::vector<int64_t>& sources);
    // The dt columns of in_proj(x) without the conv: what analysis/eval_eig.py reads.
    torch::Tensor rawDtWithoutConv(const torch::Tensor& x);
    std::string shape() const;

    int64_t dModel_, dInner_, nheads_, headdim_, dState_, convKernel_, groups_;
    bool gated_;
    double normEps_;  // of the gated RMSNorm
    torch::nn::Linear in_proj{nullptr}, out_proj{nullptr};
    torch::nn::Conv1d conv1d{nullptr};
    std::shared_ptr<torch::nn::Module> norm;
    torch::Tensor dt_bias, D, normWeight;
};

std::vector<OptionSpec> ssdSizeOptions();
void checkSsdSizes(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);
// The number of heads the size options give (d_inner / head width).
int64_t ssdHeads(const ModelSpec& spec, const nlohmann::json& options);

class Mamba2Impl : public SsdBaseImpl {
public:
    Mamba2Impl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override { return "mamba2 (" + shape() + ")"; }

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    torch::Tensor dt(const Streams& s) const;  // Δ (B, T, H)
    torch::Tensor A_log;
};

}  // namespace eigenscope::mixers
