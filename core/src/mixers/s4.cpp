#include "mixers/s4.h"

#include "eigenscope/error.h"
#include "mixers/common.h"
#include "mixers/hippo.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> S4Impl::options() {
    return {intOption("d_state", 64, 1, 1024, "state size N per channel"),
            floatOption("dt_min", 1e-3, 1e-6, 10.0, "log_step ~ U(log dt_min, log dt_max)"),
            floatOption("dt_max", 1e-1, 1e-6, 10.0, "upper end of the step init range")};
}

S4Impl::S4Impl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel), dState_(optInt(o, "d_state")), lMax_(spec.seqLen) {
    // HiPPO-LegS DPLR init (models/common.py make_DPLR_HiPPO), the same for every channel.
    const auto hippo = hippoLegsDplr(dState_);
    const auto perChannel = [&](const torch::Tensor& v) { return v.unsqueeze(1).expand({dState_, dModel_}); };
    const auto pairs = [&](const torch::Tensor& c) {
        return torch::view_as_real(perChannel(c).contiguous()).to(torch::kFloat32).contiguous();
    };
    Lambda_re = register_parameter("Lambda_re", torch::full({dState_, dModel_}, -0.5));
    Lambda_im = register_parameter("Lambda_im", perChannel(hippo.omega).to(torch::kFloat32).contiguous());
    P = register_parameter("P", pairs(hippo.P));
    B = register_parameter("B", pairs(hippo.B));
    C = register_parameter("C", torch::randn({dState_, dModel_, 2}) * std::sqrt(0.5));
    D = register_parameter("D", torch::ones({1, dModel_}));
    log_step = register_parameter("log_step", torch::empty({1, dModel_}).uniform_(std::log(optFloat(o, "dt_min")),
                                                                                 std::log(optFloat(o, "dt_max"))));
}

std::string S4Impl::describe() const {
    return "s4 (DPLR, bilinear; d_state " + std::to_string(dState_) + " per channel, l_max " + std::to_string(lMax_) + ")";
}

torch::Tensor S4Impl::lambdaDiag() const {
    return torch::complex(Lambda_re.clamp_max(-1e-4), Lambda_im).transpose(0, 1);
}

torch::Tensor S4Impl::step() const { return log_step.exp().squeeze(0); }

S4Impl::Discrete S4Impl::discretize(bool doublePrecision) const {
    const auto real = doublePrecision ? torch::kFloat64 : Lambda_re.scalar_type();
    const auto p = asComplex(P.to(real)).transpose(0, 1);  // (d, N)
    const auto lambda = torch::complex(Lambda_re.to(real).clamp_max(-1e-4), Lambda_im.to(real)).transpose(0, 1);
    const auto A = torch::diag_embed(lambda) - p.unsqueeze(-1) * p.conj().unsqueeze(-2);
    const auto dt = log_step.to(real).exp().squeeze(0);
    const auto half = (dt / 2).to(A.dtype()).view({dModel_, 1, 1});
    const auto eye = torch::eye(dState_, A.options());
    const auto minus = eye - half * A;
    Discrete out;
    out.Abar = torch::linalg_solve(minus, eye + half * A, true);
    out.Bbar = torch::linalg_solve(minus, asComplex(B.to(real)).transpose(0, 1).unsqueeze(-1), true).squeeze(-1) *
               dt.to(A.dtype()).unsqueeze(-1);
    return out;
}

torch::Tensor S4Impl::kernel(int64_t T) const {
    if (T > lMax_)
        throw Error("s4: the input has T=" + std::to_string(T) + " steps, more than the kernel length seq_len=" +
                    std::to_string(lMax_) + " of this model; raise the model's seq_len");
    const int64_t L = lMax_;
    const auto lambda = lambdaDiag().unsqueeze(-1);                   // (d, N, 1)
    const auto ctype = lambda.scalar_type();
    const auto angles = torch::arange(L, Lambda_re.options()) * (-2.0 * M_PI / double(L));
    const auto omega = torch::polar(torch::ones_like(angles), angles).to(ctype);  // Ω_l = exp(−2πil/L)
    const auto dt = step().to(ctype).view({dModel_, 1, 1});
    // c_l/(g_l − Λ) with g = (2/Δ)(1−Ω)/(1+Ω), c = 2/(1+Ω), written without the pole at Ω = −1.
    const auto r = 1.0 / ((2.0 / dt) * (1.0 - omega) - lambda * (1.0 + omega));  // (d, N, L)
    const auto cTilde = asComplex(C).transpose(0, 1).conj().unsqueeze(-1);         // a = conj(C̃)
    const auto p = asComplex(P).transpose(0, 1).unsqueeze(-1);
    const auto b = asComplex(B).transpose(0, 1).unsqueeze(-1);
    const auto sum = [&](const torch::Tensor& a, const torch::Tensor& bb) { return (a * bb * r).sum(1); };
    const auto s00 = sum(cTilde, b), s01 = sum(cTilde, p), s10 = sum(p.conj(), b), s11 = sum(p.conj(), p);
    const auto onePlus = 1.0 + omega;
    // K̂ = c·(k00 − k01·k10/(1 + k11)) with k_ab = (1+Ω)·s_ab (Woodbury for the rank-one term).
    const auto spectrum = 2.0 * s00 - 2.0 * s01 * onePlus * s10 / (1.0 + onePlus * s11);
    return torch::real(torch::fft::ifft(spectrum, L, -1)).narrow(1, 0, T);
}

