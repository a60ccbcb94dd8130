#include "mixers/s6.h"

#include "eigenscope/error.h"
#include "mixers/common.h"
#include "mixers/selective_scan.h"

#include <cmath>

namespace eigenscope::mixers {

namespace {

int64_t dtRankOf(int64_t dModel, const nlohmann::json& o) {
    return optInt(o, "dt_rank") > 0 ? optInt(o, "dt_rank") : (dModel + 15) / 16;  // "auto" = ceil(d/16)
}

}  // namespace

std::vector<OptionSpec> S6Impl::options() {
    return {intOption("d_state", 16, 1, 1024, "state size N per channel"),
            intOption("expand", 2, 1, 8, "d_inner = expand·d_model"),
            intOption("d_conv", 4, 1, 64, "causal conv kernel on x"),
            intOption("dt_rank", 0, 0, 4096, "rank of the Δ projection (0: ceil(d_model/16))"),
            floatOption("dt_min", 1e-3, 1e-6, 10.0, "dt init range lower end (log-uniform)"),
            floatOption("dt_max", 1e-1, 1e-6, 10.0, "dt init range upper end"),
            floatOption("dt_init_floor", 1e-4, 0.0, 1.0, "dt init floor"),
            floatOption("dt_scale", 1.0, 0.0, 100.0, "scale of the dt_proj weight init"),
            floatOption("bcdt_rms_eps", 0.0, 0.0, 1.0,
                        "Falcon-Mamba: ε of a weightless RMS norm on B, C and Δ's low-rank input (0: none)")};
}

void S6Impl::check(const ModelSpec&, const nlohmann::json& o, const std::string& where) {
    if (optFloat(o, "dt_min") > optFloat(o, "dt_max")) throw Error(where + ".dt_min: larger than dt_max");
}

S6Impl::S6Impl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel),
      dInner_(optInt(o, "expand") * spec.dModel),
      dState_(optInt(o, "d_state")),
      dtRank_(dtRankOf(spec.dModel, o)),
      convKernel_(optInt(o, "d_conv")),
      bcdtRmsEps_(optFloat(o, "bcdt_rms_eps")) {
    using torch::nn::Linear, torch::nn::LinearOptions;
    in_proj = register_module("in_proj", Linear(LinearOptions(dModel_, 2 * dInner_).bias(false)));
    conv1d = register_module("conv1d", makeCausalConv(dInner_, convKernel_));
    x_proj = register_module("x_proj", Linear(LinearOptions(dInner_, dtRank_ + 2 * dState_).bias(false)));
    dt_proj = register_module("dt_proj", Linear(dtRank_, dInner_));
    {
        // mamba_simple.py: dt_proj.weight ~ U(±dt_scale/√dt_rank); bias = softplus⁻¹(log-uniform dt).
        torch::NoGradGuard noGrad;
        const double bound = optFloat(o, "dt_scale") / std::sqrt(double(dtRank_));
        dt_proj->weight.uniform_(-bound, bound);
        dt_proj->bias.copy_(inverseSoftplus(sampleLogUniformDt(dInner_, optFloat(o, "dt_min"), optFloat(o, "dt_max"),
                                                                optFloat(o, "dt_init_floor"))));
    }
    // S4D-Real init: A[c, n] = −(n + 1).
    A_log = register_parameter(
        "A_log", torch::arange(1, dState_ + 1, torch::kFloat32).log().repeat({dInner_, 1}).contiguous());
    D = register_parameter("D", torch::ones({dInner_}));
    out_proj = register_module("out_proj", Linear(LinearOptions(dInner_, dModel_).bias(false)));
}

std::string S6Impl::describe() const {
    return "s6 (d_inner " + std::to_string(dInner_) + ", d_state " + std::to_string(dState_) + ", dt_rank " +
           std::to_string(dtRank_) + ", conv " + std::to_string(convKernel_) +
           (bcdtRmsEps_ > 0 ? ", RMS-normed B, C, Δ" : "") + ")";
}

torch::Tensor S6Impl::A() const { return -A_log.exp(); }

