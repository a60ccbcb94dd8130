#include "mixers/lru.h"

#include "eigenscope/error.h"
#include "mixers/common.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> LruImpl::options() {
    return {intOption("d_state", 64, 1, 4096, "number of complex modes N"),
            floatOption("r_min", 0.9, 0.0, 1.0, "ring init: smallest |λ|"),
            floatOption("r_max", 0.99, 0.0, 1.0, "ring init: largest |λ|"),
            floatOption("max_phase", 6.28, 0.0, 6.2832, "ring init: largest arg λ")};
}

void LruImpl::check(const ModelSpec&, const nlohmann::json& o, const std::string& where) {
    if (optFloat(o, "r_min") > optFloat(o, "r_max")) throw Error(where + ".r_min: larger than r_max");
    if (optFloat(o, "r_max") >= 1.0) throw Error(where + ".r_max: must be below 1 (γ = √(1−|λ|²) vanishes)");
}

LruImpl::LruImpl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel), dState_(optInt(o, "d_state")), rMin_(optFloat(o, "r_min")), rMax_(optFloat(o, "r_max")) {
    // Ring init uniform by area (minimal-LRU lru/model.py): |λ|² ~ U(r_min², r_max²), arg λ ~ U(0, max_phase).
    const auto u1 = torch::rand({dState_}, torch::kFloat64), u2 = torch::rand({dState_}, torch::kFloat64);
    const auto nu = (-0.5 * (u1 * (rMax_ * rMax_ - rMin_ * rMin_) + rMin_ * rMin_).log()).log();
    const auto theta = (optFloat(o, "max_phase") * u2).log();
    const auto modulus = (-nu.exp()).exp();
    nu_log = register_parameter("nu_log", nu.to(torch::kFloat32));
    theta_log = register_parameter("theta_log", theta.to(torch::kFloat32));
    gamma_log = register_parameter("gamma_log", (1.0 - modulus.pow(2)).sqrt().log().to(torch::kFloat32));
    B_re = register_parameter("B_re", torch::randn({dState_, dModel_}) / std::sqrt(2.0 * dModel_));
    B_im = register_parameter("B_im", torch::randn({dState_, dModel_}) / std::sqrt(2.0 * dModel_));
    C_re = register_parameter("C_re", torch::randn({dModel_, dState_}) / std::sqrt(double(dState_)));
    C_im = register_parameter("C_im", torch::randn({dModel_, dState_}) / std::sqrt(double(dState_)));
    D = register_parameter("D", torch::randn({dModel_}));
}

std::string LruImpl::describe() const {
    return "lru (" + std::to_string(dState_) + " complex modes, ring init [" + std::to_string(rMin_).substr(0, 5) +
           ", " + std::to_string(rMax_).substr(0, 5) + "])";
}

torch::Tensor LruImpl::lambda() const { return torch::polar((-nu_log.exp()).exp(), theta_log.exp()); }

torch::Tensor LruImpl::inputMatrix() const {
    return torch::complex(B_re, B_im) * gamma_log.exp().unsqueeze(-1);
}

dsf::TransitionTrace LruImpl::paperTrace(const torch::Tensor& x) {
    dsf::TransitionTrace trace;
    trace.eig = lambda().view({1, 1, 1, dState_}).expand({x.size(0), 1, 1, dState_}).to(complexTypeOf(x.scalar_type()));
    trace.multiplicity.assign(size_t(dState_), 1);
    trace.timeInvariant = true;
    return trace;
}

torch::Tensor LruImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    if (trace) *trace = paperTrace(u);
    const auto lam = lambda();
    // B̄u and Re(C h) as real GEMMs: the input is real and only the output's real part is kept.
    const auto inputT = inputMatrix().t();
    const auto driven = torch::complex(torch::matmul(u, torch::real(inputT)), torch::matmul(u, torch::imag(inputT)));
    const auto lags = torch::arange(u.size(1), u.options()).to(lam.dtype());
    const auto h = fftCausalConv(driven, (lam.log().unsqueeze(-1) * lags).exp());               // λ^k per mode
    return torch::matmul(torch::real(h), C_re.t()) - torch::matmul(torch::imag(h), C_im.t()) + u * D;
}

torch::Tensor LruImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // One MIMO head: Φ(t, s) = Re(C diag(λ^{t−s}) B̄) + δ_ts diag(D), a d × d matrix per lag.
    const int64_t T = u.size(1);
    const auto lam = lambda();
    const auto powers = (lam.log().unsqueeze(0) * torch::arange(T, u.options()).to(lam.dtype()).unsqueeze(1)).exp();
    auto phi = torch::real(torch::matmul(torch::complex(C_re, C_im).unsqueeze(0) * powers.unsqueeze(1),
                                         inputMatrix().unsqueeze(0)));  // (T, d, d)
    phi.select(0, 0).add_(torch::diag(D));
    return lagTransferNorms(phi.pow(2).sum({1, 2}).sqrt().unsqueeze(0).to(u.dtype()), u.size(0), sources);
}

dsf::Realization LruImpl::realize(const torch::Tensor& u) {
    const auto ctype = complexTypeOf(u.scalar_type());
    dsf::Realization r;  // a single MIMO head
    r.lambda = lambda().view({1, 1, 1, dState_}).to(ctype);
    r.input = u.unsqueeze(2).to(ctype);
    r.B = inputMatrix().view({1, 1, 1, dState_, dModel_}).to(ctype);
    r.C = torch::complex(C_re, C_im).view({1, 1, 1, dModel_, dState_}).to(ctype);
    r.D = torch::diag(D).view({1, 1, 1, dModel_, dModel_}).to(ctype);
    r.readout = [](const torch::Tensor& y) { return y.squeeze(2); };
    return r;
}

}  // namespace eigenscope::mixers