torch::Tensor S4Impl::stateEigenvalues() {
    // A dense eigen-solve per channel (d·N³) dominates the trace's cost, and A changes only with Λ and P.
    // It runs on the CPU in double precision whatever the model's device: A = diag(Λ) − PPᴴ is far from normal
    // and single precision moves its eigenvalues enough to shift a few percent of them between |λ| bins
    // (bench/RESULTS.md); one solver also gives every device the same values in the same order.
    std::vector<int64_t> key;
    for (const auto& p : {Lambda_re, Lambda_im, P}) {
        key.push_back(reinterpret_cast<int64_t>(p.data_ptr()));
        key.push_back(int64_t(p._version()));
        key.push_back(int64_t(p.scalar_type()));
    }
    if (key != cachedKey_ || !cachedEig_.defined()) {
        torch::NoGradGuard noGrad;
        const auto p = asComplex(P.to(torch::kCPU, torch::kFloat64)).transpose(0, 1);  // (d, N)
        const auto lambda = torch::complex(Lambda_re.to(torch::kCPU, torch::kFloat64).clamp_max(-1e-4),
                                           Lambda_im.to(torch::kCPU, torch::kFloat64)).transpose(0, 1);
        const auto A = torch::diag_embed(lambda) - p.unsqueeze(-1) * p.conj().unsqueeze(-2);
        const auto mu = torch::linalg_eigvals(A);  // (d, N)
        // LAPACK's order is not a property of A: list each channel's modes by ascending imaginary part.
        cachedEig_ = mu.gather(-1, std::get<1>(torch::imag(mu).sort(-1)));
        cachedKey_ = key;
    }
    return cachedEig_;
}

torch::Tensor S4Impl::transitionEigenvalues() {
    // Ā = (I − hA)⁻¹(I + hA) with h = Δ/2 is a rational function of A, so its eigenvalues are
    // (1 + hμ)/(1 − hμ) for the eigenvalues μ of A (1 − hμ ≠ 0 since Re μ < 0): no solve per step size.
    torch::NoGradGuard noGrad;
    const auto mu = stateEigenvalues().to(log_step.device());
    const auto h = (log_step.to(torch::kFloat64).exp().squeeze(0) / 2).unsqueeze(-1).to(mu.dtype());  // (d, 1)
    return (1.0 + h * mu) / (1.0 - h * mu);
}

dsf::TransitionTrace S4Impl::paperTrace(const torch::Tensor& x) {
    dsf::TransitionTrace trace;
    trace.eig = transitionEigenvalues().to(x.device()).unsqueeze(0).unsqueeze(0).expand({x.size(0), 1, dModel_, dState_})
                    .to(complexTypeOf(x.scalar_type()));
    trace.multiplicity.assign(size_t(dState_), 1);
    trace.timeInvariant = true;
    return trace;
}

torch::Tensor S4Impl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    if (trace) *trace = paperTrace(u);  // input-independent
    const auto K = kernel(u.size(1)).to(u.dtype());
    return fftCausalConv(u, K) + u * D;
}

torch::Tensor S4Impl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Per channel Φ(t, s) = K_{t−s} + δ_ts D: the convolution kernel itself.
    auto lags = kernel(u.size(1)).to(u.dtype()).clone();
    lags.select(1, 0).add_(D.squeeze(0).to(u.dtype()));
    return lagTransferNorms(lags.abs(), u.size(0), sources);
}

dsf::Realization S4Impl::realize(const torch::Tensor& u) {
    const auto ctype = complexTypeOf(u.scalar_type());
    const auto disc = discretize(false);
    // The kernel reads C̃ through the truncated generating function, so the recurrence's output row is
    // C̄ = conj(C̃)(I − Ā^{l_max})⁻¹ (paper-models.md §6.1).
    const auto eye = torch::eye(dState_, disc.Abar.options());
    const auto M = eye - torch::linalg_matrix_power(disc.Abar, lMax_);
    const auto cTilde = asComplex(C).transpose(0, 1).conj();                                    // (d, N)
    const auto cBar = torch::linalg_solve(M.transpose(-1, -2), cTilde.unsqueeze(-1), true).squeeze(-1);  // (d, N)
    dsf::Realization r;  // one head per channel, scalar input and output
    r.diagonal = false;
    r.lambda = disc.Abar.unsqueeze(0).unsqueeze(0).to(ctype);                  // (1, 1, d, N, N)
    r.input = u.unsqueeze(-1).to(ctype);                                      // (B, T, d, 1)
    r.B = disc.Bbar.view({1, 1, dModel_, dState_, 1}).to(ctype);
    r.C = cBar.view({1, 1, dModel_, 1, dState_}).to(ctype);
    r.D = D.view({1, 1, dModel_, 1, 1}).to(ctype);
    r.readout = [](const torch::Tensor& y) { return y.squeeze(-1); };
    return r;
}

}  // namespace eigenscope::mixers
