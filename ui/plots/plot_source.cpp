#include "plots/plot_source.h"

#include <cmath>

namespace eigenscope::ui {

size_t PlotSource::shownLayerPosition() const {
    if (!current || layer < 0) return 0;
    for (size_t l = 0; l < current->layers.size(); ++l)
        if (current->layers[l].index == layer) return l;
    return 0;
}

bool PlotSource::referenceMatches() const {
    if (!current || !reference || current->layers.size() != reference->layers.size()) return false;
    for (size_t l = 0; l < current->layers.size(); ++l)
        if (current->layers[l].heads != reference->layers[l].heads) return false;
    return current->binEdges == reference->binEdges;
}

LayerBins layerBins(const LayerSpectrum& layer, size_t nbins) {
    LayerBins out{std::vector<double>(nbins, 0.0), std::vector<double>(nbins, 0.0)};
    const auto B = size_t(layer.batch), H = size_t(layer.heads);
    if (B == 0 || H == 0 || layer.bins.size() != B * H * nbins) return out;
    std::vector<double> perSample(B * nbins, 0.0);
    for (size_t b = 0; b < B; ++b)
        for (size_t h = 0; h < H; ++h)
            for (size_t i = 0; i < nbins; ++i) perSample[b * nbins + i] += layer.bins[(b * H + h) * nbins + i] / double(H);
    for (size_t i = 0; i < nbins; ++i) {
        double sum = 0, squares = 0;
        for (size_t b = 0; b < B; ++b) sum += perSample[b * nbins + i];
        out.mean[i] = sum / double(B);
        for (size_t b = 0; b < B; ++b) squares += std::pow(perSample[b * nbins + i] - out.mean[i], 2);
        out.std[i] = std::sqrt(squares / double(B));
    }
    return out;
}

QString tokenAt(const AnalysisResult* result, int64_t t) {
    if (!result || t < 0 || t >= int64_t(result->tokens.size())) return {};
    return QStringLiteral(" \u201c%1\u201d").arg(QString::fromStdString(result->tokens[size_t(t)]));
}

}  // namespace eigenscope::ui
