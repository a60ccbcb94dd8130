#include "mixers/registry.h"

#include "eigenscope/error.h"
#include "eigenscope/mixers.h"
#include "mixers/delta_net.h"
#include "mixers/gla.h"
#include "mixers/gqa_attention.h"
#include "mixers/linear_attention.h"
#include "mixers/lru.h"
#include "mixers/mamba2.h"
#include "mixers/mamba2_lti.h"
#include "mixers/norm_attention.h"
#include "mixers/qlstm.h"
#include "mixers/retnet.h"
#include "mixers/rglru.h"
#include "mixers/s4.h"
#include "mixers/s4d.h"
#include "mixers/s6.h"
#include "mixers/softmax_attention.h"

namespace eigenscope {

namespace {

using CheckFn = std::function<void(const ModelSpec&, const nlohmann::json&, const std::string&)>;

template <typename Mixer>
MixerEntry entry(std::string key, std::string summary, CheckFn check) {
    return {std::move(key), std::move(summary), &Mixer::options, std::move(check),
            [](const ModelSpec& spec, const nlohmann::json& options) -> std::shared_ptr<MixerImpl> {
                return std::make_shared<Mixer>(spec, options);
            }};
}

std::vector<MixerEntry> buildRegistry() {
    using namespace mixers;
    return {
        entry<SoftmaxAttentionImpl>("softmax_attention", "causal softmax attention; λ_t = η_{t-1}/η_t",
                                    checkAttentionSizes),
        entry<GqaAttentionImpl>("gqa_attention",
                                "causal softmax attention, Hugging Face layout (GQA, RoPE, q/k norm, window); "
                                "λ_t = η_{t-1}/η_t",
                                &GqaAttentionImpl::check),
        entry<LinearAttentionImpl>("linear_attention", "linear attention with φ = elu+1; λ_t = η_{t-1}/η_t",
                                   checkAttentionSizes),
        entry<NormAttentionImpl>("norm_attention", "normalized attention; λ_t = g_t/g_{t-1}", &NormAttentionImpl::check),
        entry<S4Impl>("s4", "S4 DPLR, bilinear, HiPPO-LegS; λ = eig(Ā), time-invariant", &S4Impl::check),
        entry<S4dImpl>("s4d", "S4D diagonal, ZOH; λ = exp(ΔA), time-invariant", &S4dImpl::check),
        entry<LruImpl>("lru", "Linear Recurrent Unit; λ = exp(−e^ν + i·e^θ), time-invariant", &LruImpl::check),
        entry<S6Impl>("s6", "Mamba-1 selective SSM; λ = exp(Δ_{t,c} A_{c,n})", &S6Impl::check),
        entry<Mamba2Impl>("mamba2", "Mamba-2 SSD, one A per head; λ = exp(Δ_{t,h} A_h)", &Mamba2Impl::check),
        entry<Mamba2LtiImpl>("mamba2_lti", "pseudo-LTI SSD ablation; λ = exp(−softplus(A_h))", &Mamba2LtiImpl::check),
        entry<RgLruImpl>("rglru", "Griffin/Hawk real-gated LRU; λ = exp(−8 r_t softplus(a_param))", &RgLruImpl::check),
        entry<QLstmImpl>("qlstm", "quasi-LSTM; λ = σ(f_t) or exp(−relu(a) softplus(f_t))", &QLstmImpl::check),
        entry<RetNetImpl>("retnet", "multi-scale retention; λ = γ_h = 1 − 2^(−5−h), time-invariant", &RetNetImpl::check),
        entry<GlaImpl>("gla", "gated linear attention; λ = σ(g_t)^(1/16) per key channel", &GlaImpl::check),
        entry<DeltaNetImpl>("deltanet", "DeltaNet; Λ_t = I − β_t k kᵀ: eigenvalues 1 and 1 − β_t", checkDeltaRule),
        entry<GatedDeltaNetImpl>("gated_deltanet", "Gated DeltaNet; Λ_t = α_t(I − β_t k kᵀ): α_t and α_t(1 − β_t)",
                                 checkDeltaRule),
    };
}

}  // namespace

const std::vector<MixerEntry>& mixerRegistry() {
    static const std::vector<MixerEntry> registry = buildRegistry();
    return registry;
}

const MixerEntry& findMixer(const std::string& key, const std::string& where) {
    std::string known;
    for (const auto& e : mixerRegistry()) {
        if (e.key == key) return e;
        known += (known.empty() ? "" : ", ") + e.key;
    }
    throw Error(where + ": unknown mixer \"" + key + "\" (known: " + known + ")");
}

std::shared_ptr<MixerImpl> makeMixer(const ModelSpec& spec, const MixerSpec& mixer) {
    const MixerEntry& e = findMixer(mixer.type, "mixer.type");
    const auto options = resolveOptions(e.options(), mixer.options, "mixer.options");
    e.check(spec, options, "mixer.options");
    return e.make(spec, options);
}

std::vector<MixerDescription> listMixers() {
    std::vector<MixerDescription> out;
    for (const auto& e : mixerRegistry()) out.push_back({e.key, e.summary, e.options()});
    return out;
}

}  // namespace eigenscope
