#include "spectra/influence.h"

namespace eigenscope::spectra {

torch::Tensor influenceMap(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& u,
                           int64_t probes, uint64_t seed) {
    const int64_t T = u.size(0);
    // Copy t of the batch carries the probe at output step t only: one backward pass yields every row.
    auto copies = u.detach().unsqueeze(0).expand({T, T, u.size(1)}).clone().requires_grad_(true);
    const auto y = f(copies);  // (T, T, d_out)
    const int64_t dOut = y.size(2);
    const auto rowSelector = torch::eye(T, y.options()).unsqueeze(-1);  // (T copies, T steps, 1)
    auto squared = torch::zeros({T, T}, u.options().dtype(torch::kFloat64));
    auto generator = at::detail::createCPUGenerator(seed);
    const int64_t passes = probes > 0 ? probes : dOut;
    for (int64_t p = 0; p < passes; ++p) {
        torch::Tensor v;
        if (probes > 0) {
            v = torch::randn({T, 1, dOut}, generator, torch::kFloat64).to(y.options());
        } else {
            v = torch::zeros({1, 1, dOut}, y.options());
            v[0][0][p] = 1.0;
        }
        const auto grad = torch::autograd::grad({y}, {copies}, {rowSelector * v}, /*retain_graph=*/true)[0];
        squared += grad.to(torch::kFloat64).pow(2).sum(-1);  // (t copy, s)
    }
    if (probes > 0) squared /= double(probes);
    return squared.sqrt();
}

}  // namespace eigenscope::spectra
