#include "mixers/qlstm.h"

#include "mixers/common.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> QLstmImpl::options() {
    return {floatOption("expansion_factor", 2.0, 0.25, 8.0, "hidden width = expansion_factor·d_model"),
            intOption("kernel_size", 4, 1, 64, "causal depthwise conv on the input branch"),
            boolOption("reversed", true, "α = exp(−relu(a)·softplus(f)) (the DSF proposal) instead of σ(f)")};
}

QLstmImpl::QLstmImpl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel),
      hidden_(int64_t(double(spec.dModel) * optFloat(o, "expansion_factor"))),
      reversed_(optBool(o, "reversed")) {
    using torch::nn::Linear, torch::nn::LinearOptions;
    input = register_module("input", Linear(LinearOptions(dModel_, 2 * hidden_).bias(false)));
    conv = register_module("conv", makeCausalConv(hidden_, optInt(o, "kernel_size")));
    gates = register_module("gates", Linear(hidden_, 3 * hidden_));
    output = register_module("output", Linear(LinearOptions(hidden_, dModel_).bias(false)));
    alpha = register_parameter("alpha", torch::ones({}));
    // lstm.py: input ~ N(0, 1/d), gates and output ~ N(0, 1/hidden).
    torch::NoGradGuard noGrad;
    input->weight.normal_(0.0, 1.0 / std::sqrt(double(dModel_)));
    gates->weight.normal_(0.0, 1.0 / std::sqrt(double(hidden_)));
    output->weight.normal_(0.0, 1.0 / std::sqrt(double(hidden_)));
}

std::string QLstmImpl::describe() const {
    return "qlstm (hidden " + std::to_string(hidden_) + (reversed_ ? ", reversed forget gate)" : ", σ forget gate)");
}

QLstmImpl::Streams QLstmImpl::project(const torch::Tensor& u) {
    const auto projected = input->forward(u);  // [gate | x]
    Streams s;
    s.gate = torch::gelu(projected.narrow(2, 0, hidden_));
    s.x = causalConv(conv, projected.narrow(2, hidden_, hidden_));
    const auto fio = gates->forward(s.x);  // [forget | input | output]
    const auto forget = fio.narrow(2, 0, hidden_);
    s.logAlpha = reversed_ ? -torch::relu(alpha) * torch::softplus(forget) : torch::log_sigmoid(forget);
    s.inGate = torch::sigmoid(fio.narrow(2, hidden_, hidden_));
    s.outGate = torch::sigmoid(fio.narrow(2, 2 * hidden_, hidden_));
    return s;
}

torch::Tensor QLstmImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    if (trace) {
        trace->eig = s.logAlpha.exp().unsqueeze(-1).to(complexTypeOf(u.scalar_type()));  // (B, T, hidden, 1)
        trace->multiplicity = {1};
        trace->timeInvariant = false;
        trace->firstStep = 0;
    }
    return output->forward(s.gate * s.outGate * channelScan(s.logAlpha, s.inGate * s.x));
}

dsf::Realization QLstmImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const auto ctype = complexTypeOf(u.scalar_type());
    dsf::Realization r;  // one head per hidden channel, a scalar state each
    r.lambda = s.logAlpha.exp().unsqueeze(-1).to(ctype);
    r.input = s.x.unsqueeze(-1).to(ctype);
    r.B = s.inGate.unsqueeze(-1).unsqueeze(-1).to(ctype);
    r.C = s.outGate.unsqueeze(-1).unsqueeze(-1).to(ctype);
    r.D = torch::zeros({1, 1, 1, 1, 1}, u.options().dtype(ctype));
    const auto gate = s.gate;
    r.readout = [this, gate](const torch::Tensor& y) { return output->forward(gate * y.squeeze(-1)); };
    return r;
}

torch::Tensor QLstmImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Per channel Φ(t, s) = σ(o_t) exp(Σ_{j=s+1..t} log α_j) σ(i_s).
    const auto s = project(u);
    return channelTransferNorms(s.logAlpha, s.inGate, s.outGate, sources);
}

}  // namespace eigenscope::mixers