S6Impl::Streams S6Impl::project(const torch::Tensor& u, bool convolve) {
    const auto xz = in_proj->forward(u);
    Streams s;
    s.x = convolve ? torch::silu(causalConv(conv1d, xz.narrow(2, 0, dInner_))) : xz.narrow(2, 0, dInner_);
    s.z = xz.narrow(2, dInner_, dInner_);
    const auto xdbl = x_proj->forward(s.x);  // [dt (rank) | B (N) | C (N)]
    const auto normed = [this](const torch::Tensor& t) {
        return bcdtRmsEps_ > 0 ? t * (t.pow(2).mean(-1, true) + bcdtRmsEps_).rsqrt() : t;
    };
    s.delta = torch::softplus(dt_proj->forward(normed(xdbl.narrow(2, 0, dtRank_))));
    s.B = normed(xdbl.narrow(2, dtRank_, dState_));
    s.C = normed(xdbl.narrow(2, dtRank_ + dState_, dState_));
    return s;
}

torch::Tensor S6Impl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    const auto a = A();
    torch::Tensor decay;  // exp(ΔA), (B, T, D, N): built once when a trace needs it, and then read by the scan
    if (trace) {
        decay = (s.delta.unsqueeze(-1) * a).exp();
        trace->eig = decay.to(complexTypeOf(u.scalar_type()));
        trace->multiplicity.assign(size_t(dState_), 1);
        trace->timeInvariant = false;
        trace->firstStep = 0;
    }
    const auto y = selectiveScan(s.delta, a, s.x, s.B, s.C, decay) + s.x * D;
    return out_proj->forward(y * torch::silu(s.z));
}

dsf::TransitionTrace S6Impl::paperTrace(const torch::Tensor& x) {
    // Not in the reference analysis (it has no S6); by analogy with its Mamba-2 code: Δ from the block
    // output, without the conv.
    dsf::TransitionTrace trace;
    trace.eig = (project(x, false).delta.unsqueeze(-1) * A()).exp().to(complexTypeOf(x.scalar_type()));
    trace.multiplicity.assign(size_t(dState_), 1);
    return trace;
}

torch::Tensor S6Impl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Per channel c: Φ(t, s) = Σ_n exp(A_{c,n} Σ_{j=s+1..t} Δ_{j,c}) C_t[n] B_s[n] Δ_{s,c} + δ_ts D_c.
    const auto s = project(u);
    const int64_t T = u.size(1);
    const auto a = A();
    const auto cumDelta = s.delta.cumsum(1);  // (B, T, D)
    auto out = torch::zeros({u.size(0), dInner_, int64_t(sources.size()), T}, u.options());
    checkSources(sources, T);
    for (size_t i = 0; i < sources.size(); ++i) {
        const int64_t src = sources[i];
        const int64_t len = T - src;
        const auto elapsed = cumDelta.narrow(1, src, len) - cumDelta.select(1, src).unsqueeze(1);  // (B, len, D)
        const auto decay = (elapsed.unsqueeze(-1) * a).exp();                                       // (B, len, D, N)
        const auto inject = s.B.select(1, src).unsqueeze(1) * s.delta.select(1, src).unsqueeze(-1);  // (B, D, N)
        auto phi = (decay * inject.unsqueeze(1) * s.C.narrow(1, src, len).unsqueeze(2)).sum(-1);     // (B, len, D)
        phi.select(1, 0).add_(D);
        out.select(2, int64_t(i)).narrow(2, src, len).copy_(phi.abs().transpose(1, 2));
    }
    return out;
}

dsf::Realization S6Impl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const auto ctype = complexTypeOf(u.scalar_type());
    const int64_t batch = u.size(0), T = u.size(1);
    dsf::Realization r;  // one head per channel: state N, scalar input x_c and output y_c
    r.lambda = (s.delta.unsqueeze(-1) * A()).exp().to(ctype);                                     // (B, T, D, N)
    r.input = s.x.unsqueeze(-1).to(ctype);                                                        // (B, T, D, 1)
    r.B = (s.delta.unsqueeze(-1) * s.B.unsqueeze(2)).unsqueeze(-1).to(ctype);                     // (B, T, D, N, 1)
    r.C = s.C.unsqueeze(2).unsqueeze(3).expand({batch, T, dInner_, 1, dState_}).to(ctype);       // (B, T, D, 1, N)
    r.D = D.view({1, 1, dInner_, 1, 1}).to(ctype);
    const auto z = s.z;
    r.readout = [this, z](const torch::Tensor& y) { return out_proj->forward(y.squeeze(-1) * torch::silu(z)); };
    return r;
}

}  // namespace eigenscope::mixers
