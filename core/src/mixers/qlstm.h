// Quasi-LSTM of the DSF paper (IntelligentControlSystems/dsf-mqar zoology/mixers/lstm.py): gates from the
// (convolved) input only and no tanh on the state, so per channel h_t = α_t h_{t-1} + σ(i_t) x_t and
// y = output(GELU(gate) · σ(o_t) h_t). α_t = σ(f_t), or "reversed" σ(−f_t)^{relu(a)} = exp(−relu(a)·softplus(f_t)).
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class QLstmImpl : public MixerImpl {
public:
    QLstmImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec&, const nlohmann::json&, const std::string&) {}

    dsf::Realization realize(const torch::Tensor& u) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    struct Streams {
        torch::Tensor gate;      // (B, T, hidden): the GELU output gate
        torch::Tensor x;         // (B, T, hidden) after the conv
        torch::Tensor logAlpha;  // (B, T, hidden)
        torch::Tensor inGate, outGate;  // σ(i), σ(o): (B, T, hidden)
    };
    Streams project(const torch::Tensor& u);

    int64_t dModel_, hidden_;
    bool reversed_;
    torch::nn::Linear input{nullptr}, gates{nullptr}, output{nullptr};
    torch::nn::Conv1d conv{nullptr};
    torch::Tensor alpha;
};

}  // namespace eigenscope::mixers
