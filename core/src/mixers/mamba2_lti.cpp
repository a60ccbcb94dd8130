#include "mixers/mamba2_lti.h"

#include "eigenscope/error.h"
#include "mixers/common.h"

namespace eigenscope::mixers {

std::vector<OptionSpec> Mamba2LtiImpl::options() {
    auto o = ssdSizeOptions();
    o.push_back(floatOption("A_init_min", -8.0, -1e6, 1e6, "pre-softplus A ~ U(A_init_min, A_init_max)"));
    o.push_back(floatOption("A_init_max", -2.0, -1e6, 1e6, "upper end of the pre-softplus A init range"));
    return o;
}

void Mamba2LtiImpl::check(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    checkSsdSizes(spec, o, where);
    const int64_t heads = ssdHeads(spec, o);
    if (optInt(o, "d_state") % heads != 0)
        throw Error(where + ".d_state: " + std::to_string(optInt(o, "d_state")) + " is not divisible by the " +
                    std::to_string(heads) + " heads (B̃ is cut into one chunk per head)");
    if (optFloat(o, "A_init_min") > optFloat(o, "A_init_max"))
        throw Error(where + ".A_init_min: larger than A_init_max");
}

Mamba2LtiImpl::Mamba2LtiImpl(const ModelSpec& spec, const nlohmann::json& o) : SsdBaseImpl(spec, o, false, true) {
    A = register_parameter("A", torch::empty({nheads_}).uniform_(optFloat(o, "A_init_min"), optFloat(o, "A_init_max")));
    beta = register_buffer("beta", torch::ones({nheads_}));
}

torch::Tensor Mamba2LtiImpl::logLambda() const { return -torch::softplus(A) * beta; }

torch::Tensor Mamba2LtiImpl::scaledB(const Streams& s) const {
    const auto delta = torch::softplus(s.dtRaw + dt_bias);                        // (B, T, H)
    return s.B * delta.repeat_interleave(dState_ / nheads_, 2);
}

torch::Tensor Mamba2LtiImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    const auto logLam = logLambda();
    if (trace) {
        trace->eig = logLam.exp().view({1, 1, nheads_, 1}).expand({u.size(0), 1, nheads_, 1})
                         .to(complexTypeOf(u.scalar_type()));
        trace->multiplicity = {headdim_ * dState_};
        trace->timeInvariant = true;
        trace->firstStep = 0;
    }
    const auto q = s.C.unsqueeze(1).expand({u.size(0), nheads_, u.size(1), dState_});
    const auto k = scaledB(s).unsqueeze(1).expand_as(q);
    const auto logDecay = logLam.view({1, nheads_, 1}).expand({u.size(0), nheads_, u.size(1)});
    auto y = chunkedDecayAttention(q, k, s.x * beta.view({1, nheads_, 1, 1}), logDecay);
    y = y + s.x * D.view({1, nheads_, 1, 1});
    return readout(y, s.z);
}

dsf::TransitionTrace Mamba2LtiImpl::paperTrace(const torch::Tensor& x) {
    // analysis/eval_eig.py get_eig_mamba2_LTI: the constant λ repeated at every step.
    dsf::TransitionTrace trace;
    trace.eig = logLambda().exp().view({1, 1, nheads_, 1}).expand({x.size(0), x.size(1), nheads_, 1})
                    .to(complexTypeOf(x.scalar_type()));
    trace.multiplicity = {headdim_ * dState_};
    return trace;
}

torch::Tensor Mamba2LtiImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    const auto s = project(u);
    const auto shape = std::vector<int64_t>{u.size(0), nheads_, u.size(1)};
    return scanTransferNorms(s, logLambda().view({1, nheads_, 1}).expand(shape), scaledB(s).unsqueeze(1),
                             beta.view({1, nheads_, 1}).expand(shape), sources);
}

dsf::Realization Mamba2LtiImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const auto lambda = logLambda().exp().view({1, 1, nheads_});
    const auto scale = beta.view({1, nheads_, 1}).expand({u.size(0), nheads_, u.size(1)});
    return realizeScan(s, lambda, scale, scaledB(s).unsqueeze(1));
}

}  // namespace eigenscope::mixers
