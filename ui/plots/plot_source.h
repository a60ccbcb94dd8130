// What the plots draw: the current analysis, an optional reference (pinned result or init model) and the
// layer filter. Results are shared immutable values, so the plots never copy the arrays.
#pragma once

#include "eigenscope/analysis.h"

#include <QString>

#include <memory>
#include <vector>

namespace eigenscope::ui {

struct PlotSource {
    std::shared_ptr<const AnalysisResult> current;
    std::shared_ptr<const AnalysisResult> reference;
    QString currentLabel = QStringLiteral("current");
    QString referenceLabel;
    // How curves over many heads are drawn: each layer's median with the 10–90 % band of its heads, every head, or
    // the one head `head`.
    enum class Heads { Band, All, One };
    int layer = -1;  // the model's layer number shown alone; -1: every layer
    Heads heads = Heads::Band;
    int head = 0;    // the head of the T×T map and of Heads::One
    double epsilon = 0.01;  // the memory-horizon threshold the analysis used

    // The model's number of the current result's l-th layer (results skip layers without a mixer).
    int64_t layerNumber(size_t l) const {
        return current && l < current->layers.size() ? current->layers[l].index : int64_t(l);
    }
    bool showsLayer(size_t l) const { return layer < 0 || layerNumber(l) == layer; }
    // Where the layer shown alone lies in the current result (0 when every layer is shown or it has no spectrum).
    size_t shownLayerPosition() const;
    // The reference is drawn only when it has the same layers and heads as the current result.
    bool referenceMatches() const;
};

// Per-layer |λ| bin percentages: per sample the mean over heads, then mean and population std over the batch.
struct LayerBins {
    std::vector<double> mean, std;  // (nbins)
};
LayerBins layerBins(const LayerSpectrum& layer, size_t nbins);

// The token at step t of the result's input, quoted for a read-out; empty when the input has no token text.
QString tokenAt(const AnalysisResult* result, int64_t t);

}  // namespace eigenscope::ui
