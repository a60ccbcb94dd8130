#include "mixers/hippo.h"

#include <Eigen/Dense>

#include <cmath>
#include <complex>

namespace eigenscope::mixers {

HippoDplr hippoLegsDplr(int64_t n) {
    using Matrix = Eigen::MatrixXd;
    Matrix A = Matrix::Zero(n, n);
    Eigen::VectorXd p(n), b(n);
    for (int64_t i = 0; i < n; ++i) {
        p(i) = std::sqrt(double(i) + 0.5);
        b(i) = std::sqrt(2.0 * double(i) + 1.0);
        for (int64_t k = 0; k < i; ++k) A(i, k) = -std::sqrt((2.0 * i + 1.0) * (2.0 * k + 1.0));
        A(i, i) = -(double(i) + 1.0);
    }
    const Matrix S = A + p * p.transpose();
    // S = −½ I + skew part; −i·skew is Hermitian with real eigenvalues ω (as jax eigh of −i·S, symmetrized).
    const Eigen::MatrixXcd hermitian = std::complex<double>(0.0, -1.0) * ((S - S.transpose()) * 0.5).cast<std::complex<double>>();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(hermitian);
    const Eigen::MatrixXcd Vh = solver.eigenvectors().adjoint();
    const Eigen::VectorXcd P = Vh * p.cast<std::complex<double>>();
    const Eigen::VectorXcd B = Vh * b.cast<std::complex<double>>();

    HippoDplr out;
    out.omega = torch::empty({n}, torch::kFloat64);
    out.P = torch::empty({n}, torch::kComplexDouble);
    out.B = torch::empty({n}, torch::kComplexDouble);
    auto omega = out.omega.accessor<double, 1>();
    auto Pout = out.P.accessor<c10::complex<double>, 1>();
    auto Bout = out.B.accessor<c10::complex<double>, 1>();
    for (int64_t i = 0; i < n; ++i) {
        omega[i] = solver.eigenvalues()(i);
        Pout[i] = c10::complex<double>(P(i).real(), P(i).imag());
        Bout[i] = c10::complex<double>(B(i).real(), B(i).imag());
    }
    return out;
}

}  // namespace eigenscope::mixers
