#include "mixers/s4d.h"

#include "eigenscope/error.h"
#include "mixers/common.h"
#include "mixers/hippo.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> S4dImpl::options() {
    return {intOption("d_state", 64, 2, 1024, "state size N per channel (N/2 conjugate pairs)"),
            choiceOption("init", "lin", {"lin", "inv", "real", "legs"}, "S4D-Lin, S4D-Inv, S4D-Real, HiPPO-LegS"),
            floatOption("dt_min", 1e-3, 1e-6, 10.0, "log_dt ~ U(log dt_min, log dt_max)"),
            floatOption("dt_max", 1e-1, 1e-6, 10.0, "upper end of the step init range")};
}

void S4dImpl::check(const ModelSpec&, const nlohmann::json& o, const std::string& where) {
    if (optInt(o, "d_state") % 2 != 0)
        throw Error(where + ".d_state: " + std::to_string(optInt(o, "d_state")) + " must be even (conjugate pairs)");
}

S4dImpl::S4dImpl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel), dState_(optInt(o, "d_state")), init_(optString(o, "init")) {
    const int64_t half = dState_ / 2;
    const auto n = torch::arange(half, torch::kFloat64);
    // Inits of state-spaces/s4 src/models/sequence/kernels/dplr.py, A = −real + i·imag.
    torch::Tensor real = torch::full({half}, 0.5, torch::kFloat64), imag;
    if (init_ == "lin") {
        imag = M_PI * n;
    } else if (init_ == "inv") {
        imag = (double(dState_) / M_PI) * (double(dState_) / (2.0 * n + 1.0) - 1.0);
    } else if (init_ == "real") {
        real = n + 1.0;
        imag = torch::zeros({half}, torch::kFloat64);
    } else {  // legs: the normal part of HiPPO-LegS, one member (Im > 0) of each conjugate pair
        imag = std::get<0>(hippoLegsDplr(dState_).omega.sort(0, true)).narrow(0, 0, half);
    }
    kernelModule = register_module("kernel", std::make_shared<torch::nn::Module>());
    log_dt = kernelModule->register_parameter(
        "log_dt", torch::empty({dModel_}).uniform_(std::log(optFloat(o, "dt_min")), std::log(optFloat(o, "dt_max"))));
    C = kernelModule->register_parameter("C", torch::randn({dModel_, half, 2}) * std::sqrt(0.5));
    log_A_real = kernelModule->register_parameter("log_A_real", real.log().repeat({dModel_, 1}).to(torch::kFloat32));
    A_imag = kernelModule->register_parameter("A_imag", imag.repeat({dModel_, 1}).to(torch::kFloat32));
    D = register_parameter("D", torch::randn({dModel_}));
}

std::string S4dImpl::describe() const {
    return "s4d (ZOH, init " + init_ + ", d_state " + std::to_string(dState_) + " per channel)";
}

torch::Tensor S4dImpl::continuousA() const { return torch::complex(-log_A_real.exp(), A_imag); }

torch::Tensor S4dImpl::dtA() const { return continuousA() * log_dt.exp().unsqueeze(-1); }

dsf::TransitionTrace S4dImpl::paperTrace(const torch::Tensor& x) {
    const auto lambda = dtA().exp();
    dsf::TransitionTrace trace;
    trace.eig = torch::cat({lambda, lambda.conj()}, 1).unsqueeze(0).unsqueeze(0)
                    .expand({x.size(0), 1, dModel_, dState_}).to(complexTypeOf(x.scalar_type()));
    trace.multiplicity.assign(size_t(dState_), 1);
    trace.timeInvariant = true;
    return trace;
}

torch::Tensor S4dImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    if (trace) *trace = paperTrace(u);
    return fftCausalConv(u, kernel(u.size(1)).to(u.dtype())) + u * D;
}

torch::Tensor S4dImpl::kernel(int64_t T) const {
    const auto a = dtA();
    const auto weights = asComplex(C) * (a.exp() - 1.0) / continuousA();  // C·B̄, (d, N/2)
    const auto powers = (a.unsqueeze(-1) * torch::arange(T, log_dt.options()).to(a.dtype())).exp();
    return 2.0 * torch::real((weights.unsqueeze(-1) * powers).sum(1));    // (d, T)
}

torch::Tensor S4dImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    auto lags = kernel(u.size(1)).to(u.dtype()).clone();
    lags.select(1, 0).add_(D.to(u.dtype()));
    return lagTransferNorms(lags.abs(), u.size(0), sources);
}

dsf::Realization S4dImpl::realize(const torch::Tensor& u) {
    const auto ctype = complexTypeOf(u.scalar_type());
    const auto lambda = dtA().exp();
    const auto bBar = (lambda - 1.0) / continuousA();
    const auto c = asComplex(C);
    dsf::Realization r;  // one head per channel; states λ and conj(λ): 2·Re(z) = z + conj(z)
    r.lambda = torch::cat({lambda, lambda.conj()}, 1).view({1, 1, dModel_, dState_}).to(ctype);
    r.input = u.unsqueeze(-1).to(ctype);
    r.B = torch::cat({bBar, bBar.conj()}, 1).view({1, 1, dModel_, dState_, 1}).to(ctype);
    r.C = torch::cat({c, c.conj()}, 1).view({1, 1, dModel_, 1, dState_}).to(ctype);
    r.D = D.view({1, 1, dModel_, 1, 1}).to(ctype);
    r.readout = [](const torch::Tensor& y) { return y.squeeze(-1); };
    return r;
}

}  // namespace eigenscope::mixers
